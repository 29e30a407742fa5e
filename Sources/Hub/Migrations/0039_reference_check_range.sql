-- The ledger's reference check (0029) reads only the rent accounts a statement's rows can name
-- (issue 18, docs/performance.md "The reference check bounded by the rows' accounts").
--
-- The check anti-joins the rows inserted to rent_accounts. Since 0038 priced row-level security's
-- test as one lookup, the planner hashes every account the landlord holds for it: right for one
-- statement that posts the whole week, but the rent debit posts in chunks of 32,000 rows, and at
-- 1,000,000 accounts each chunk's check read and hashed all of them (364 ms of the chunk's 478 ms;
-- 50 chunks, 18 s of a 30 s debit). The chunks follow the accounts' order, so the accounts a chunk
-- names lie in a narrow range of ids: the check now takes the range of the rows first and reads
-- only the accounts inside it (a range of the primary key), which for one statement over every
-- account is all of them, as before. The condition is redundant for the result: an inserted row's
-- account id lies in that range by construction. The error, its SQLSTATE and its message are
-- unchanged.
CREATE OR REPLACE FUNCTION ledger_entries_check_references() RETURNS trigger LANGUAGE plpgsql
SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    lowest bigint;
    highest bigint;
    missing_account bigint;
    missing_run bigint;
BEGIN
    SELECT min(account_id), max(account_id) INTO lowest, highest FROM inserted;
    SELECT (SELECT min(i.account_id) FROM inserted i
             WHERE NOT EXISTS (SELECT FROM rent_accounts a WHERE a.id = i.account_id AND a.id BETWEEN lowest AND highest)),
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
