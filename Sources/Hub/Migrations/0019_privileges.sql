-- Least privilege (docs/security.md). The schema is owned by the NOLOGIN role hub_owner and every
-- migration runs as it (HubDatabase.migrate: SET ROLE hub_owner); the hub service logs in as
-- hub_service; each person logs in as their own role, a member of one of the hub_* roles.
--
-- Run records change only through the functions below (SECURITY DEFINER, owned by hub_owner),
-- which check what the caller may do: a run is started, completed or recorded as failed, and a
-- run is reversed (contra entries posted and the original marked, in one step). No staff role has
-- INSERT, UPDATE or DELETE on runs, nor UPDATE or DELETE on an append-only table.
--
-- Every completed run is sealed: its ledger entries (each hashed) are chained with the previous
-- seal's hash and the ledger's running totals; `hub db verify` recomputes the chain and names any
-- run and entry changed behind the hub's back (by a superuser with its triggers disabled).

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'hub_service') THEN CREATE ROLE hub_service LOGIN; END IF;
END $$;
GRANT hub_finance, hub_payments, hub_repairs TO hub_service;

-- Default privileges are per creating role: the tables of later migrations (made by hub_owner)
-- are readable by the reading roles, as 0001 arranged for its creator.
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO hub_finance, hub_payments, hub_repairs, hub_auditor;

-- The transaction that started a run: only that transaction may complete it or reverse with it.
ALTER TABLE runs ADD COLUMN started_xact xid8;

-- One seal per completed run, in the order the runs completed.
CREATE TABLE run_seals (
    run_id          bigint PRIMARY KEY REFERENCES runs,
    seq             bigint NOT NULL UNIQUE CHECK (seq > 0),
    entries         bigint NOT NULL,
    pence           bigint NOT NULL,
    running_entries bigint NOT NULL,
    running_pence   bigint NOT NULL,
    -- Each ledger entry's id and its 64-bit hash (ledger_entry_hash), in id order.
    entry_ids       bigint[] NOT NULL,
    entry_hashes    bigint[] NOT NULL,
    previous_chain  text NOT NULL,
    chain           text NOT NULL,
    sealed_at       timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE TRIGGER run_seals_append_only BEFORE UPDATE OR DELETE ON run_seals
    FOR EACH ROW EXECUTE FUNCTION refuse_history_change();
CREATE TRIGGER run_seals_no_truncate BEFORE TRUNCATE ON run_seals
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_history_change();

-- The head of the chain (one row), locked by each sealing transaction until it commits.
CREATE TABLE run_seal_head (
    one             boolean PRIMARY KEY DEFAULT true CHECK (one),
    seq             bigint NOT NULL,
    chain           text NOT NULL,
    running_entries bigint NOT NULL,
    running_pence   bigint NOT NULL
);
INSERT INTO run_seal_head (seq, chain, running_entries, running_pence) VALUES (0, repeat('0', 64), 0, 0);

-- A ledger entry's hash: every field that says what was posted, unambiguously quoted, dates as
-- day numbers (independent of the session's DateStyle); the first 64 bits of its SHA-256. A plain
-- SQL expression, so that the planner inlines it (sealing a million entries costs about a second).
CREATE FUNCTION ledger_entry_hash(l ledger_entries) RETURNS bigint LANGUAGE sql STABLE AS $$
    SELECT ('x' || encode(substr(sha256(convert_to(concat_ws(',',
        l.id::text, l.account_id::text, quote_nullable(l.code), quote_nullable(l.charge_code), l.amount_pence::text,
        (l.entry_date - DATE '2000-01-01')::text, quote_nullable((l.rent_week - DATE '2000-01-01')::text), l.run_id::text,
        quote_nullable(l.description), quote_nullable(l.source_ref), quote_nullable(l.reverses_entry_id::text)), 'UTF8')), 1, 8), 'hex'))::bit(64)::bigint
$$;

-- The chain's next hash from the previous one and a run's sealed content (the arrays in their
-- binary form: no text is built for them).
CREATE FUNCTION run_seal_chain(previous text, run_id bigint, entries bigint, pence bigint, ids bigint[], hashes bigint[])
RETURNS text LANGUAGE sql STABLE AS $$
    SELECT encode(sha256(convert_to(previous || ':' || run_id || ':' || entries || ':' || pence || ':', 'UTF8')
        || array_send(ids) || array_send(hashes)), 'hex')
$$;

-- Seals a run (inside the transaction that completes it).
CREATE FUNCTION seal_run(p_run bigint) RETURNS void LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
    head run_seal_head;
    ids bigint[];
    hashes bigint[];
    n bigint;
    total bigint;
    next text;
BEGIN
    SELECT COALESCE(array_agg(l.id ORDER BY l.id), '{}'), COALESCE(array_agg(ledger_entry_hash(l) ORDER BY l.id), '{}'),
           count(*), COALESCE(sum(l.amount_pence), 0)
    INTO ids, hashes, n, total FROM ledger_entries l WHERE l.run_id = p_run;
    SELECT * INTO head FROM run_seal_head FOR UPDATE;
    next := run_seal_chain(head.chain, p_run, n, total, ids, hashes);
    INSERT INTO run_seals (run_id, seq, entries, pence, running_entries, running_pence, entry_ids, entry_hashes, previous_chain, chain)
    VALUES (p_run, head.seq + 1, n, total, head.running_entries + n, head.running_pence + total, ids, hashes, head.chain, next);
    UPDATE run_seal_head SET seq = head.seq + 1, chain = next,
        running_entries = head.running_entries + n, running_pence = head.running_pence + total;
END $$;
REVOKE ALL ON FUNCTION seal_run(bigint) FROM PUBLIC;

-- Runs completed before this migration are sealed now, in the order they completed.
DO $$
DECLARE r record;
BEGIN
    FOR r IN SELECT id FROM runs WHERE status = 'completed' ORDER BY finished_at NULLS FIRST, id LOOP
        PERFORM seal_run(r.id);
    END LOOP;
END $$;

-- Refusals of these functions are the schema's own rules (SQLSTATE HUB03): the command line
-- reports them as refusals (exit 5).
CREATE FUNCTION hub_run_start(p_job text, p_business_key text, p_business_date date, p_parameters jsonb, p_host text, p_slot text)
RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    new_id bigint;
BEGIN
    IF p_job IS NULL OR p_business_key IS NULL OR p_business_date IS NULL OR p_host IS NULL THEN
        RAISE EXCEPTION 'a run needs a job, a business key, a business date and a host' USING ERRCODE = 'HUB03';
    END IF;
    INSERT INTO runs (job, business_key, business_date, parameters, host, slot, status, started_xact)
    VALUES (p_job, p_business_key, p_business_date, COALESCE(p_parameters, '{}'), p_host, p_slot, 'running', pg_current_xact_id())
    RETURNING id INTO new_id;
    RETURN new_id;
END $$;

-- The run must be running and have been started by this very transaction.
CREATE FUNCTION hub_run_check_own(p_run bigint, p_what text) RETURNS runs LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
    r runs;
BEGIN
    SELECT * INTO r FROM runs WHERE id = p_run FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'there is no run %', p_run USING ERRCODE = 'HUB03';
    END IF;
    IF r.status <> 'running' OR r.started_xact IS DISTINCT FROM pg_current_xact_id() THEN
        RAISE EXCEPTION 'run % cannot be %: only the transaction that started it may, while it is running (it is %)', p_run, p_what, r.status
            USING ERRCODE = 'HUB03';
    END IF;
    RETURN r;
END $$;
REVOKE ALL ON FUNCTION hub_run_check_own(bigint, text) FROM PUBLIC;

CREATE FUNCTION hub_run_complete(p_run bigint, p_counts jsonb, p_warnings jsonb, p_report jsonb, p_report_text text)
RETURNS void LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    PERFORM hub_run_check_own(p_run, 'completed');
    UPDATE runs SET status = 'completed', finished_at = clock_timestamp(), counts = COALESCE(p_counts, '{}'),
        warnings = COALESCE(p_warnings, '[]'), report = p_report, report_text = p_report_text,
        totals = COALESCE((SELECT jsonb_agg(jsonb_build_object('code', code, 'entries', n, 'amount_pence', pence) ORDER BY code)
                  FROM (SELECT code, count(*) AS n, sum(amount_pence) AS pence FROM ledger_entries WHERE run_id = p_run GROUP BY code) t), '[]')
    WHERE id = p_run;
    PERFORM seal_run(p_run);
END $$;

-- A failed run is recorded in a transaction of its own (nothing of the run itself was kept).
CREATE FUNCTION hub_run_failed(p_job text, p_business_key text, p_business_date date, p_parameters jsonb, p_host text, p_slot text, p_error text)
RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    new_id bigint;
BEGIN
    IF p_job IS NULL OR p_business_key IS NULL OR p_business_date IS NULL OR p_host IS NULL THEN
        RAISE EXCEPTION 'a run needs a job, a business key, a business date and a host' USING ERRCODE = 'HUB03';
    END IF;
    INSERT INTO runs (job, business_key, business_date, parameters, host, slot, status, finished_at, error)
    VALUES (p_job, p_business_key, p_business_date, COALESCE(p_parameters, '{}'), p_host, p_slot, 'failed', clock_timestamp(), p_error)
    RETURNING id INTO new_id;
    RETURN new_id;
END $$;

-- Reverses a run with the caller's running reversal run: posts the equal and opposite ledger
-- entries and general-ledger postings, marks the original reversed (its side tables follow by
-- the triggers on runs), records the reason and the audit event. Refused for a run that is not
-- completed, already reversed, itself a reversal, or whose outbound file was sent.
CREATE FUNCTION hub_run_reverse(p_original bigint, p_reversal bigint, p_entry_date date, p_reason text,
    OUT entries bigint, OUT net_pence bigint, OUT gl_entries bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    reversal runs;
    original runs;
BEGIN
    reversal := hub_run_check_own(p_reversal, 'used to reverse');
    IF reversal.job <> 'reversal' OR reversal.business_key <> 'run ' || p_original THEN
        RAISE EXCEPTION 'run % (%) is not the reversal of run %', p_reversal, reversal.job, p_original USING ERRCODE = 'HUB03';
    END IF;
    IF p_entry_date IS NULL OR p_reason IS NULL OR length(trim(p_reason)) = 0 THEN
        RAISE EXCEPTION 'a reversal needs a date and a reason' USING ERRCODE = 'HUB03';
    END IF;
    SELECT * INTO original FROM runs WHERE id = p_original FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'there is no run %', p_original USING ERRCODE = 'HUB03';
    END IF;
    IF original.status <> 'completed' OR original.reversed_by_run_id IS NOT NULL OR original.job = 'reversal' THEN
        RAISE EXCEPTION 'run % cannot be reversed: it is % (%)', p_original,
            CASE WHEN original.reversed_by_run_id IS NOT NULL THEN 'reversed already by run ' || original.reversed_by_run_id
                 WHEN original.job = 'reversal' THEN 'a reversal' ELSE original.status END, original.job
            USING ERRCODE = 'HUB03';
    END IF;
    IF EXISTS (SELECT FROM outbound_files WHERE run_id = p_original) THEN
        RAISE EXCEPTION 'run % (%) cannot be reversed: its file was sent', p_original, original.job USING ERRCODE = 'HUB03';
    END IF;
    WITH reversed AS (
        INSERT INTO ledger_entries (account_id, code, charge_code, amount_pence, entry_date, rent_week, run_id, description, source_ref, reverses_entry_id)
        SELECT account_id, code, charge_code, -amount_pence, p_entry_date, rent_week, p_reversal,
               'Reversal of run ' || p_original::text || ': ' || COALESCE(description, code), source_ref, id
        FROM ledger_entries WHERE run_id = p_original
        RETURNING amount_pence)
    SELECT count(*), COALESCE(sum(amount_pence), 0) INTO entries, net_pence FROM reversed;
    WITH reversed AS (
        INSERT INTO gl_postings (run_id, code, analysis, amount_pence, entry_date, description, source_ref, reverses_posting_id)
        SELECT p_reversal, code, analysis, -amount_pence, p_entry_date,
               'Reversal of run ' || p_original::text || ': ' || COALESCE(description, code), source_ref, id
        FROM gl_postings WHERE run_id = p_original
        RETURNING 1)
    SELECT count(*) INTO gl_entries FROM reversed;
    UPDATE runs SET reversed_by_run_id = p_reversal WHERE id = p_original;
    INSERT INTO runs_reversal_reasons (run_id, reversed_run_id, reason) VALUES (p_reversal, p_original, p_reason);
    INSERT INTO audit_events (action, entity, entity_ref, run_id, details)
    VALUES ('reverse', 'run', p_original::text, p_reversal, jsonb_build_object('reason', p_reason));
    UPDATE runs SET reverses_run_id = p_original WHERE id = p_reversal;
END $$;

REVOKE ALL ON FUNCTION hub_run_start(text, text, date, jsonb, text, text), hub_run_complete(bigint, jsonb, jsonb, jsonb, text),
    hub_run_failed(text, text, date, jsonb, text, text, text), hub_run_reverse(bigint, bigint, date, text),
    ledger_entry_hash(ledger_entries), run_seal_chain(text, bigint, bigint, bigint, bigint[], bigint[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION hub_run_start(text, text, date, jsonb, text, text), hub_run_complete(bigint, jsonb, jsonb, jsonb, text),
    hub_run_failed(text, text, date, jsonb, text, text, text), hub_run_reverse(bigint, bigint, date, text)
    TO hub_finance, hub_payments, hub_repairs;
-- `hub db verify` recomputes the hashes: anyone who may read the ledger may check it.
GRANT EXECUTE ON FUNCTION ledger_entry_hash(ledger_entries), run_seal_chain(text, bigint, bigint, bigint, bigint[], bigint[])
    TO hub_finance, hub_payments, hub_repairs, hub_auditor;

-- No plain writes to run records: only the functions above.
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON runs FROM hub_finance, hub_payments, hub_repairs;
REVOKE INSERT ON runs_reversal_reasons FROM hub_finance, hub_payments, hub_repairs;
GRANT SELECT ON run_seals, run_seal_head TO hub_finance, hub_payments, hub_repairs, hub_auditor;
