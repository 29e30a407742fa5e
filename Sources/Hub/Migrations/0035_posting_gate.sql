-- The general-ledger export waits for the postings still in flight (0017), so that none can appear
-- below its low-water mark after it commits. It did so with SHARE locks on `ledger_entries` and
-- `gl_postings`, which held back every landlord's postings while any landlord exported (0030).
-- Postings now pass a gate per landlord: each statement that inserts postings takes the landlord's
-- posting lock in shared mode until its transaction ends (many postings at once, as before); the
-- export takes the same lock exclusively, which waits for that landlord's postings in flight and
-- holds its new ones back until the export commits, and leaves other landlords' postings alone.
CREATE FUNCTION hub_posting_gate() RETURNS trigger LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
    PERFORM pg_advisory_xact_lock_shared(hashtextextended('hub postings ' || hub_landlord(), 20261122));
    RETURN NULL;
END $$;
CREATE TRIGGER ledger_entries_posting_gate BEFORE INSERT ON ledger_entries
    FOR EACH STATEMENT EXECUTE FUNCTION hub_posting_gate();
CREATE TRIGGER gl_postings_posting_gate BEFORE INSERT ON gl_postings
    FOR EACH STATEMENT EXECUTE FUNCTION hub_posting_gate();

-- Without waiting in the lock's queue (NOWAIT, retried, as before): a waiting export would hold
-- back the landlord's new postings behind the ones it waits for.
CREATE OR REPLACE FUNCTION lock_postings_for_export() RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    WHILE NOT pg_try_advisory_xact_lock(hashtextextended('hub postings ' || hub_landlord(), 20261122)) LOOP
        PERFORM pg_sleep(0.05);
    END LOOP;
END $$;
