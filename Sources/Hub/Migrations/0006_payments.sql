-- Payment import: the files imported, every entry read (each posted once only), suspense,
-- provider settlements on the bank statement and the provider files (batches) they settle.
-- Ledger postings live in ledger_entries (payments on rent accounts) and gl_postings (suspense).

-- One row per imported file (one import run each); the run's business key is the file's SHA-256.
CREATE TABLE payment_files (
    run_id              bigint PRIMARY KEY REFERENCES runs,
    file_name           text NOT NULL,
    sha256              text NOT NULL,
    format              text NOT NULL,
    file_date           date,
    statements          integer NOT NULL,
    credit_count        integer NOT NULL,
    credit_pence        bigint NOT NULL,
    debit_count         integer NOT NULL,
    debit_pence         bigint NOT NULL,
    opening_pence       bigint,
    closing_pence       bigint,
    created_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX payment_files_sha ON payment_files (sha256);

-- Every entry of every imported file, with what became of it. entry_key is the entry's identity
-- (the bank's own reference, scoped by format, else a hash of its normalised fields and its
-- occurrence among identical entries): an entry is posted at most once while its run stands.
-- A reversed run releases its entries (released = true, set by the trigger below), so the file
-- can be imported again; rows are never deleted.
CREATE TABLE payment_entries (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id              bigint NOT NULL REFERENCES runs,
    entry_key           text NOT NULL,
    position            text NOT NULL,
    direction           text NOT NULL CHECK (direction IN ('credit', 'debit')),
    amount_pence        bigint NOT NULL CHECK (amount_pence > 0),
    booking_date        date NOT NULL,
    reference           text NOT NULL,
    payer               text,
    -- posted: on a rent account; suspense: held for a person; settlement: a provider's
    -- settlement on the bank statement; reported: a bank debit that is not rent; skipped: seen
    -- in an earlier file (first_entry_id names it).
    outcome             text NOT NULL CHECK (outcome IN ('posted', 'suspense', 'settlement', 'reported', 'skipped')),
    rule                text,
    code                text,
    account_id          bigint REFERENCES rent_accounts,
    provider            text,
    first_entry_id      bigint REFERENCES payment_entries,
    -- For a returned Direct Debit: the reason code and the RDD ledger entry it returns.
    return_reason       text,
    returns_entry_id    bigint REFERENCES ledger_entries,
    note                text,
    released            boolean NOT NULL DEFAULT false
);
CREATE UNIQUE INDEX payment_entries_once ON payment_entries (entry_key) WHERE NOT released AND outcome <> 'skipped';
CREATE INDEX payment_entries_run ON payment_entries (run_id);
CREATE INDEX payment_entries_returns ON payment_entries (returns_entry_id) WHERE returns_entry_id IS NOT NULL;

-- Payments that matched no account, kept apart by kind (cash, or Housing Benefit), until a person
-- allocates or refunds them. amount_pence is the money held: positive for money received,
-- negative for money taken back (a returned Direct Debit whose payment was not found).
CREATE TABLE suspense_items (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id              bigint NOT NULL REFERENCES runs,
    entry_key           text NOT NULL,
    kind                text NOT NULL CHECK (kind IN ('cash', 'hb')),
    code                text NOT NULL,
    amount_pence        bigint NOT NULL CHECK (amount_pence <> 0),
    entry_date          date NOT NULL,
    reference           text NOT NULL,
    payer               text,
    file_name           text NOT NULL,
    position            text NOT NULL,
    reason              text NOT NULL,
    -- open; allocated or refunded by resolved_run_id; void when the import run was reversed.
    status              text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'allocated', 'refunded', 'void')),
    account_id          bigint REFERENCES rent_accounts,
    resolved_run_id     bigint REFERENCES runs,
    note                text
);
CREATE INDEX suspense_items_status ON suspense_items (kind, status);
CREATE INDEX suspense_items_run ON suspense_items (run_id);

-- A provider's settlement credit recognised on the bank statement (not posted to rent).
CREATE TABLE bank_settlements (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id              bigint NOT NULL REFERENCES runs,
    entry_key           text NOT NULL,
    provider            text NOT NULL,
    amount_pence        bigint NOT NULL,
    booking_date        date NOT NULL,
    reference           text NOT NULL,
    payer               text,
    status              text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'reconciled', 'void'))
);
CREATE INDEX bank_settlements_provider ON bank_settlements (provider, status);

-- A provider file's money for one provider (net of reversals): what its settlement must equal.
CREATE TABLE provider_batches (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id              bigint NOT NULL REFERENCES runs,
    provider            text NOT NULL,
    file_name           text NOT NULL,
    file_date           date NOT NULL,
    entries             integer NOT NULL,
    amount_pence        bigint NOT NULL,
    status              text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'reconciled', 'void'))
);
CREATE INDEX provider_batches_provider ON provider_batches (provider, status);

-- Which batches each settlement settled (one file, or several days' files together).
CREATE TABLE settlement_batches (
    settlement_id       bigint NOT NULL REFERENCES bank_settlements,
    batch_id            bigint NOT NULL REFERENCES provider_batches,
    run_id              bigint NOT NULL REFERENCES runs,
    PRIMARY KEY (settlement_id, batch_id)
);
CREATE INDEX settlement_batches_batch ON settlement_batches (batch_id);

-- When a run is reversed, its side tables follow: its entries are released (may be imported
-- again), its suspense items become void (refused if one was already allocated or refunded:
-- reverse that run first), its settlements and batches become void and whatever they were
-- reconciled with is open again; an allocation or refund run's item is open again.
CREATE FUNCTION payments_follow_reversal() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = public AS $$
DECLARE
    resolved record;
BEGIN
    SELECT s.id, s.status, s.resolved_run_id INTO resolved FROM suspense_items s
    WHERE s.run_id = NEW.id AND s.status IN ('allocated', 'refunded') ORDER BY s.id LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'run % cannot be reversed: its suspense item % was % by run %; reverse run % first',
            NEW.id, resolved.id, resolved.status, resolved.resolved_run_id, resolved.resolved_run_id
            USING ERRCODE = 'HUB02';
    END IF;
    UPDATE payment_entries SET released = true WHERE run_id = NEW.id;
    UPDATE suspense_items SET status = 'void' WHERE run_id = NEW.id;
    UPDATE suspense_items SET status = 'open', account_id = NULL, resolved_run_id = NULL,
        note = COALESCE(note, '') || ' [reopened: run ' || NEW.id || ' reversed]'
    WHERE resolved_run_id = NEW.id;
    UPDATE bank_settlements SET status = 'open' WHERE id IN (
        SELECT sb.settlement_id FROM settlement_batches sb JOIN provider_batches b ON b.id = sb.batch_id WHERE b.run_id = NEW.id);
    UPDATE provider_batches SET status = 'open' WHERE id IN (
        SELECT sb.batch_id FROM settlement_batches sb JOIN bank_settlements s ON s.id = sb.settlement_id WHERE s.run_id = NEW.id);
    DELETE FROM settlement_batches WHERE settlement_id IN (SELECT id FROM bank_settlements WHERE run_id = NEW.id)
        OR batch_id IN (SELECT id FROM provider_batches WHERE run_id = NEW.id);
    UPDATE bank_settlements SET status = 'void' WHERE run_id = NEW.id;
    UPDATE provider_batches SET status = 'void' WHERE run_id = NEW.id;
    RETURN NEW;
END $$;
CREATE TRIGGER runs_payments_follow_reversal AFTER UPDATE OF reversed_by_run_id ON runs
    FOR EACH ROW WHEN (NEW.reversed_by_run_id IS NOT NULL AND OLD.reversed_by_run_id IS NULL)
    EXECUTE FUNCTION payments_follow_reversal();

GRANT INSERT ON payment_files, payment_entries, suspense_items, bank_settlements, provider_batches, settlement_batches TO hub_payments;
GRANT UPDATE (status, account_id, resolved_run_id, note) ON suspense_items TO hub_payments;
GRANT UPDATE (status) ON bank_settlements, provider_batches TO hub_payments;
GRANT SELECT ON payment_files, payment_entries, suspense_items, bank_settlements, provider_batches, settlement_batches
    TO hub_finance, hub_payments, hub_repairs, hub_auditor;
