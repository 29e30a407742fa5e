-- Repairs: the schedule of rates, the contract's terms, repair orders as raised, and the review of
-- ODS's completed jobs into sales orders (DOMAIN.md, "Repairs"; docs-repairs.md).

-- The Schedule of Rates. The row in force on a day is the one covering it with the latest
-- effective_from (the latest loaded between equal starts): a price change is a new row.
CREATE TABLE sor_rates (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code            text NOT NULL CHECK (code ~ '^[A-Z0-9]{1,16}$'),
    description     text NOT NULL,
    unit            text NOT NULL,
    base_pence      bigint NOT NULL CHECK (base_pence >= 0),
    effective_from  date NOT NULL,
    effective_to    date,
    run_id          bigint NOT NULL REFERENCES runs,
    CHECK (effective_to IS NULL OR effective_to >= effective_from)
);
CREATE INDEX sor_rates_code ON sor_rates (code, effective_from);

-- The contract's percentage uplift on the base schedule (basis points: 1250 = 12.50%).
CREATE TABLE contract_uplifts (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    basis_points    bigint NOT NULL CHECK (basis_points > -10000),
    effective_from  date NOT NULL,
    effective_to    date,
    run_id          bigint NOT NULL REFERENCES runs,
    CHECK (effective_to IS NULL OR effective_to >= effective_from)
);

-- The contract's own price for a code (no uplift applies to it).
CREATE TABLE contract_overrides (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code            text NOT NULL CHECK (code ~ '^[A-Z0-9]{1,16}$'),
    price_pence     bigint NOT NULL CHECK (price_pence >= 0),
    effective_from  date NOT NULL,
    effective_to    date,
    run_id          bigint NOT NULL REFERENCES runs,
    CHECK (effective_to IS NULL OR effective_to >= effective_from)
);

-- Repair orders as raised, with their lines.
CREATE TABLE repair_orders (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job_number      text NOT NULL UNIQUE,
    property_id     bigint NOT NULL REFERENCES properties,
    priority        text NOT NULL CHECK (priority IN ('IMMEDIATE', 'EMERGENCY', 'URGENT', 'NORMAL')),
    raised_date     date NOT NULL,
    estimate_pence  bigint NOT NULL CHECK (estimate_pence >= 0),
    run_id          bigint NOT NULL REFERENCES runs
);
CREATE TABLE repair_order_lines (
    repair_order_id     bigint NOT NULL REFERENCES repair_orders,
    line_number         integer NOT NULL,
    sor_code            text NOT NULL,
    quantity_hundredths bigint NOT NULL CHECK (quantity_hundredths > 0),
    PRIMARY KEY (repair_order_id, line_number)
);

-- One row per job in each reviewed completed-jobs file: approved, held or rejected, with reasons.
CREATE TABLE sales_orders (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    review_run_id       bigint NOT NULL REFERENCES runs,
    file_sha256         text NOT NULL,
    file_name           text NOT NULL,
    file_line           integer NOT NULL,
    job_number          text NOT NULL,
    repair_order_id     bigint REFERENCES repair_orders,
    completion_date     date NOT NULL,
    operative           text NOT NULL,
    claimed_pence       bigint NOT NULL,
    priced_pence        bigint,
    estimate_pence      bigint,
    status              text NOT NULL CHECK (status IN ('approved', 'held', 'rejected')),
    -- [{"code": "...", "text": "..."}]
    reasons             jsonb NOT NULL DEFAULT '[]',
    -- The general-ledger analysis of its cost: the priority, or VOID for an empty property.
    analysis            text,
    approved_by         text,
    approved_at         timestamptz,
    approved_run_id     bigint REFERENCES runs,
    sent_file_id        bigint REFERENCES outbound_files,
    created_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sales_orders_job ON sales_orders (job_number);
CREATE INDEX sales_orders_status ON sales_orders (status);
-- A job is billed at most once, whatever the code path.
CREATE UNIQUE INDEX sales_orders_billed_once ON sales_orders (job_number) WHERE status = 'approved';
-- A job is under review (held) at most once.
CREATE UNIQUE INDEX sales_orders_held_once ON sales_orders (job_number) WHERE status = 'held';

CREATE TABLE sales_order_lines (
    sales_order_id      bigint NOT NULL REFERENCES sales_orders,
    line_number         integer NOT NULL,
    sor_code            text NOT NULL,
    description         text NOT NULL,
    quantity_hundredths bigint NOT NULL,
    unit_price_pence    bigint,
    value_pence         bigint,
    PRIMARY KEY (sales_order_id, line_number)
);

-- Every decision on a sales order, automatic or by a person: who, when, what. Append-only.
CREATE TABLE sales_order_decisions (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    sales_order_id  bigint NOT NULL REFERENCES sales_orders,
    decision        text NOT NULL CHECK (decision IN ('approved', 'held', 'rejected')),
    decided_by      text NOT NULL DEFAULT session_user,
    decided_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
    automatic       boolean NOT NULL,
    note            text,
    value_pence     bigint,
    run_id          bigint REFERENCES runs
);
CREATE INDEX sales_order_decisions_order ON sales_order_decisions (sales_order_id);
CREATE TRIGGER sales_order_decisions_append_only BEFORE UPDATE OR DELETE ON sales_order_decisions
    FOR EACH ROW EXECUTE FUNCTION refuse_history_change();
CREATE TRIGGER sales_order_decisions_no_truncate BEFORE TRUNCATE ON sales_order_decisions
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_history_change();

-- Repairs staff load the schedule, terms and orders, review and decide. Everyone who reads all
-- (finance, payments, repairs, auditor) reads these tables through the default privileges of
-- 0001; hub_ods sees none of them, only ods_sales_order_files.
GRANT INSERT ON sor_rates, contract_uplifts, contract_overrides, repair_orders, repair_order_lines,
    sales_orders, sales_order_lines, sales_order_decisions, loaded_files TO hub_repairs;
GRANT UPDATE (status, reasons, approved_by, approved_at, approved_run_id, sent_file_id) ON sales_orders TO hub_repairs;
