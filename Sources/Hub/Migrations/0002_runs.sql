-- The reason given for every reversal, kept apart from the run's own record.
CREATE TABLE runs_reversal_reasons (
    run_id          bigint PRIMARY KEY REFERENCES runs,
    reversed_run_id bigint NOT NULL UNIQUE REFERENCES runs,
    reason          text NOT NULL CHECK (length(trim(reason)) > 0)
);
GRANT INSERT ON runs_reversal_reasons TO hub_finance, hub_payments, hub_repairs;
GRANT UPDATE (reverses_run_id) ON runs TO hub_finance, hub_payments, hub_repairs;
