-- What sealing a large run costs (issue 18, docs/performance.md "Sealing a large run"). Sealing
-- (0019, 0029) took about 5 s of a 1,000,000-tenancy rent debit's 6 s completion (1,400,000
-- entries): 3.3-3.8 s working out the entries' hashes, 1.1-1.7 s storing the seal's two arrays.
-- The hashes, their order and the chain are unchanged to the bit: every seal made before verifies
-- as it did.
--
-- 1. An entry's hash from its columns. ledger_entry_hash(l ledger_entries) takes the whole row,
--    for which PostgreSQL builds a composite value of every column per row only to take eleven
--    fields out again. ledger_entry_hash_of takes the columns, joined with || where 0019 used
--    concat_ws: concat_ws skips NULL arguments and || does not, so the two agree because no part is
--    ever NULL (the nullable columns are all inside quote_nullable, which gives NULL as the text
--    NULL; the rest are NOT NULL columns). STABLE, as before (convert_to is): declared IMMUTABLE
--    the planner no longer inlines it, and the same entries take 10 s instead of 3.
-- 2. The seal's arrays are compressed with LZ4 where the server has it (Debian's does), not with
--    PostgreSQL's own pglz: storing the seal of 1,400,000 entries (11 MB of ids, 11 MB of hashes)
--    took 1.35-1.7 s with pglz, 0.12 s with LZ4, for 5.6 MB of ids against 4.6 MB (the hashes do
--    not compress either way). Seals stored before keep pglz and read as before; a server built
--    without LZ4 keeps pglz for all (the migration says so in a notice).
CREATE FUNCTION ledger_entry_hash_of(id bigint, account_id bigint, code text, charge_code text, amount_pence bigint,
                                     entry_date date, rent_week date, run_id bigint, description text, source_ref text,
                                     reverses_entry_id bigint)
RETURNS bigint LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT ('x' || encode(substr(sha256(convert_to(
        id::text || ',' || account_id::text || ',' || quote_nullable(code) || ',' || quote_nullable(charge_code) || ','
        || amount_pence::text || ',' || (entry_date - DATE '2000-01-01')::text || ','
        || quote_nullable((rent_week - DATE '2000-01-01')::text) || ',' || run_id::text || ',' || quote_nullable(description)
        || ',' || quote_nullable(source_ref) || ',' || quote_nullable(reverses_entry_id::text), 'UTF8')), 1, 8), 'hex'))::bit(64)::bigint
$$;
REVOKE ALL ON FUNCTION ledger_entry_hash_of(bigint, bigint, text, text, bigint, date, date, bigint, text, text, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ledger_entry_hash_of(bigint, bigint, text, text, bigint, date, date, bigint, text, text, bigint)
    TO hub_finance, hub_payments, hub_repairs, hub_auditor;

-- The whole-row form stays, for anyone who hashes a row they hold (the same value).
CREATE OR REPLACE FUNCTION ledger_entry_hash(l ledger_entries) RETURNS bigint LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT ledger_entry_hash_of(l.id, l.account_id, l.code, l.charge_code, l.amount_pence, l.entry_date, l.rent_week, l.run_id,
                                l.description, l.source_ref, l.reverses_entry_id)
$$;

-- The seal of 0029, hashing from the columns.
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
    FROM (SELECT l.id, ledger_entry_hash_of(l.id, l.account_id, l.code, l.charge_code, l.amount_pence, l.entry_date, l.rent_week,
                                            l.run_id, l.description, l.source_ref, l.reverses_entry_id) AS hash, l.amount_pence
          FROM ledger_entries l WHERE l.run_id = p_run ORDER BY l.id + 0) e;
    SELECT * INTO head FROM run_seal_head FOR UPDATE;
    next := run_seal_chain(head.chain, p_run, n, total, ids, hashes);
    INSERT INTO run_seals (run_id, seq, entries, pence, running_entries, running_pence, entry_ids, entry_hashes, previous_chain, chain)
    VALUES (p_run, head.seq + 1, n, total, head.running_entries + n, head.running_pence + total, ids, hashes, head.chain, next);
    UPDATE run_seal_head SET seq = head.seq + 1, chain = next,
        running_entries = head.running_entries + n, running_pence = head.running_pence + total;
END $$;

DO $$
BEGIN
    ALTER TABLE run_seals ALTER COLUMN entry_ids SET COMPRESSION lz4, ALTER COLUMN entry_hashes SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported OR invalid_parameter_value THEN
    RAISE NOTICE 'this PostgreSQL server was built without LZ4: run seals stay compressed with pglz (slower to store, the same to verify)';
END $$;
