-- Arrears and income recovery (DOMAIN.md, "Arrears and income recovery"; docs/arrears.md): the
-- stages a case has been through, officers' pauses, circumstances that pause or warn (court and
-- eviction dates, benefit claims), agreements and their daily history, the nightly review's
-- recommendations, and write-offs with their approval bands.

-- The income team. hub_income works cases and proposes write-offs (and approves the smallest);
-- hub_income_manager and hub_head_of_finance approve larger write-offs. Operators log in as their
-- own roles and are made members of these.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'hub_income') THEN CREATE ROLE hub_income NOLOGIN; END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'hub_income_manager') THEN CREATE ROLE hub_income_manager NOLOGIN; END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'hub_head_of_finance') THEN CREATE ROLE hub_head_of_finance NOLOGIN; END IF;
END $$;

-- Every stage a case has taken, automatic (by a review run) or by an officer. The case's current
-- stage is its latest row. A notice (NOSP) records its service date and expiry. Append-only.
CREATE TABLE arrears_actions (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id      bigint NOT NULL REFERENCES rent_accounts,
    stage           text NOT NULL,
    action_date     date NOT NULL,
    automatic       boolean NOT NULL,
    note            text NOT NULL DEFAULT '',
    notice_served   date,
    notice_expires  date,
    run_id          bigint REFERENCES runs,
    recorded_by     text NOT NULL DEFAULT session_user,
    recorded_at     timestamptz NOT NULL DEFAULT clock_timestamp(),
    CHECK (notice_expires IS NULL OR notice_expires > notice_served)
);
CREATE INDEX arrears_actions_account ON arrears_actions (account_id, id);

-- An officer's pause of a case until a day (the latest row for an account stands; a pause until
-- an earlier day lifts it). Append-only.
CREATE TABLE arrears_pauses (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id      bigint NOT NULL REFERENCES rent_accounts,
    until           date NOT NULL,
    reason          text NOT NULL CHECK (reason <> ''),
    recorded_by     text NOT NULL DEFAULT session_user,
    recorded_at     timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX arrears_pauses_account ON arrears_pauses (account_id, id);

-- What the income team knows of a tenant's circumstances: a court date, an eviction date, a
-- Housing Benefit claim in progress, a Universal Credit claim. Append-only; an end is a new row
-- with to_date set.
CREATE TABLE arrears_circumstances (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id      bigint NOT NULL REFERENCES rent_accounts,
    kind            text NOT NULL CHECK (kind IN ('court-date', 'eviction-date', 'hb-claim', 'uc-claim')),
    from_date       date NOT NULL,
    to_date         date,
    note            text NOT NULL DEFAULT '',
    recorded_by     text NOT NULL DEFAULT session_user,
    recorded_at     timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX arrears_circumstances_account ON arrears_circumstances (account_id, kind, id);

-- Agreements. status is kept up to date by the nightly review (live -> breached or completed);
-- an officer may cancel one. Where the tenant pays by Direct Debit, the instalment is the
-- mandate's extra amount (direct_debit_extra: see docs/arrears.md).
CREATE TABLE arrears_agreements (
    id                      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id              bigint NOT NULL REFERENCES rent_accounts,
    start_date              date NOT NULL,
    starting_balance_pence  bigint NOT NULL,
    lump_sum_pence          bigint NOT NULL DEFAULT 0 CHECK (lump_sum_pence >= 0),
    instalment_pence        bigint NOT NULL CHECK (instalment_pence > 0),
    frequency               text NOT NULL CHECK (frequency IN ('weekly', 'fortnightly', 'four-weekly', 'monthly')),
    direct_debit_extra      boolean NOT NULL DEFAULT false,
    status                  text NOT NULL DEFAULT 'live' CHECK (status IN ('live', 'breached', 'completed', 'cancelled')),
    ended_on                date,
    made_by                 text NOT NULL DEFAULT session_user,
    made_at                 timestamptz NOT NULL DEFAULT clock_timestamp()
);
-- One live agreement per account.
CREATE UNIQUE INDEX arrears_agreements_live ON arrears_agreements (account_id) WHERE status = 'live';

-- Each day's state of each agreement, as the review found it. Append-only.
CREATE TABLE arrears_agreement_days (
    agreement_id    bigint NOT NULL REFERENCES arrears_agreements,
    day             date NOT NULL,
    expected_pence  bigint NOT NULL,
    actual_pence    bigint NOT NULL,
    days_above      integer NOT NULL,
    state           text NOT NULL CHECK (state IN ('kept', 'behind', 'breached', 'completed')),
    run_id          bigint NOT NULL REFERENCES runs,
    PRIMARY KEY (agreement_id, day)
);

-- Tenants' mobile numbers for SMS reminders (a stage sent by SMS goes as a letter when there is none).
CREATE TABLE tenant_phones (
    account_id      bigint PRIMARY KEY REFERENCES rent_accounts,
    phone           text NOT NULL CHECK (phone ~ '^\+?[0-9 ]{10,16}$'),
    recorded_by     text NOT NULL DEFAULT session_user,
    recorded_at     timestamptz NOT NULL DEFAULT clock_timestamp()
);

-- Each review's recommendation for each case: automatic ones were sent (sent_file_id), the others
-- wait on the officers' worklist until an officer acts.
CREATE TABLE arrears_recommendations (
    run_id          bigint NOT NULL REFERENCES runs,
    account_id      bigint NOT NULL REFERENCES rent_accounts,
    stage           text NOT NULL,
    automatic       boolean NOT NULL,
    reason          text NOT NULL,
    collectable_pence bigint NOT NULL,
    weeks_hundredths  bigint,
    sent_file_id    bigint REFERENCES outbound_files,
    PRIMARY KEY (run_id, account_id)
);

-- Write-offs of former tenants' arrears and small credits (kind 'credit'), and refunds of credits.
-- Approval is a run: its ledger entry (WOF, or REF for a refund) carries the run.
CREATE TABLE writeoffs (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id      bigint NOT NULL REFERENCES rent_accounts,
    kind            text NOT NULL CHECK (kind IN ('arrears', 'credit', 'refund')),
    amount_pence    bigint NOT NULL CHECK (amount_pence <> 0),
    reason          text NOT NULL CHECK (reason <> ''),
    status          text NOT NULL DEFAULT 'proposed' CHECK (status IN ('proposed', 'approved', 'rejected')),
    proposed_by     text NOT NULL DEFAULT session_user,
    proposed_at     timestamptz NOT NULL DEFAULT clock_timestamp(),
    decided_by      text,
    decided_at      timestamptz,
    decision_note   text,
    decided_run_id  bigint REFERENCES runs
);
CREATE UNIQUE INDEX writeoffs_one_open ON writeoffs (account_id) WHERE status = 'proposed';

-- Who may approve how much: the database itself refuses an approval by a role that is not a
-- member of a role whose band covers the amount. Config/arrears.yaml holds the same bands;
-- `hub writeoffs bands --apply` (the head of finance) writes them here.
CREATE TABLE writeoff_bands (
    role            text PRIMARY KEY,
    up_to_pence     bigint CHECK (up_to_pence IS NULL OR up_to_pence > 0)
);
INSERT INTO writeoff_bands (role, up_to_pence) VALUES
    ('hub_income', 5000), ('hub_income_manager', 500000), ('hub_head_of_finance', NULL);

CREATE FUNCTION writeoff_approval_allowed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status = 'approved' AND OLD.status IS DISTINCT FROM 'approved' THEN
        IF OLD.status <> 'proposed' THEN
            RAISE EXCEPTION 'write-off % is %: only a proposed write-off is approved', NEW.id, OLD.status USING ERRCODE = 'HUB21';
        END IF;
        IF NOT EXISTS (
            SELECT 1 FROM writeoff_bands b
            WHERE (b.up_to_pence IS NULL OR abs(NEW.amount_pence) <= b.up_to_pence)
              AND b.role IN (
                  -- session_user and every role it is a member of, directly or through others
                  -- (a superuser's powers make it no member of anything here).
                  WITH RECURSIVE member_of(oid) AS (
                      SELECT oid FROM pg_roles WHERE rolname = session_user
                      UNION
                      SELECT m.roleid FROM pg_auth_members m JOIN member_of ON m.member = member_of.oid)
                  SELECT r.rolname::text FROM member_of JOIN pg_roles r ON r.oid = member_of.oid))
        THEN
            RAISE EXCEPTION '% may not approve write-off % of % pence: no write-off band of a role it belongs to covers it', session_user, NEW.id, abs(NEW.amount_pence)
                USING ERRCODE = 'HUB22', HINT = 'Ask someone whose band covers the amount (writeoff_bands, Config/arrears.yaml).';
        END IF;
        IF NEW.decided_by IS DISTINCT FROM session_user::text THEN
            RAISE EXCEPTION 'write-off % must be recorded as decided by %', NEW.id, session_user USING ERRCODE = 'HUB21';
        END IF;
        IF NEW.decided_by = OLD.proposed_by THEN
            RAISE EXCEPTION '% proposed write-off % and may not approve it too', session_user, NEW.id USING ERRCODE = 'HUB22',
                HINT = 'Someone else whose band covers the amount approves it.';
        END IF;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER writeoffs_approval BEFORE UPDATE ON writeoffs
    FOR EACH ROW EXECUTE FUNCTION writeoff_approval_allowed();

-- Money received on a written-off account is written on (WON): with the payment, in the same run
-- and on the same day, a WON entry reinstates as much of the written-off debt as the payment covers
-- (never more than was written off and not yet written on; several payments in one statement are
-- taken in the order posted), so that the payment is applied to a reinstated debt. One set-based
-- statement trigger over the rows inserted (a transition table): COPY into the ledger keeps its
-- batched inserts, and a statement on accounts with nothing written off finds nothing to do.
-- Charges (positive), write-offs, write-ons, refunds, opening balances, adjustments and reversals
-- are not money received.
CREATE FUNCTION write_on_payments() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Its own WON rows are not money received (and a statement fires this even with no rows).
    IF pg_trigger_depth() > 1 THEN RETURN NULL; END IF;
    INSERT INTO ledger_entries (account_id, code, amount_pence, entry_date, run_id, description, source_ref)
    SELECT p.account_id, 'WON', LEAST(-p.amount_pence, o.outstanding - p.received_before), p.entry_date, p.run_id,
           'Write-on: money received on a written-off debt', p.source_ref
    FROM (
        SELECT n.id, n.account_id, n.amount_pence, n.entry_date, n.run_id, n.source_ref,
               COALESCE(sum(-n.amount_pence) OVER (PARTITION BY n.account_id ORDER BY n.id ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS received_before
        FROM inserted n
        WHERE n.amount_pence < 0 AND n.code NOT IN ('WOF', 'WON', 'REF', 'OPB', 'ADJ') AND n.reverses_entry_id IS NULL
          AND n.account_id IN (SELECT w.account_id FROM ledger_entries w WHERE w.code = 'WOF' AND w.amount_pence < 0)
    ) p
    JOIN LATERAL (
        SELECT COALESCE(sum(-l.amount_pence) FILTER (WHERE l.code = 'WOF' AND l.amount_pence < 0), 0)
             - COALESCE(sum(l.amount_pence) FILTER (WHERE l.code = 'WON'), 0) AS outstanding
        FROM ledger_entries l WHERE l.account_id = p.account_id AND l.code IN ('WOF', 'WON')
    ) o ON true
    WHERE o.outstanding - p.received_before > 0
    ORDER BY p.id;
    RETURN NULL;
END $$;
CREATE TRIGGER ledger_entries_write_on AFTER INSERT ON ledger_entries
    REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION write_on_payments();
CREATE INDEX ledger_entries_writeoff_codes ON ledger_entries (account_id, code) WHERE code IN ('WOF', 'WON');

-- The append-only tables refuse changes.
CREATE TRIGGER arrears_actions_append_only BEFORE UPDATE OR DELETE ON arrears_actions
    FOR EACH ROW EXECUTE FUNCTION refuse_history_change();
CREATE TRIGGER arrears_pauses_append_only BEFORE UPDATE OR DELETE ON arrears_pauses
    FOR EACH ROW EXECUTE FUNCTION refuse_history_change();
CREATE TRIGGER arrears_circumstances_append_only BEFORE UPDATE OR DELETE ON arrears_circumstances
    FOR EACH ROW EXECUTE FUNCTION refuse_history_change();
CREATE TRIGGER arrears_agreement_days_append_only BEFORE UPDATE OR DELETE ON arrears_agreement_days
    FOR EACH ROW EXECUTE FUNCTION refuse_history_change();
CREATE TRIGGER arrears_recommendations_append_only BEFORE UPDATE OR DELETE ON arrears_recommendations
    FOR EACH ROW EXECUTE FUNCTION refuse_history_change();

-- Privileges: the least each role needs. Everyone who reads all reads these through 0001's
-- default privileges; the income roles read what they work from.
GRANT USAGE ON SCHEMA public TO hub_income, hub_income_manager, hub_head_of_finance;
GRANT SELECT ON rent_accounts, tenancies, properties, weekly_charges, free_weeks, ledger_entries, runs, audit_events,
    outbound_files, outbound_deliveries, arrears_actions, arrears_pauses, arrears_circumstances, arrears_agreements,
    arrears_agreement_days, arrears_recommendations, writeoffs, writeoff_bands, tenant_phones
    TO hub_income, hub_income_manager, hub_head_of_finance;
GRANT SELECT ON arrears_actions, arrears_pauses, arrears_circumstances, arrears_agreements, arrears_agreement_days,
    arrears_recommendations, writeoffs, writeoff_bands, tenant_phones TO hub_finance, hub_payments, hub_repairs, hub_auditor;
GRANT INSERT ON ledger_entries, audit_events, outbound_files, outbound_deliveries, arrears_actions, arrears_pauses,
    arrears_circumstances, arrears_agreements, arrears_agreement_days, arrears_recommendations, writeoffs
    TO hub_income, hub_income_manager, hub_head_of_finance;
-- Runs change only through the run functions of 0019 (no plain writes to runs).
GRANT EXECUTE ON FUNCTION hub_run_start(text, text, date, jsonb, text, text), hub_run_complete(bigint, jsonb, jsonb, jsonb, text),
    hub_run_failed(text, text, date, jsonb, text, text, text), hub_run_reverse(bigint, bigint, date, text)
    TO hub_income, hub_income_manager, hub_head_of_finance;
GRANT SELECT ON run_seals, run_seal_head TO hub_income, hub_income_manager, hub_head_of_finance;
-- The hub service runs the nightly arrears review.
GRANT hub_income TO hub_service;
GRANT SELECT, INSERT, UPDATE ON outbound_sequences TO hub_income, hub_income_manager, hub_head_of_finance;
GRANT UPDATE (status, ended_on) ON arrears_agreements TO hub_income, hub_income_manager, hub_head_of_finance;
GRANT UPDATE (status, decided_by, decided_at, decision_note, decided_run_id) ON writeoffs
    TO hub_income, hub_income_manager, hub_head_of_finance;
GRANT INSERT, UPDATE, DELETE ON writeoff_bands TO hub_head_of_finance;
GRANT INSERT, UPDATE (phone, recorded_by, recorded_at) ON tenant_phones TO hub_finance, hub_income, hub_income_manager, hub_head_of_finance;
