-- Go-live safety: every inbound file a run read is kept (content and hash), checkpoints,
-- rewinds (which runs were reversed, and what replayed them), and migration rehearsal reports.

-- The content of every inbound file a run read, once per SHA-256, in chunks of at most 1 MiB so
-- that a large bank statement is stored and read back without being held whole in memory.
CREATE TABLE inbound_files (
    sha256      text PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    kind        text NOT NULL,
    file_name   text NOT NULL,
    size_bytes  bigint NOT NULL CHECK (size_bytes >= 0),
    chunks      integer NOT NULL CHECK (chunks >= 0),
    stored_at   timestamptz NOT NULL DEFAULT now(),
    stored_by   text NOT NULL DEFAULT current_user
);
CREATE TABLE inbound_file_chunks (
    sha256      text NOT NULL REFERENCES inbound_files,
    seq         integer NOT NULL CHECK (seq >= 0),
    bytes       bytea NOT NULL,
    PRIMARY KEY (sha256, seq)
);
-- Which run read which file (a file read again after its run was reversed is linked again).
CREATE TABLE run_inputs (
    run_id      bigint NOT NULL REFERENCES runs,
    sha256      text NOT NULL REFERENCES inbound_files,
    PRIMARY KEY (run_id, sha256)
);
CREATE TRIGGER inbound_files_append_only BEFORE UPDATE OR DELETE ON inbound_files
    FOR EACH ROW EXECUTE FUNCTION refuse_history_change();
CREATE TRIGGER inbound_file_chunks_append_only BEFORE UPDATE OR DELETE ON inbound_file_chunks
    FOR EACH ROW EXECUTE FUNCTION refuse_history_change();
CREATE TRIGGER run_inputs_append_only BEFORE UPDATE OR DELETE ON run_inputs
    FOR EACH ROW EXECUTE FUNCTION refuse_history_change();

-- Known-good points: the newest run at the moment the checkpoint was made.
CREATE TABLE checkpoints (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 64),
    note        text NOT NULL CHECK (length(note) <= 1000),
    run_id      bigint NOT NULL CHECK (run_id >= 0),
    created_at  timestamptz NOT NULL DEFAULT now(),
    created_by  text NOT NULL DEFAULT current_user
);
CREATE TRIGGER checkpoints_append_only BEFORE UPDATE OR DELETE ON checkpoints
    FOR EACH ROW EXECUTE FUNCTION refuse_history_change();

-- A rewind: back to a run (or a checkpoint's run), the runs it reversed, and their replays.
CREATE TABLE rewinds (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    to_run_id   bigint NOT NULL CHECK (to_run_id >= 0),
    checkpoint  text,
    reason      text NOT NULL CHECK (length(reason) BETWEEN 1 AND 1000),
    created_at  timestamptz NOT NULL DEFAULT now(),
    created_by  text NOT NULL DEFAULT current_user
);
CREATE TABLE rewind_steps (
    rewind_id       bigint NOT NULL REFERENCES rewinds,
    run_id          bigint NOT NULL REFERENCES runs,
    -- reversed: the reversal run; kept: a run whose effect stays (a file already sent).
    action          text NOT NULL CHECK (action IN ('reversed', 'kept')),
    reversal_run_id bigint REFERENCES runs,
    note            text,
    PRIMARY KEY (rewind_id, run_id)
);
-- What replayed each reversed run (or that it was left out on purpose).
CREATE TABLE rewind_replays (
    rewind_id       bigint NOT NULL REFERENCES rewinds,
    run_id          bigint NOT NULL REFERENCES runs,
    outcome         text NOT NULL CHECK (outcome IN ('replayed', 'excepted', 'not-replayable', 'nothing-to-do')),
    replay_run_id   bigint REFERENCES runs,
    note            text,
    replayed_at     timestamptz NOT NULL DEFAULT now(),
    replayed_by     text NOT NULL DEFAULT current_user,
    PRIMARY KEY (rewind_id, run_id)
);
CREATE TRIGGER rewinds_append_only BEFORE UPDATE OR DELETE ON rewinds
    FOR EACH ROW EXECUTE FUNCTION refuse_history_change();
CREATE TRIGGER rewind_steps_append_only BEFORE UPDATE OR DELETE ON rewind_steps
    FOR EACH ROW EXECUTE FUNCTION refuse_history_change();
CREATE TRIGGER rewind_replays_append_only BEFORE UPDATE OR DELETE ON rewind_replays
    FOR EACH ROW EXECUTE FUNCTION refuse_history_change();

-- Every migration rehearsal's go/no-go report, so a project board can see the trend.
CREATE TABLE migration_rehearsals (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    manifest        text NOT NULL,
    manifest_sha256 text NOT NULL,
    go              boolean NOT NULL,
    problems        integer NOT NULL CHECK (problems >= 0),
    report          jsonb NOT NULL,
    report_text     text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    created_by      text NOT NULL DEFAULT current_user
);
CREATE TRIGGER migration_rehearsals_append_only BEFORE UPDATE OR DELETE ON migration_rehearsals
    FOR EACH ROW EXECUTE FUNCTION refuse_history_change();

GRANT SELECT ON inbound_files, inbound_file_chunks, run_inputs, checkpoints, rewinds, rewind_steps, rewind_replays,
    migration_rehearsals TO hub_finance, hub_payments, hub_repairs, hub_auditor;
GRANT INSERT ON inbound_files, inbound_file_chunks, run_inputs TO hub_finance, hub_payments, hub_repairs;
GRANT INSERT ON checkpoints, rewinds, rewind_steps, rewind_replays, migration_rehearsals TO hub_finance;

-- A charges load can be reversed (so that a rewind can take a faulty one out): each charge row
-- remembers the load that made it; reversing the load removes its rows and reopens the charges it
-- closed, and the rent debit then adjusts the weeks affected.
ALTER TABLE weekly_charges ADD COLUMN run_id bigint REFERENCES runs;
CREATE INDEX weekly_charges_run ON weekly_charges (run_id) WHERE run_id IS NOT NULL;

CREATE FUNCTION mark_recalc_charge_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO rent_recalc (account_id, from_date)
    SELECT a.id, OLD.effective_from
    FROM tenancies t JOIN rent_accounts a ON a.tenancy_id = t.id
    WHERE t.property_id = OLD.property_id;
    RETURN OLD;
END $$;
CREATE TRIGGER weekly_charges_recalc_removed AFTER DELETE ON weekly_charges
    FOR EACH ROW EXECUTE FUNCTION mark_recalc_charge_removed();

CREATE FUNCTION charges_load_reversed() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF OLD.reversed_by_run_id IS NULL AND NEW.reversed_by_run_id IS NOT NULL AND NEW.job = 'load-charges' THEN
        INSERT INTO audit_events (action, entity, entity_ref, run_id, details)
        SELECT 'remove-charge', 'property', p.property_ref, NEW.reversed_by_run_id,
               jsonb_build_object('old', jsonb_build_object('charge_code', w.charge_code, 'weekly_pence', w.weekly_pence,
                   'effective_from', w.effective_from, 'effective_to', w.effective_to, 'run_id', w.run_id))
        FROM weekly_charges w JOIN properties p ON p.id = w.property_id WHERE w.run_id = NEW.id;
        DELETE FROM weekly_charges WHERE run_id = NEW.id;
        -- Reopen the open-ended charges the load closed the day before its own.
        WITH closed AS (
            SELECT p.id AS property_id, e.details->>'charge_code' AS charge_code, (e.details->>'effective_from')::date AS effective_from,
                   (e.details->'new'->>'effective_to')::date AS effective_to
            FROM audit_events e JOIN properties p ON p.property_ref = e.entity_ref
            WHERE e.run_id = NEW.id AND e.action = 'close-charge'),
        reopened AS (
            UPDATE weekly_charges w SET effective_to = NULL FROM closed c
            WHERE w.property_id = c.property_id AND w.charge_code = c.charge_code AND w.effective_from = c.effective_from
              AND w.effective_to = c.effective_to
            RETURNING w.property_id, w.charge_code, w.effective_from, c.effective_to AS was)
        INSERT INTO audit_events (action, entity, entity_ref, run_id, details)
        SELECT 'reopen-charge', 'property', p.property_ref, NEW.reversed_by_run_id,
               jsonb_build_object('charge_code', r.charge_code, 'effective_from', r.effective_from,
                   'old', jsonb_build_object('effective_to', r.was), 'new', jsonb_build_object('effective_to', NULL))
        FROM reopened r JOIN properties p ON p.id = r.property_id;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER runs_reversed_charges AFTER UPDATE OF reversed_by_run_id ON runs
    FOR EACH ROW EXECUTE FUNCTION charges_load_reversed();
REVOKE ALL ON FUNCTION charges_load_reversed() FROM PUBLIC;
