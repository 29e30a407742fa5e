-- The hub's ground floor: reference data, runs, the append-only ledger, audit, roles.

-- Roles (cluster-wide, so created only if missing). Operators log in as their own roles and
-- are granted one of these; the operator of every run and change is the connected role.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'hub_finance') THEN CREATE ROLE hub_finance NOLOGIN; END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'hub_payments') THEN CREATE ROLE hub_payments NOLOGIN; END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'hub_repairs') THEN CREATE ROLE hub_repairs NOLOGIN; END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'hub_auditor') THEN CREATE ROLE hub_auditor NOLOGIN; END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'hub_ods') THEN CREATE ROLE hub_ods NOLOGIN; END IF;
END $$;

CREATE TABLE properties (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    property_ref    text NOT NULL UNIQUE,
    uprn            text,
    address         text NOT NULL,
    postcode        text NOT NULL,
    council_tax_ref text,
    bedrooms        integer NOT NULL CHECK (bedrooms >= 0),
    property_type   text NOT NULL DEFAULT 'house',
    owned_from      date NOT NULL DEFAULT DATE '1900-01-01',
    owned_to        date,
    created_at      timestamptz NOT NULL DEFAULT now(),
    CHECK (owned_to IS NULL OR owned_to >= owned_from)
);

CREATE TABLE tenancies (
    id                      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenancy_ref             text NOT NULL UNIQUE,
    property_id             bigint NOT NULL REFERENCES properties,
    start_date              date NOT NULL,
    end_date                date,
    tenure                  text NOT NULL DEFAULT 'secure',
    furnished               boolean NOT NULL DEFAULT false,
    tenants                 text[] NOT NULL,
    correspondence_address  text,
    forwarding_address      text,
    created_at              timestamptz NOT NULL DEFAULT now(),
    CHECK (end_date IS NULL OR end_date >= start_date),
    CHECK (cardinality(tenants) >= 1)
);
CREATE INDEX tenancies_property ON tenancies (property_id);

CREATE TABLE rent_accounts (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_ref text NOT NULL UNIQUE,
    tenancy_id  bigint NOT NULL UNIQUE REFERENCES tenancies,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE account_payment_cards (
    card_number text PRIMARY KEY,
    account_id  bigint NOT NULL REFERENCES rent_accounts
);
CREATE INDEX account_payment_cards_account ON account_payment_cards (account_id);

CREATE TABLE account_legacy_refs (
    legacy_ref  text PRIMARY KEY,
    account_id  bigint NOT NULL REFERENCES rent_accounts
);
CREATE INDEX account_legacy_refs_account ON account_legacy_refs (account_id);

-- Weekly charges of a property. A rent change is a new row with a new effective date, never an
-- edit of the old amount (the loader closes the old row's effective_to).
CREATE TABLE weekly_charges (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    property_id     bigint NOT NULL REFERENCES properties,
    charge_code     text NOT NULL,
    weekly_pence    bigint NOT NULL,
    effective_from  date NOT NULL,
    effective_to    date,
    created_at      timestamptz NOT NULL DEFAULT now(),
    CHECK (effective_to IS NULL OR effective_to >= effective_from)
);
CREATE INDEX weekly_charges_property ON weekly_charges (property_id, charge_code, effective_from);

-- The rent calendar: the free weeks of each rent year (by their Mondays), as configured in
-- Config/rent-calendar.yaml; each rent debit run brings this table up to date from the file.
CREATE TABLE free_weeks (
    monday      date PRIMARY KEY CHECK (extract(isodow FROM monday) = 1),
    rent_year   text NOT NULL
);

-- Runs: every job's every execution. A completed, unreversed run of the same job and business
-- key exists at most once.
CREATE TABLE runs (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job                 text NOT NULL,
    business_key        text NOT NULL,
    business_date       date NOT NULL,
    parameters          jsonb NOT NULL DEFAULT '{}',
    operator            text NOT NULL DEFAULT session_user,
    host                text NOT NULL,
    slot                text,
    started_at          timestamptz NOT NULL DEFAULT clock_timestamp(),
    finished_at         timestamptz,
    status              text NOT NULL CHECK (status IN ('running', 'completed', 'failed')),
    counts              jsonb NOT NULL DEFAULT '{}',
    totals              jsonb NOT NULL DEFAULT '{}',
    warnings            jsonb NOT NULL DEFAULT '[]',
    report              jsonb,
    report_text         text,
    error               text,
    reverses_run_id     bigint REFERENCES runs,
    reversed_by_run_id  bigint REFERENCES runs
);
CREATE UNIQUE INDEX runs_identity_once ON runs (job, business_key)
    WHERE status = 'completed' AND reversed_by_run_id IS NULL;
CREATE INDEX runs_job_started ON runs (job, started_at);

-- The ledger: every charge, payment, adjustment and reversal of every rent account. Amounts are
-- pence, positive = debit to the tenant (a charge), negative = credit (a payment). Append-only.
CREATE TABLE ledger_entries (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id          bigint NOT NULL REFERENCES rent_accounts,
    code                text NOT NULL,
    charge_code         text,
    amount_pence        bigint NOT NULL,
    entry_date          date NOT NULL,
    rent_week           date,
    run_id              bigint NOT NULL REFERENCES runs,
    description         text,
    source_ref          text,
    reverses_entry_id   bigint,
    created_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ledger_entries_account_date ON ledger_entries (account_id, entry_date);
CREATE INDEX ledger_entries_run ON ledger_entries (run_id);
CREATE INDEX ledger_entries_week ON ledger_entries (rent_week, account_id) WHERE rent_week IS NOT NULL;

-- Opening balances: the balance migrated from the earlier system; it stands for everything
-- before its date (posted to the ledger as code OPB on that date).
CREATE TABLE opening_balances (
    account_id      bigint PRIMARY KEY REFERENCES rent_accounts,
    balance_pence   bigint NOT NULL,
    as_of           date NOT NULL,
    run_id          bigint NOT NULL REFERENCES runs
);

-- The audit trail of every change to reference data and every decision: who, when, what.
CREATE TABLE audit_events (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT clock_timestamp(),
    actor       text NOT NULL DEFAULT session_user,
    action      text NOT NULL,
    entity      text NOT NULL,
    entity_ref  text NOT NULL,
    run_id      bigint REFERENCES runs,
    details     jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_events_entity ON audit_events (entity, entity_ref);

-- Files loaded by the loaders, by content hash: the same file is never loaded twice.
CREATE TABLE loaded_files (
    sha256      text PRIMARY KEY,
    kind        text NOT NULL,
    file_name   text NOT NULL,
    rows        integer NOT NULL,
    run_id      bigint NOT NULL REFERENCES runs,
    loaded_at   timestamptz NOT NULL DEFAULT now()
);

-- History cannot be rewritten: the database itself refuses UPDATE, DELETE and TRUNCATE of the
-- ledger and the audit trail, whatever the code path or role.
CREATE FUNCTION refuse_history_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % is refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'HUB01',
              HINT = 'Correct a posting with a reversal or an adjustment in a new run; nothing in the ledger is edited or deleted.';
END $$;
CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE ON ledger_entries
    FOR EACH ROW EXECUTE FUNCTION refuse_history_change();
CREATE TRIGGER ledger_entries_no_truncate BEFORE TRUNCATE ON ledger_entries
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_history_change();
CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION refuse_history_change();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_history_change();

-- Back-dated changes: any change to what an account should have been charged marks the account
-- for recalculation from the earliest day affected. The next rent debit run recomputes those
-- accounts' earlier weeks and posts the differences as adjustments.
CREATE TABLE rent_recalc (
    account_id  bigint NOT NULL REFERENCES rent_accounts,
    from_date   date NOT NULL,
    marked_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX rent_recalc_account ON rent_recalc (account_id);

CREATE FUNCTION mark_recalc_tenancy() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.start_date IS NOT DISTINCT FROM OLD.start_date
       AND NEW.end_date IS NOT DISTINCT FROM OLD.end_date AND NEW.property_id = OLD.property_id THEN
        RETURN NEW;
    END IF;
    INSERT INTO rent_recalc (account_id, from_date)
    SELECT a.id, LEAST(NEW.start_date, COALESCE(OLD.start_date, NEW.start_date),
                       COALESCE(NEW.end_date, NEW.start_date), COALESCE(OLD.end_date, NEW.start_date))
    FROM rent_accounts a WHERE a.tenancy_id = NEW.id;
    RETURN NEW;
END $$;
CREATE TRIGGER tenancies_recalc AFTER UPDATE ON tenancies
    FOR EACH ROW EXECUTE FUNCTION mark_recalc_tenancy();

CREATE FUNCTION mark_recalc_account() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO rent_recalc (account_id, from_date)
    SELECT NEW.id, t.start_date FROM tenancies t WHERE t.id = NEW.tenancy_id;
    RETURN NEW;
END $$;
CREATE TRIGGER rent_accounts_recalc AFTER INSERT ON rent_accounts
    FOR EACH ROW EXECUTE FUNCTION mark_recalc_account();

CREATE FUNCTION mark_recalc_charge() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO rent_recalc (account_id, from_date)
    SELECT a.id, LEAST(NEW.effective_from, COALESCE(OLD.effective_from, NEW.effective_from),
                       COALESCE(NEW.effective_to, NEW.effective_from), COALESCE(OLD.effective_to, NEW.effective_from))
    FROM tenancies t JOIN rent_accounts a ON a.tenancy_id = t.id
    WHERE t.property_id = NEW.property_id;
    RETURN NEW;
END $$;
CREATE TRIGGER weekly_charges_recalc AFTER INSERT OR UPDATE ON weekly_charges
    FOR EACH ROW EXECUTE FUNCTION mark_recalc_charge();

CREATE FUNCTION mark_recalc_property() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.owned_from IS NOT DISTINCT FROM OLD.owned_from AND NEW.owned_to IS NOT DISTINCT FROM OLD.owned_to THEN
        RETURN NEW;
    END IF;
    INSERT INTO rent_recalc (account_id, from_date)
    SELECT a.id, LEAST(NEW.owned_from, OLD.owned_from, COALESCE(NEW.owned_to, OLD.owned_from), COALESCE(OLD.owned_to, OLD.owned_from))
    FROM tenancies t JOIN rent_accounts a ON a.tenancy_id = t.id
    WHERE t.property_id = NEW.id;
    RETURN NEW;
END $$;
CREATE TRIGGER properties_recalc AFTER UPDATE ON properties
    FOR EACH ROW EXECUTE FUNCTION mark_recalc_property();

CREATE FUNCTION mark_recalc_opening() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO rent_recalc (account_id, from_date) VALUES (NEW.account_id, DATE '1900-01-01');
    RETURN NEW;
END $$;
CREATE TRIGGER opening_balances_recalc AFTER INSERT ON opening_balances
    FOR EACH ROW EXECUTE FUNCTION mark_recalc_opening();

-- Access levels. Auditors read everything and write nothing; finance runs rent and loads
-- reference data; payments import and clear suspense; repairs review sales orders.
GRANT USAGE ON SCHEMA public TO hub_finance, hub_payments, hub_repairs, hub_auditor;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO hub_finance, hub_payments, hub_repairs, hub_auditor;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO hub_finance, hub_payments, hub_repairs, hub_auditor;
GRANT INSERT ON runs, ledger_entries, audit_events TO hub_finance, hub_payments, hub_repairs;
GRANT UPDATE (status, finished_at, counts, totals, warnings, report, report_text, error, reversed_by_run_id)
    ON runs TO hub_finance, hub_payments, hub_repairs;
GRANT INSERT, UPDATE ON properties, tenancies, rent_accounts, account_payment_cards, account_legacy_refs,
    weekly_charges, opening_balances, loaded_files TO hub_finance;
GRANT INSERT, UPDATE, DELETE ON free_weeks TO hub_finance;
GRANT INSERT, DELETE ON rent_recalc TO hub_finance;
GRANT INSERT ON rent_recalc TO hub_payments, hub_repairs;
