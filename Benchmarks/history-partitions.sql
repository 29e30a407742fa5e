-- The partitioning measurement of docs/performance.md: a copy of the ledger partitioned by rent
-- year (from 1 April), with the ledger's indexes, beside the ledger itself, on a history kept by
-- `KEEP=1 Benchmarks/history` (psql "<the URL it prints>" -f Benchmarks/history-partitions.sql).
-- The statement's latency over random accounts is measured with pgbench on both tables (see
-- docs/performance.md for the commands); this file builds the copy and times the rest.
\pset pager off
\timing on
SET maintenance_work_mem = '512MB';
DROP TABLE IF EXISTS le_part;
CREATE TABLE le_part (
    id bigint NOT NULL, account_id bigint NOT NULL, code text NOT NULL, charge_code text, amount_pence bigint NOT NULL,
    entry_date date NOT NULL, rent_week date, run_id bigint NOT NULL, description text, source_ref text,
    reverses_entry_id bigint, created_at timestamptz NOT NULL DEFAULT now()
) PARTITION BY RANGE (entry_date);
CREATE TABLE le_part_before PARTITION OF le_part FOR VALUES FROM (MINVALUE) TO ('2016-04-01');
DO $$ BEGIN
    FOR y IN 2016..2027 LOOP
        EXECUTE format('CREATE TABLE le_part_%s PARTITION OF le_part FOR VALUES FROM (%L) TO (%L)', y, make_date(y, 4, 1), make_date(y + 1, 4, 1));
    END LOOP;
END $$;
\echo '== copy the ledger into the partitions, then its indexes (the primary key must include entry_date)'
INSERT INTO le_part (id, account_id, code, charge_code, amount_pence, entry_date, rent_week, run_id, description, source_ref, reverses_entry_id, created_at)
    SELECT id, account_id, code, charge_code, amount_pence, entry_date, rent_week, run_id, description, source_ref, reverses_entry_id, created_at
    FROM ledger_entries ORDER BY id;
ALTER TABLE le_part ADD PRIMARY KEY (id, entry_date);
CREATE INDEX le_part_account_date ON le_part (account_id, entry_date);
CREATE INDEX le_part_run ON le_part (run_id);
CREATE INDEX le_part_week ON le_part (rent_week, account_id) WHERE rent_week IS NOT NULL;
VACUUM ANALYZE le_part;
VACUUM ANALYZE ledger_entries;
SELECT pg_size_pretty(sum(pg_total_relation_size(c.oid))) AS partitioned_size FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'le_part'::regclass;
SELECT pg_size_pretty(pg_total_relation_size('ledger_entries')) AS ledger_size;
\echo '== every balance at a date: ledger, then partitioned (each twice, the second counts)'
SELECT count(*), sum(b) FROM (SELECT account_id, sum(amount_pence) b FROM ledger_entries WHERE entry_date <= DATE '2026-06-30' GROUP BY account_id) x;
SELECT count(*), sum(b) FROM (SELECT account_id, sum(amount_pence) b FROM ledger_entries WHERE entry_date <= DATE '2026-06-30' GROUP BY account_id) x;
SELECT count(*), sum(b) FROM (SELECT account_id, sum(amount_pence) b FROM le_part WHERE entry_date <= DATE '2026-06-30' GROUP BY account_id) x;
SELECT count(*), sum(b) FROM (SELECT account_id, sum(amount_pence) b FROM le_part WHERE entry_date <= DATE '2026-06-30' GROUP BY account_id) x;
\echo '== the last year only (what partition pruning helps): ledger, then partitioned'
SELECT count(*), sum(amount_pence) FROM ledger_entries WHERE entry_date >= DATE '2026-04-01';
SELECT count(*), sum(amount_pence) FROM ledger_entries WHERE entry_date >= DATE '2026-04-01';
SELECT count(*), sum(amount_pence) FROM le_part WHERE entry_date >= DATE '2026-04-01';
SELECT count(*), sum(amount_pence) FROM le_part WHERE entry_date >= DATE '2026-04-01';
\echo '== what the rent debit reads for its week: ledger, then partitioned'
SELECT count(*) FROM (SELECT account_id, charge_code, sum(amount_pence) FROM ledger_entries WHERE rent_week = DATE '2026-11-30' AND charge_code IS NOT NULL GROUP BY 1, 2) x;
SELECT count(*) FROM (SELECT account_id, charge_code, sum(amount_pence) FROM le_part WHERE rent_week = DATE '2026-11-30' AND charge_code IS NOT NULL GROUP BY 1, 2) x;
\echo '== the GL export from its mark (postings by id from the mark): ledger, then partitioned'
SELECT max(id) - 20000 AS mark FROM ledger_entries \gset
SELECT count(*), sum(amount_pence) FROM ledger_entries WHERE id >= :mark AND entry_date <= DATE '2026-12-02';
SELECT count(*), sum(amount_pence) FROM le_part WHERE id >= :mark AND entry_date <= DATE '2026-12-02';
\echo '== a week of debits inserted (one row per account, rolled back): partitioned, then an unpartitioned table with the same columns and indexes (no foreign keys or triggers on either)'
CREATE TEMP TABLE week_rows AS
    SELECT account_id, 'DBR'::text AS code, 'DBR'::text AS charge_code, amount_pence, DATE '2026-12-07' AS entry_date, DATE '2026-12-07' AS rent_week, run_id
    FROM ledger_entries WHERE rent_week = DATE '2026-11-30' AND code = 'DBR';
DROP TABLE IF EXISTS le_plain;
CREATE TABLE le_plain (LIKE le_part INCLUDING DEFAULTS);
INSERT INTO le_plain SELECT * FROM le_part;
ALTER TABLE le_plain ADD PRIMARY KEY (id);
CREATE INDEX ON le_plain (account_id, entry_date);
CREATE INDEX ON le_plain (run_id);
CREATE INDEX ON le_plain (rent_week, account_id) WHERE rent_week IS NOT NULL;
BEGIN;
INSERT INTO le_part (id, account_id, code, charge_code, amount_pence, entry_date, rent_week, run_id)
    SELECT 100000000 + row_number() OVER (), account_id, code, charge_code, amount_pence, entry_date, rent_week, run_id FROM week_rows;
ROLLBACK;
BEGIN;
INSERT INTO le_part (id, account_id, code, charge_code, amount_pence, entry_date, rent_week, run_id)
    SELECT 100000000 + row_number() OVER (), account_id, code, charge_code, amount_pence, entry_date, rent_week, run_id FROM week_rows;
ROLLBACK;
BEGIN;
INSERT INTO le_plain (id, account_id, code, charge_code, amount_pence, entry_date, rent_week, run_id)
    SELECT 100000000 + row_number() OVER (), account_id, code, charge_code, amount_pence, entry_date, rent_week, run_id FROM week_rows;
ROLLBACK;
BEGIN;
INSERT INTO le_plain (id, account_id, code, charge_code, amount_pence, entry_date, rent_week, run_id)
    SELECT 100000000 + row_number() OVER (), account_id, code, charge_code, amount_pence, entry_date, rent_week, run_id FROM week_rows;
ROLLBACK;
