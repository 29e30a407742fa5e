-- Indexes that only cost: measured over ten years of history (Benchmarks/history,
-- docs/performance.md). No query of the hub reads gl_exported by run: the GL export finds its
-- postings through its low-water marks and the primary key (source, posting_id), and the run's
-- journal is stored whole with the run. The index cost one more insert per posting on every export
-- and about 7 bytes per posting ever exported (430 MB over 64 million postings).
DROP INDEX gl_exported_run;
