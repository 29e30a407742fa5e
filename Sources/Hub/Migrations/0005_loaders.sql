-- Loaders: a reversed load leaves its side tables consistent with the ledger. Reversing a
-- load-opening-balances run takes back its OPB entries (the reversal job) and, here, removes its
-- opening balances (so the accounts may be given new ones, and the rent debit recalculates them)
-- and its loaded_files row (so the same file may be loaded again).
CREATE FUNCTION loaded_run_reversed() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF OLD.reversed_by_run_id IS NULL AND NEW.reversed_by_run_id IS NOT NULL AND NEW.job LIKE 'load-%' THEN
        INSERT INTO audit_events (action, entity, entity_ref, run_id, details)
        SELECT 'remove-opening-balance', 'rent-account', a.account_ref, NEW.reversed_by_run_id,
               jsonb_build_object('old', jsonb_build_object('balance_pence', o.balance_pence, 'as_of', o.as_of, 'run_id', o.run_id))
        FROM opening_balances o JOIN rent_accounts a ON a.id = o.account_id WHERE o.run_id = NEW.id;
        INSERT INTO rent_recalc (account_id, from_date)
        SELECT account_id, DATE '1900-01-01' FROM opening_balances WHERE run_id = NEW.id;
        DELETE FROM opening_balances WHERE run_id = NEW.id;
        DELETE FROM loaded_files WHERE run_id = NEW.id;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER runs_reversed_loads AFTER UPDATE OF reversed_by_run_id ON runs
    FOR EACH ROW EXECUTE FUNCTION loaded_run_reversed();
REVOKE ALL ON FUNCTION loaded_run_reversed() FROM PUBLIC;

-- Lookups the loaders' set-based checks make by reference.
CREATE INDEX IF NOT EXISTS loaded_files_run ON loaded_files (run_id);
CREATE INDEX IF NOT EXISTS opening_balances_run ON opening_balances (run_id);
