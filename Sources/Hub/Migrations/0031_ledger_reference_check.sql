-- The ledger's set-based reference check (0029) made to cost what the statement posts, not what
-- the parent table holds (docs/performance.md, "Posting rows against the COPY limit").
--
-- 0029's check was one static query in PL/pgSQL: planned once per session, for whatever the first
-- statement was, and as two hash anti-joins that read and hash every rent account for any
-- statement (1.94 s of a 5.85 s insert of 160,000 rows against 1,000,000 accounts). Now:
--   - one pass over the rows inserted finds their lowest and highest account and run, and how
--     many there are;
--   - a single run (every posting job's case) is one primary-key lookup;
--   - the accounts' anti-join is planned for each statement (EXECUTE) with the range of accounts
--     it names as a condition on the parent: the planner sees the statement's row count and reads
--     only the accounts in that range, by the primary key. A rent debit posts its accounts in
--     chunks of neighbouring ids, so each chunk's check reads its own accounts; one payment reads
--     one account by the key; a statement naming accounts across the whole table is hashed against
--     it as before.
-- The guarantee and the error are unchanged: every entry names an existing rent account and run of
-- the landlord (row-level security applies to the lookups: the function runs as hub_owner, held to
-- the policy), else SQLSTATE 23503 with the foreign key's own message.
CREATE OR REPLACE FUNCTION ledger_entries_check_references() RETURNS trigger LANGUAGE plpgsql
SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    n bigint;
    first_account bigint;
    last_account bigint;
    first_run bigint;
    last_run bigint;
    missing_account bigint;
    missing_run bigint;
BEGIN
    SELECT count(*), min(account_id), max(account_id), min(run_id), max(run_id)
    INTO n, first_account, last_account, first_run, last_run FROM inserted;
    IF n = 0 THEN
        RETURN NULL;
    END IF;
    EXECUTE 'SELECT min(i.account_id) FROM inserted i
             WHERE NOT EXISTS (SELECT FROM rent_accounts a WHERE a.id = i.account_id AND a.id BETWEEN $1 AND $2)'
        INTO missing_account USING first_account, last_account;
    IF missing_account IS NOT NULL THEN
        RAISE EXCEPTION 'insert or update on table "ledger_entries" violates foreign key constraint "ledger_entries_account_id_fkey"'
            USING ERRCODE = 'foreign_key_violation', DETAIL = format('Key (account_id)=(%s) is not present in table "rent_accounts".', missing_account);
    END IF;
    IF first_run = last_run THEN
        IF NOT EXISTS (SELECT FROM runs r WHERE r.id = first_run) THEN
            missing_run := first_run;
        END IF;
    ELSE
        EXECUTE 'SELECT min(i.run_id) FROM inserted i
                 WHERE NOT EXISTS (SELECT FROM runs r WHERE r.id = i.run_id AND r.id BETWEEN $1 AND $2)'
            INTO missing_run USING first_run, last_run;
    END IF;
    IF missing_run IS NOT NULL THEN
        RAISE EXCEPTION 'insert or update on table "ledger_entries" violates foreign key constraint "ledger_entries_run_id_fkey"'
            USING ERRCODE = 'foreign_key_violation', DETAIL = format('Key (run_id)=(%s) is not present in table "runs".', missing_run);
    END IF;
    RETURN NULL;
END $$;
