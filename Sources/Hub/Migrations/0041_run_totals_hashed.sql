-- A run's totals by hashing its entries' codes, not sorting them (issue 18, docs/performance.md
-- "Sealing a large run"). hub_run_complete totals the run's entries by code before it seals them.
-- Inside the run's transaction the planner does not know the run's rows yet (they are not in the
-- statistics until 0032's ANALYZE after the commit), expects a handful, and groups them by
-- sorting: 0.8 s for the 1,400,000 entries of a 1,000,000-tenancy rent debit, all of it sorting
-- rows into a few codes. With sorting priced out inside hub_run_complete the totals are grouped in
-- a hash table of one row per code. The order of the totals (jsonb_agg ... ORDER BY code) is the
-- aggregate's own and does not change. seal_run, which it calls, keeps sorting priced as usual:
-- the seal needs the entries in id order.
ALTER FUNCTION hub_run_complete(bigint, jsonb, jsonb, jsonb, text) SET enable_sort = off;
ALTER FUNCTION seal_run(bigint) SET enable_sort = on;
