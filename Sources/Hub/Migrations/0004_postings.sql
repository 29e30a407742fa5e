-- Postings that are not on a rent account: money held in suspense (SUS, SHB), refunds out of
-- suspense, approved repair costs (RPR), and the like. Same sign convention as the ledger: the
-- general-ledger journal debits the code's ledger account with the signed amount and credits its
-- contra account (Config/financial-map.csv). Append-only, like the ledger.
CREATE TABLE gl_postings (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id              bigint NOT NULL REFERENCES runs,
    code                text NOT NULL,
    -- Narrows the code in the financial map (code/analysis, as ADJ/DSC or RPR/VOID).
    analysis            text,
    amount_pence        bigint NOT NULL,
    entry_date          date NOT NULL,
    description         text,
    source_ref          text,
    reverses_posting_id bigint REFERENCES gl_postings,
    created_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX gl_postings_run ON gl_postings (run_id);
CREATE TRIGGER gl_postings_append_only BEFORE UPDATE OR DELETE ON gl_postings
    FOR EACH ROW EXECUTE FUNCTION refuse_history_change();
CREATE TRIGGER gl_postings_no_truncate BEFORE TRUNCATE ON gl_postings
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_history_change();
GRANT INSERT ON gl_postings TO hub_finance, hub_payments, hub_repairs;
GRANT SELECT ON gl_postings TO hub_auditor;

-- Every posting the general ledger must receive, from the rent ledger and from gl_postings, each
-- identified by (source, posting_id).
CREATE VIEW postings AS
    SELECT 'ledger'::text AS source, id AS posting_id, run_id, code, charge_code AS analysis,
           amount_pence, entry_date, account_id
    FROM ledger_entries
    UNION ALL
    SELECT 'gl'::text, id, run_id, code, analysis, amount_pence, entry_date, NULL::bigint
    FROM gl_postings;
GRANT SELECT ON postings TO hub_finance, hub_payments, hub_repairs, hub_auditor;
