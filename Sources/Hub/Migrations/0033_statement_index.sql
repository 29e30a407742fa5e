-- An account's statement from the index alone (issue 18, docs/performance.md "The statement").
--
-- The statement read each of an account's entries from its own heap page: ten years of one account
-- are about 650 entries on about 650 pages, scattered among every other account's (the ledger is
-- appended in date order). `ledger_entries_account_date` is replaced, not joined by a second index,
-- with one that holds what the statement shows: keyed (account_id, entry_date, id), the statement's
-- order, so no sort; and INCLUDE the columns it reads, plus `landlord`, which row-level security's
-- policy (0030) tests on every row: without it no scan could be index-only for the hub's sessions.
-- Every query that used the old index (per account, by date) uses this one the same way. Each
-- posted row still writes one B-tree entry here, a wider one (measured against the COPY limit in
-- docs/performance.md).
--
-- An index-only scan reads the heap only for pages not marked all-visible in the visibility map,
-- which VACUUM sets. The ledger is append-only, so a page once vacuumed stays all-visible; but
-- autovacuum's default for inserts waits for 20% of the table (12 million rows at 60 million): the
-- newest years of entries would stay on pages the scan must visit. The ledger is vacuumed after
-- every 100,000 rows inserted instead (about one week's rent debit at 100,000 accounts); such a
-- vacuum only reads the pages not yet all-visible, the new ones.
--
-- Descriptions are in the index: a B-tree entry must fit in about 2.7 kB, so the write-off reason
-- (the one description a person types) is limited to 500 characters where it is given.

CREATE INDEX ledger_entries_statement ON ledger_entries (account_id, entry_date, id)
    INCLUDE (landlord, code, charge_code, amount_pence, run_id, rent_week, description);
DROP INDEX ledger_entries_account_date;
ALTER INDEX ledger_entries_statement RENAME TO ledger_entries_account_date;
ALTER TABLE ledger_entries SET (autovacuum_vacuum_insert_threshold = 100000, autovacuum_vacuum_insert_scale_factor = 0);
