-- Direct Debit on the bank statement (docs/direct-debit.md, "Reconciliation"): with a settlement
-- signature whose files are `direct-debit` (Config/payments.yaml), each collection run's contra
-- total and each ARUDD report's returns become a batch of that signature (recorded by the
-- reconciliation, run_id the Direct Debit run), which the statement's collection credit and
-- returned debits settle as a provider's settlement settles its files. A run has at most one
-- batch per provider, so two imports reconciling at once cannot record a run twice.
CREATE UNIQUE INDEX provider_batches_once ON provider_batches (run_id, provider);
