-- Exports: the general-ledger journal and the council tax change file.

-- Every posting (ledger entry or gl_posting, as in the view `postings`) that has gone into a
-- general-ledger journal, with the gl-export run whose journal holds it. A posting is marked once
-- (the primary key), so it is in exactly one journal line. Marks are never changed or deleted:
-- gl-export runs cannot be reversed (the journal was sent); a reversed run's postings flow out as
-- new, opposite postings in the next journal.
CREATE TABLE gl_exported (
    source      text NOT NULL CHECK (source IN ('ledger', 'gl')),
    posting_id  bigint NOT NULL,
    -- No foreign key: only GLExportJob writes here, always its own run's id, and a per-row
    -- check would cost a lookup in runs for each of a million postings.
    run_id      bigint NOT NULL,
    PRIMARY KEY (source, posting_id)
);
CREATE INDEX gl_exported_run ON gl_exported (run_id);
CREATE TRIGGER gl_exported_append_only BEFORE UPDATE OR DELETE ON gl_exported
    FOR EACH ROW EXECUTE FUNCTION refuse_history_change();
CREATE TRIGGER gl_exported_no_truncate BEFORE TRUNCATE ON gl_exported
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_history_change();

-- Every council tax event sent, in the file that carried it. The latest row of an event key is
-- what billing believes now: a new event, an AMENDMENT of its effective date, or a CANCELLATION.
CREATE SEQUENCE council_tax_event_numbers;
CREATE TABLE council_tax_events_sent (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- The id written in the file (CT0000101), unique across all files.
    event_id            text NOT NULL UNIQUE,
    -- The derived event's stable identity: TS:/TE: tenancy start/end, VS: void start after a
    -- tenancy, VA: void start at acquisition, VE: void end before a tenancy, AQ:/DP: acquired/disposed.
    event_key           text NOT NULL,
    -- What the event is (TENANCY_START ... DISPOSED).
    event_kind          text NOT NULL,
    -- How it went in the file: the event kind, AMENDMENT or CANCELLATION.
    sent_as             text NOT NULL,
    -- For AMENDMENT and CANCELLATION: the event id first sent for the key; else this event's own id.
    original_event_id   text NOT NULL,
    property_ref        text NOT NULL,
    effective_date      date NOT NULL,
    file_id             bigint NOT NULL REFERENCES outbound_files,
    file_sequence       bigint NOT NULL,
    run_id              bigint NOT NULL REFERENCES runs,
    CHECK (sent_as IN (event_kind, 'AMENDMENT', 'CANCELLATION'))
);
CREATE INDEX council_tax_events_sent_key ON council_tax_events_sent (event_key, id);
CREATE TRIGGER council_tax_events_sent_append_only BEFORE UPDATE OR DELETE ON council_tax_events_sent
    FOR EACH ROW EXECUTE FUNCTION refuse_history_change();

GRANT INSERT ON gl_exported, council_tax_events_sent TO hub_finance;
GRANT USAGE ON SEQUENCE council_tax_event_numbers TO hub_finance;
GRANT SELECT ON gl_exported, council_tax_events_sent TO hub_finance, hub_payments, hub_repairs, hub_auditor;
