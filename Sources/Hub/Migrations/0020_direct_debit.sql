-- Direct Debit (issue 14; docs/direct-debit.md): mandates with their history, AUDDIS lodgements,
-- advance notices, collections (each posted as RDD in its run), returns (RDN) and the changes the
-- banks report (ADDACS, AUDDIS rejections). Money in pence; dates are Europe/London calendar dates.

-- A mandate (Direct Debit instruction) of a rent account. Its status changes in place and every
-- change is kept in dd_mandate_events with who made it; bank details never change in place: an
-- amendment cancels the mandate (0C) and makes a new one (0N) the same day.
CREATE TABLE dd_mandates (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id          bigint NOT NULL REFERENCES rent_accounts,
    reference           text NOT NULL CHECK (reference ~ '^[A-Z0-9 .&/-]{6,18}$' AND reference NOT LIKE 'DDIC%'),
    payer_name          text NOT NULL CHECK (payer_name <> ''),
    sort_code           text NOT NULL CHECK (sort_code ~ '^[0-9]{6}$'),
    account_number      text NOT NULL CHECK (account_number ~ '^[0-9]{8}$'),
    frequency           text NOT NULL CHECK (frequency IN ('weekly', 'fortnightly', 'four-weekly', 'monthly')),
    -- ISO weekday (1 Monday .. 5 Friday) for weekly frequencies, day of the month for monthly.
    collection_day      integer NOT NULL CHECK (collection_day BETWEEN 1 AND 28),
    -- The first day a collection may be due.
    start_date          date NOT NULL,
    extra_pence         bigint NOT NULL DEFAULT 0 CHECK (extra_pence >= 0),
    status              text NOT NULL CHECK (status IN ('pending', 'live', 'cancelled', 'failed')),
    -- The entry day of the file that lodged its 0N (first collections may not be earlier).
    lodged_entry_day    date,
    -- Loaded from the earlier system (already lodged, no 0N) or made in the hub.
    origin              text NOT NULL CHECK (origin IN ('hub', 'loaded')),
    replaces_mandate_id bigint REFERENCES dd_mandates,
    run_id              bigint REFERENCES runs,
    created_at          timestamptz NOT NULL DEFAULT clock_timestamp(),
    created_by          text NOT NULL DEFAULT session_user,
    CHECK (frequency = 'monthly' OR collection_day BETWEEN 1 AND 5)
);
CREATE INDEX dd_mandates_account ON dd_mandates (account_id);
CREATE UNIQUE INDEX dd_mandates_one_open_per_reference ON dd_mandates (reference) WHERE status IN ('pending', 'live');
CREATE INDEX dd_mandates_live ON dd_mandates (frequency, collection_day) WHERE status = 'live';

-- Every change of a mandate: created, lodged, amended, cancelled, failed, reinstated; who and why.
CREATE TABLE dd_mandate_events (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    mandate_id  bigint NOT NULL REFERENCES dd_mandates,
    at          timestamptz NOT NULL DEFAULT clock_timestamp(),
    actor       text NOT NULL DEFAULT session_user,
    action      text NOT NULL,
    old_status  text,
    new_status  text,
    reason      text,
    run_id      bigint REFERENCES runs,
    details     jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX dd_mandate_events_mandate ON dd_mandate_events (mandate_id, id);
CREATE TRIGGER dd_mandate_events_append_only BEFORE UPDATE OR DELETE ON dd_mandate_events
    FOR EACH ROW EXECUTE FUNCTION refuse_history_change();

-- AUDDIS instructions waiting for the next collection file, and sent: 0N new, 0C cancel. The bank
-- details are those the instruction is for (a 0C carries the old ones).
CREATE TABLE dd_lodgements (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    mandate_id      bigint NOT NULL REFERENCES dd_mandates,
    code            text NOT NULL CHECK (code IN ('0N', '0C', '0S')),
    sort_code       text NOT NULL,
    account_number  text NOT NULL,
    payer_name      text NOT NULL,
    reference       text NOT NULL,
    requested_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
    requested_by    text NOT NULL DEFAULT session_user,
    sent_run_id     bigint REFERENCES runs,
    entry_day       date
);
CREATE INDEX dd_lodgements_pending ON dd_lodgements (id) WHERE sent_run_id IS NULL;
CREATE INDEX dd_lodgements_mandate ON dd_lodgements (mandate_id);

-- Advance notices: the amount, the first collection at it, the day the payer was told.
CREATE TABLE dd_notices (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    mandate_id  bigint NOT NULL REFERENCES dd_mandates,
    amount_pence bigint NOT NULL CHECK (amount_pence >= 0),
    first_date  date NOT NULL,
    sent_on     date NOT NULL,
    run_id      bigint REFERENCES runs,
    created_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX dd_notices_mandate ON dd_notices (mandate_id, first_date DESC, sent_on DESC);
CREATE TRIGGER dd_notices_append_only BEFORE UPDATE OR DELETE ON dd_notices
    FOR EACH ROW EXECUTE FUNCTION refuse_history_change();

-- Each collection sent to Bacs, with its RDD ledger entry (same run, same transaction).
CREATE TABLE dd_collections (
    id                      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id                  bigint NOT NULL REFERENCES runs,
    mandate_id              bigint NOT NULL REFERENCES dd_mandates,
    account_id              bigint NOT NULL REFERENCES rent_accounts,
    due_date                date NOT NULL,
    entry_day               date NOT NULL,
    processing_day          date NOT NULL,
    transaction_code        text NOT NULL CHECK (transaction_code IN ('01', '17', '18', '19')),
    amount_pence            bigint NOT NULL CHECK (amount_pence > 0),
    -- What the rules computed; differs from amount_pence when the new amount had no notice in time.
    computed_pence          bigint NOT NULL,
    reference               text NOT NULL,
    ledger_entry_id         bigint NOT NULL REFERENCES ledger_entries,
    represents_collection_id bigint REFERENCES dd_collections
);
CREATE UNIQUE INDEX dd_collections_once ON dd_collections (mandate_id, due_date) WHERE represents_collection_id IS NULL;
CREATE UNIQUE INDEX dd_collections_represented_once ON dd_collections (represents_collection_id) WHERE represents_collection_id IS NOT NULL;
CREATE INDEX dd_collections_run ON dd_collections (run_id);
CREATE INDEX dd_collections_match ON dd_collections (reference, processing_day);
CREATE TRIGGER dd_collections_append_only BEFORE UPDATE OR DELETE ON dd_collections
    FOR EACH ROW EXECUTE FUNCTION refuse_history_change();

-- Each returned collection (ARUDD), with its RDN ledger entry, and its re-presentation day when
-- reason 0 lets it be presented again.
CREATE TABLE dd_returns (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id          bigint NOT NULL REFERENCES runs,
    collection_id   bigint NOT NULL UNIQUE REFERENCES dd_collections,
    reason_code     text NOT NULL,
    reason_text     text,
    amount_pence    bigint NOT NULL,
    returned_on     date NOT NULL,
    ledger_entry_id bigint REFERENCES ledger_entries,
    represent_on    date,
    file_line       integer
);
CREATE TRIGGER dd_returns_append_only BEFORE UPDATE OR DELETE ON dd_returns
    FOR EACH ROW EXECUTE FUNCTION refuse_history_change();

-- What the banks said about mandates (ADDACS advices, AUDDIS rejections) and what the hub did.
CREATE TABLE dd_bank_advices (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id      bigint NOT NULL REFERENCES runs,
    report      text NOT NULL CHECK (report IN ('ADDACS', 'AUDDIS')),
    reference   text NOT NULL,
    reason_code text NOT NULL,
    mandate_id  bigint REFERENCES dd_mandates,
    effective   date,
    action      text NOT NULL,
    file_line   integer
);
CREATE TRIGGER dd_bank_advices_append_only BEFORE UPDATE OR DELETE ON dd_bank_advices
    FOR EACH ROW EXECUTE FUNCTION refuse_history_change();

-- Accounts flagged for the income team (a mandate cancelled by the bank, a return to investigate).
CREATE TABLE dd_account_flags (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id  bigint NOT NULL REFERENCES rent_accounts,
    mandate_id  bigint REFERENCES dd_mandates,
    reason      text NOT NULL,
    raised_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
    raised_by   text NOT NULL DEFAULT session_user,
    run_id      bigint REFERENCES runs
);
CREATE INDEX dd_account_flags_account ON dd_account_flags (account_id);
CREATE TRIGGER dd_account_flags_append_only BEFORE UPDATE OR DELETE ON dd_account_flags
    FOR EACH ROW EXECUTE FUNCTION refuse_history_change();

GRANT SELECT ON dd_mandates, dd_mandate_events, dd_lodgements, dd_notices, dd_collections, dd_returns, dd_bank_advices,
    dd_account_flags TO hub_finance, hub_payments, hub_repairs, hub_auditor;
-- Finance keeps mandates, lodges, notifies and collects; payments import returns and bank
-- advices, which change mandates, lodge a new 0N (ADDACS 3) and flag accounts.
GRANT INSERT ON dd_mandates, dd_mandate_events, dd_lodgements, dd_account_flags TO hub_finance, hub_payments;
GRANT UPDATE (status, lodged_entry_day) ON dd_mandates TO hub_finance, hub_payments;
GRANT UPDATE (sent_run_id, entry_day) ON dd_lodgements TO hub_finance;
GRANT INSERT ON dd_notices, dd_collections TO hub_finance;
GRANT INSERT ON dd_notices TO hub_payments;
GRANT INSERT ON dd_returns, dd_bank_advices TO hub_finance, hub_payments;
