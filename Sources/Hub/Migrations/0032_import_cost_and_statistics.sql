-- What a payment import's rows pay for, and fresh statistics after large posts (issue 18;
-- Benchmarks/README.md, docs/performance.md "The payment import against the COPY limit" and
-- "Statistics after large posts"). The invariants stay: every payment entry names an existing run,
-- rent account, earlier entry and ledger entry of its own landlord; row-level security, the
-- append-only ledger and who made each change are untouched.
--
-- 1. payment_entries' four foreign keys ((run_id, landlord) -> runs, (account_id, landlord) ->
--    rent_accounts, (first_entry_id, landlord) -> payment_entries, (returns_entry_id, landlord) ->
--    ledger_entries) queued four after-row trigger events per entry and looked up and locked the
--    parent row for each: as 0029 did for the ledger, they become one set-based check per
--    statement over the rows inserted or updated, refusing with the keys' own SQLSTATE (23503),
--    message and detail. The parent side (a run, account or entry that payment entries name cannot
--    be deleted nor given another id) is kept by row triggers on the parents; ledger entries
--    cannot be deleted or changed at all (append-only, 0004). An account's or entry's delete first
--    waits for every transaction inserting payment entries (SHARE lock), so that an insert and a
--    delete cannot both pass their checks at once; a run is only ever named by entries of the
--    transaction that started it.
-- 2. payment_entries_run, a B-tree every entry updates, is read only by `run_id = ...` (the
--    reversal trigger releasing a run's entries, the bank reconciliation of a file's entries, the
--    parent check above). A run's entries are appended together: BRIN, as 0029 made the ledger's.

ALTER TABLE payment_entries
    DROP CONSTRAINT payment_entries_run_id_fkey,
    DROP CONSTRAINT payment_entries_account_id_fkey,
    DROP CONSTRAINT payment_entries_first_entry_id_fkey,
    DROP CONSTRAINT payment_entries_returns_entry_id_fkey;

-- One anti-join per key over the rows of the statement (no LIMIT: with one the planner probes the
-- parent's index once per row, 0029), rows whose key is NULL not checked (MATCH SIMPLE, as the
-- keys were). Runs as the owner: row-level security (forced) shows it the session's landlord's
-- parents only, and the landlord is matched as the keys matched it. The refusal is the key's own:
-- SQLSTATE 23503, its message, and its detail, which names no values (PostgreSQL leaves them out
-- of a key's detail on a table under row-level security, as every table here is).
CREATE FUNCTION payment_entries_check_references() RETURNS trigger LANGUAGE plpgsql
SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    violated text;
    parent text;
BEGIN
    PERFORM FROM changed i WHERE NOT EXISTS (SELECT FROM runs r WHERE r.id = i.run_id AND r.landlord = i.landlord);
    IF FOUND THEN
        violated := 'run_id'; parent := 'runs';
    ELSE
        PERFORM FROM changed i
        WHERE i.account_id IS NOT NULL AND NOT EXISTS (SELECT FROM rent_accounts a WHERE a.id = i.account_id AND a.landlord = i.landlord);
        IF FOUND THEN
            violated := 'account_id'; parent := 'rent_accounts';
        ELSE
            PERFORM FROM changed i
            WHERE i.first_entry_id IS NOT NULL AND NOT EXISTS (SELECT FROM payment_entries p WHERE p.id = i.first_entry_id AND p.landlord = i.landlord);
            IF FOUND THEN
                violated := 'first_entry_id'; parent := 'payment_entries';
            ELSE
                PERFORM FROM changed i
                WHERE i.returns_entry_id IS NOT NULL AND NOT EXISTS (SELECT FROM ledger_entries l WHERE l.id = i.returns_entry_id AND l.landlord = i.landlord);
                IF FOUND THEN
                    violated := 'returns_entry_id'; parent := 'ledger_entries';
                END IF;
            END IF;
        END IF;
    END IF;
    IF violated IS NOT NULL THEN
        RAISE EXCEPTION 'insert or update on table "payment_entries" violates foreign key constraint "payment_entries_%_fkey"', violated
            USING ERRCODE = 'foreign_key_violation', DETAIL = format('Key is not present in table "%s".', parent);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER payment_entries_references AFTER INSERT ON payment_entries
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION payment_entries_check_references();
CREATE TRIGGER payment_entries_references_update AFTER UPDATE ON payment_entries
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION payment_entries_check_references();

-- The parent side: what ON DELETE / ON UPDATE NO ACTION of the keys refused.
CREATE FUNCTION payment_parent_still_referenced() RETURNS trigger LANGUAGE plpgsql
SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    key text;
    found boolean;
BEGIN
    IF TG_TABLE_NAME = 'runs' THEN
        key := 'run_id';
        found := EXISTS (SELECT FROM payment_entries WHERE run_id = OLD.id AND landlord = OLD.landlord);
    ELSIF TG_TABLE_NAME = 'rent_accounts' THEN
        key := 'account_id';
        LOCK TABLE payment_entries IN SHARE MODE;
        found := EXISTS (SELECT FROM payment_entries WHERE account_id = OLD.id AND landlord = OLD.landlord);
    ELSE
        key := 'first_entry_id';
        LOCK TABLE payment_entries IN SHARE MODE;
        found := EXISTS (SELECT FROM payment_entries WHERE first_entry_id = OLD.id AND landlord = OLD.landlord);
    END IF;
    IF found THEN
        RAISE EXCEPTION 'update or delete on table "%" violates foreign key constraint "payment_entries_%_fkey" on table "payment_entries"', TG_TABLE_NAME, key
            USING ERRCODE = 'foreign_key_violation', DETAIL = 'Key is still referenced from table "payment_entries".';
    END IF;
    RETURN CASE TG_OP WHEN 'DELETE' THEN OLD ELSE NEW END;
END $$;
CREATE TRIGGER runs_payment_references BEFORE DELETE ON runs
    FOR EACH ROW EXECUTE FUNCTION payment_parent_still_referenced();
CREATE TRIGGER runs_payment_references_id BEFORE UPDATE OF id, landlord ON runs
    FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id OR OLD.landlord IS DISTINCT FROM NEW.landlord) EXECUTE FUNCTION payment_parent_still_referenced();
CREATE TRIGGER rent_accounts_payment_references BEFORE DELETE ON rent_accounts
    FOR EACH ROW EXECUTE FUNCTION payment_parent_still_referenced();
CREATE TRIGGER rent_accounts_payment_references_id BEFORE UPDATE OF id, landlord ON rent_accounts
    FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id OR OLD.landlord IS DISTINCT FROM NEW.landlord) EXECUTE FUNCTION payment_parent_still_referenced();
CREATE TRIGGER payment_entries_payment_references BEFORE DELETE ON payment_entries
    FOR EACH ROW EXECUTE FUNCTION payment_parent_still_referenced();
CREATE TRIGGER payment_entries_payment_references_id BEFORE UPDATE OF id, landlord ON payment_entries
    FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id OR OLD.landlord IS DISTINCT FROM NEW.landlord) EXECUTE FUNCTION payment_parent_still_referenced();

DROP INDEX payment_entries_run;
CREATE INDEX payment_entries_run ON payment_entries USING brin (run_id) WITH (pages_per_range = 32, autosummarize = on);

-- 3. Every inbound file is kept with its run in 1 MiB chunks (0016), compressed by PostgreSQL's
--    default, pglz: 1.5-2.0 s per 61 MB of camt XML on the shared machine, 3.1 MB stored. lz4
--    compresses the same chunks to 3.3 MB in 0.16 s. New chunks are stored with lz4; chunks
--    already stored stay as they are (both are read the same way). A server built without lz4
--    keeps pglz.
DO $$
BEGIN
    ALTER TABLE inbound_file_chunks ALTER COLUMN bytes SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
    RAISE NOTICE 'this PostgreSQL server was built without lz4: inbound files stay compressed with pglz';
END $$;

-- 4. Fresh statistics after large posts. The planner cannot estimate the landlord's policy
--    (`landlord = hub_landlord()`) on a table it has no statistics for: it guesses 0.5% of the
--    rows (115 of 156,000 ledger rows after a rent debit), and a query over the rows just posted
--    can go quadratic (docs/known-limits.md). Autovacuum analyses the table some time later;
--    ANALYZE needs the table's owner. This function, owned by hub_owner, analyses the hub's tables
--    that bulk runs post to (a fixed list: it takes no names) when enough of them changed since
--    their last analysis: at least 1,000 rows and more than a tenth of the rows the table is
--    estimated to hold (a table never analysed counts as empty), counting the changes the
--    statistics collector has, those this session made but has not reported yet, and the current
--    transaction's. The same rule as autovacuum's (50 rows + 10%), with a floor that spares small
--    runs the cost, applied when the run ends rather than whenever autovacuum comes round.
--    SKIP_LOCKED: a table another session is analysing (or vacuuming) is left to it.
--    The run framework calls it after each committed run (Sources/Hub/Runs/Runner.swift); a job
--    may call it in its transaction before a query over what it has just written.
--    Returns the tables analysed.
CREATE FUNCTION hub_analyse_after_post() RETURNS text[] LANGUAGE plpgsql
SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    t text;
    estimated real;
    changed bigint;
    analysed text[] := '{}';
BEGIN
    FOREACH t IN ARRAY ARRAY['ledger_entries', 'gl_postings', 'gl_exported', 'payment_entries', 'suspense_items',
                             'bank_settlements', 'dd_collections', 'sales_orders', 'sales_order_lines']
    LOOP
        SELECT c.reltuples,
               COALESCE(s.n_mod_since_analyze, 0) + pg_stat_get_xact_tuples_inserted(c.oid)
                   + pg_stat_get_xact_tuples_updated(c.oid) + pg_stat_get_xact_tuples_deleted(c.oid)
        INTO estimated, changed
        FROM pg_class c LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid
        WHERE c.oid = t::regclass;
        IF changed >= 1000 AND changed > 0.1 * greatest(estimated, 0) THEN
            EXECUTE format('ANALYZE (SKIP_LOCKED) %I', t);
            analysed := analysed || t;
        END IF;
    END LOOP;
    RETURN analysed;
END $$;
REVOKE ALL ON FUNCTION hub_analyse_after_post() FROM PUBLIC;
-- The roles whose runs post in bulk (the rent debit, Direct Debit collection and GL export:
-- finance; the payment import: payments; sales orders: repairs). The income team's runs post a
-- few rows each and leave them to autovacuum.
GRANT EXECUTE ON FUNCTION hub_analyse_after_post() TO hub_finance, hub_payments, hub_repairs;
