-- The general-ledger export's low-water marks: each export records, per source, the lowest posting
-- id it did not export (every posting below it has been exported), so that the next export reads
-- only the postings from there on, whatever the history behind them. To make the mark safe, an
-- export first waits for every transaction still inserting postings to finish and holds new ones
-- back until it commits (lock_postings_for_export), so no posting with a lower id can appear later.
CREATE TABLE gl_export_marks (
    run_id      bigint PRIMARY KEY REFERENCES runs,
    ledger_from bigint NOT NULL CHECK (ledger_from >= 0),
    gl_from     bigint NOT NULL CHECK (gl_from >= 0)
);
CREATE TRIGGER gl_export_marks_append_only BEFORE UPDATE OR DELETE ON gl_export_marks
    FOR EACH ROW EXECUTE FUNCTION refuse_history_change();
GRANT SELECT ON gl_export_marks TO hub_finance, hub_payments, hub_repairs, hub_auditor;
GRANT INSERT ON gl_export_marks TO hub_finance;

-- SHARE mode waits for the transactions inserting postings and blocks new inserts until the
-- caller's transaction ends; the staff roles may not take it themselves (it needs UPDATE). Both
-- tables are taken together or not at all (NOWAIT, retried), so that a run holding one of them
-- and waiting for the other can never deadlock with the export.
CREATE FUNCTION lock_postings_for_export() RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    LOOP
        BEGIN
            LOCK TABLE ledger_entries, gl_postings IN SHARE MODE NOWAIT;
            RETURN;
        EXCEPTION WHEN lock_not_available THEN
            PERFORM pg_sleep(0.05);
        END;
    END LOOP;
END $$;
REVOKE ALL ON FUNCTION lock_postings_for_export() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION lock_postings_for_export() TO hub_finance;
