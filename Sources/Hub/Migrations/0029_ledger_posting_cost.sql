-- What each ledger row pays for when it is posted (Benchmarks/README.md, docs/performance.md
-- "Posting rows against the COPY limit"). The invariants stay: every entry names an existing rent
-- account and run, the ledger is append-only, every run is sealed.
--
-- 1. The two foreign keys (account_id -> rent_accounts, run_id -> runs) were checked row by row:
--    for each row a lookup and a FOR KEY SHARE lock on the parent row, about half the cost of
--    posting a rent debit of 1.6 million rows. They become one set-based check per statement over
--    the rows inserted (a transition table, which the write-on trigger of 0021 already keeps), with
--    the same error (SQLSTATE 23503, the same message). The parent side, which the keys also
--    guarded, is guarded by triggers: a rent account or a run that ledger entries name cannot be
--    deleted nor given another id. A rent account's delete first waits for every transaction
--    inserting ledger entries (SHARE lock), so an insert and a delete cannot both pass their checks
--    at once; a run is only ever named by entries of the transaction that started it.
-- 2. The run and rent-week indexes are B-trees that every row updates. Entries are appended in
--    run order and, but for adjustments to earlier weeks, in week order: BRIN indexes (one summary
--    per 32 pages; multi-minmax for the weeks, so an adjustment's earlier week does not widen a
--    range; summarised as each range fills) answer `run_id = ...` and `rent_week = ...` at a fraction of the cost per row.
--    (account_id, entry_date) stays a B-tree: statements and balances read one account's entries.

ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_account_id_fkey, DROP CONSTRAINT ledger_entries_run_id_fkey;

-- Two anti-joins over the rows inserted, each a hash join (no LIMIT, no DISTINCT: with either the
-- planner probes the parent's index once per row, which costs as much as the keys did).
CREATE FUNCTION ledger_entries_check_references() RETURNS trigger LANGUAGE plpgsql
SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    missing_account bigint;
    missing_run bigint;
BEGIN
    SELECT (SELECT min(i.account_id) FROM inserted i WHERE NOT EXISTS (SELECT FROM rent_accounts a WHERE a.id = i.account_id)),
           (SELECT min(i.run_id) FROM inserted i WHERE NOT EXISTS (SELECT FROM runs r WHERE r.id = i.run_id))
    INTO missing_account, missing_run;
    IF missing_account IS NOT NULL THEN
        RAISE EXCEPTION 'insert or update on table "ledger_entries" violates foreign key constraint "ledger_entries_account_id_fkey"'
            USING ERRCODE = 'foreign_key_violation', DETAIL = format('Key (account_id)=(%s) is not present in table "rent_accounts".', missing_account);
    END IF;
    IF missing_run IS NOT NULL THEN
        RAISE EXCEPTION 'insert or update on table "ledger_entries" violates foreign key constraint "ledger_entries_run_id_fkey"'
            USING ERRCODE = 'foreign_key_violation', DETAIL = format('Key (run_id)=(%s) is not present in table "runs".', missing_run);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER ledger_entries_references AFTER INSERT ON ledger_entries
    REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION ledger_entries_check_references();

-- The parent side: what ON DELETE / ON UPDATE NO ACTION of the keys refused.
CREATE FUNCTION ledger_parent_still_referenced() RETURNS trigger LANGUAGE plpgsql
SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF TG_TABLE_NAME = 'rent_accounts' THEN
        LOCK TABLE ledger_entries IN SHARE MODE;
        IF EXISTS (SELECT FROM ledger_entries WHERE account_id = OLD.id) THEN
            RAISE EXCEPTION 'update or delete on table "rent_accounts" violates foreign key constraint "ledger_entries_account_id_fkey" on table "ledger_entries"'
                USING ERRCODE = 'foreign_key_violation', DETAIL = format('Key (id)=(%s) is still referenced from table "ledger_entries".', OLD.id);
        END IF;
    ELSIF EXISTS (SELECT FROM ledger_entries WHERE run_id = OLD.id) THEN
        RAISE EXCEPTION 'update or delete on table "runs" violates foreign key constraint "ledger_entries_run_id_fkey" on table "ledger_entries"'
            USING ERRCODE = 'foreign_key_violation', DETAIL = format('Key (id)=(%s) is still referenced from table "ledger_entries".', OLD.id);
    END IF;
    RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
END $$;
CREATE TRIGGER rent_accounts_ledger_references BEFORE DELETE ON rent_accounts
    FOR EACH ROW EXECUTE FUNCTION ledger_parent_still_referenced();
CREATE TRIGGER rent_accounts_ledger_references_id BEFORE UPDATE OF id ON rent_accounts
    FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id) EXECUTE FUNCTION ledger_parent_still_referenced();
CREATE TRIGGER runs_ledger_references BEFORE DELETE ON runs
    FOR EACH ROW EXECUTE FUNCTION ledger_parent_still_referenced();
CREATE TRIGGER runs_ledger_references_id BEFORE UPDATE OF id ON runs
    FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id) EXECUTE FUNCTION ledger_parent_still_referenced();

DROP INDEX ledger_entries_run, ledger_entries_week;
CREATE INDEX ledger_entries_run ON ledger_entries USING brin (run_id) WITH (pages_per_range = 32, autosummarize = on);
CREATE INDEX ledger_entries_week ON ledger_entries USING brin (rent_week date_minmax_multi_ops) WITH (pages_per_range = 32, autosummarize = on);

-- 3. Sealing a run (0019) read its entries twice and sorted them twice, each sort spilling to disk
--    at the default work_mem (13.0 s for 1.6 million entries, loaded machine); the run's totals
--    (hub_run_complete) sorted them once more. Now one sort feeds both arrays (the aggregates take
--    the rows in the subquery's order; `l.id + 0` keeps the planner from walking the whole primary
--    key instead of reading the run's entries), and both functions sort in memory (2.0 s).
--    The seal's content and format are unchanged: `hub db verify` checks old and new seals alike.
CREATE OR REPLACE FUNCTION seal_run(p_run bigint) RETURNS void LANGUAGE plpgsql
SET search_path = public, pg_temp SET work_mem = '256MB' AS $$
DECLARE
    head run_seal_head;
    ids bigint[];
    hashes bigint[];
    n bigint;
    total bigint;
    next text;
BEGIN
    SELECT COALESCE(array_agg(e.id), '{}'), COALESCE(array_agg(e.hash), '{}'), count(*), COALESCE(sum(e.amount_pence), 0)
    INTO ids, hashes, n, total
    FROM (SELECT l.id, ledger_entry_hash(l) AS hash, l.amount_pence FROM ledger_entries l WHERE l.run_id = p_run ORDER BY l.id + 0) e;
    SELECT * INTO head FROM run_seal_head FOR UPDATE;
    next := run_seal_chain(head.chain, p_run, n, total, ids, hashes);
    INSERT INTO run_seals (run_id, seq, entries, pence, running_entries, running_pence, entry_ids, entry_hashes, previous_chain, chain)
    VALUES (p_run, head.seq + 1, n, total, head.running_entries + n, head.running_pence + total, ids, hashes, head.chain, next);
    UPDATE run_seal_head SET seq = head.seq + 1, chain = next,
        running_entries = head.running_entries + n, running_pence = head.running_pence + total;
END $$;
ALTER FUNCTION hub_run_complete(bigint, jsonb, jsonb, jsonb, text) SET work_mem = '256MB';
