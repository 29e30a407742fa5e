-- Outbound interface files: made inside their run's transaction, stored with it, delivered to
-- the outbox after commit. Sequence numbers are gap-free per interface: the counter row is locked
-- until the run commits, and a rolled-back run gives its number back.
CREATE TABLE outbound_sequences (
    interface       text PRIMARY KEY,
    last_sequence   bigint NOT NULL
);

CREATE TABLE outbound_files (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    interface       text NOT NULL,
    sequence        bigint NOT NULL,
    file_name       text NOT NULL,
    content         bytea NOT NULL,
    sha256          text NOT NULL,
    control_totals  jsonb NOT NULL DEFAULT '{}',
    run_id          bigint NOT NULL REFERENCES runs,
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (interface, sequence)
);

-- Each time a file was written to the outbox (a redelivery adds a row).
CREATE TABLE outbound_deliveries (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    file_id         bigint NOT NULL REFERENCES outbound_files,
    path            text NOT NULL,
    delivered_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
    delivered_by    text NOT NULL DEFAULT session_user
);
CREATE INDEX outbound_deliveries_file ON outbound_deliveries (file_id);

CREATE TRIGGER outbound_files_append_only BEFORE UPDATE OR DELETE ON outbound_files
    FOR EACH ROW EXECUTE FUNCTION refuse_history_change();

GRANT INSERT, UPDATE ON outbound_sequences TO hub_finance, hub_payments, hub_repairs;
GRANT INSERT ON outbound_files, outbound_deliveries TO hub_finance, hub_payments, hub_repairs;

-- ODS reads only what is sent to it.
CREATE VIEW ods_sales_order_files AS
    SELECT sequence, file_name, content, sha256, control_totals, created_at
    FROM outbound_files WHERE interface = 'ods-sales-orders';
GRANT SELECT ON ods_sales_order_files TO hub_ods;
REVOKE ALL ON outbound_files FROM hub_ods;
