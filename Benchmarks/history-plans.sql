-- The plans behind docs/performance.md: run on a history kept by `KEEP=1 Benchmarks/history`
-- (psql "<the URL it prints>" -f Benchmarks/history-plans.sql). Each query is the hub's own
-- (the file named beside it), with the benchmark's dates and an account in the middle.
\pset pager off
SELECT count(*) / 2 AS account FROM rent_accounts \gset
\echo '== account statement (Sources/Hub/Accounts.swift, AccountStatement.load), as the hub runs it: hub_service, the landlord''s row-level security =='
SET ROLE hub_service;
SET hub.landlord = 'council';
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
SELECT entry_date, code, COALESCE(description, ''), amount_pence, run_id, charge_code, rent_week FROM ledger_entries
WHERE account_id = :account AND entry_date >= COALESCE(NULL::date, '-infinity') AND entry_date <= COALESCE(NULL::date, 'infinity')
ORDER BY entry_date, id;
\echo '== a statement from a date: the balance brought forward, then the period =='
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
SELECT COALESCE(sum(amount_pence), 0) FROM ledger_entries WHERE account_id = :account AND entry_date < DATE '2026-04-01';
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
SELECT entry_date, code, COALESCE(description, ''), amount_pence, run_id, charge_code, rent_week FROM ledger_entries
WHERE account_id = :account AND entry_date >= COALESCE(DATE '2026-04-01', '-infinity') AND entry_date <= COALESCE(NULL::date, 'infinity')
ORDER BY entry_date, id;
RESET ROLE;
\echo '== every balance at a date (AccountBalance.all) =='
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
SELECT a.account_ref, COALESCE(b.balance, 0) FROM rent_accounts a
LEFT JOIN (SELECT account_id, sum(amount_pence) AS balance FROM ledger_entries WHERE entry_date <= DATE '2026-06-30' GROUP BY account_id) b
  ON b.account_id = a.id
ORDER BY a.account_ref;
\echo '== the GL export of the next day from its marks (Sources/Hub/Exports/GLExportJob.swift) =='
SELECT ledger_from AS lf, gl_from AS gf FROM gl_export_marks ORDER BY run_id DESC LIMIT 1 \gset
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
WITH todo AS MATERIALIZED (
    SELECT 'ledger'::text AS source, l.id AS posting_id, l.code, l.charge_code AS analysis, l.amount_pence, l.entry_date
    FROM ledger_entries l
    WHERE l.id >= :lf AND l.entry_date <= DATE '2026-12-02'
      AND NOT EXISTS (SELECT 1 FROM gl_exported e WHERE e.source = 'ledger' AND e.posting_id = l.id)
    UNION ALL
    SELECT 'gl'::text, g.id, g.code, g.analysis, g.amount_pence, g.entry_date
    FROM gl_postings g
    WHERE g.id >= :gf AND g.entry_date <= DATE '2026-12-02'
      AND NOT EXISTS (SELECT 1 FROM gl_exported e WHERE e.source = 'gl' AND e.posting_id = g.id))
SELECT source, code, analysis, sign(amount_pence)::int, sum(amount_pence)::bigint, count(*)::bigint
FROM todo GROUP BY source, code, analysis, sign(amount_pence);
\echo '== the rent debit: what the week already holds (Sources/Hub/RentDebit/RentDebitJob.swift) =='
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
SELECT account_id, charge_code, sum(amount_pence) FROM ledger_entries WHERE rent_week = DATE '2026-11-30' AND charge_code IS NOT NULL GROUP BY 1, 2;
\echo '== sealing a run (seal_run, migration 0019): the run''s entries =='
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
SELECT count(*), sum(amount_pence) FROM ledger_entries WHERE run_id = (SELECT max(id) FROM runs WHERE job = 'rent-debit');
\echo '== the write-on trigger''s lookup (migration 0021) =='
EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
SELECT 1 FROM ledger_entries w WHERE w.code = 'WOF' AND w.amount_pence < 0 AND w.account_id = 5000;
\echo '== which indexes the day''s work and the reports used (since the statistics were reset before the statements) =='
SELECT relname, indexrelname, idx_scan, pg_size_pretty(pg_relation_size(indexrelid)) AS size
FROM pg_stat_user_indexes WHERE relname IN ('ledger_entries', 'gl_exported', 'payment_entries', 'runs', 'run_seals', 'gl_export_marks')
ORDER BY relname, indexrelname;
