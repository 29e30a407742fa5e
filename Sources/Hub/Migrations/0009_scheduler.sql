-- The scheduler (`hub serve`): one row per (job, slot). A due slot is entered once (unique
-- (job, slot), INSERT ... ON CONFLICT DO NOTHING) as 'pending'; a process runs it only after its
-- claim (an UPDATE of a pending row, of a retry whose time has come, or of a running row whose
-- lease expired: its owner died) returned the row. Every claim takes a new fencing token, and a
-- run commits only after checking, inside its own transaction (SELECT ... FOR UPDATE of the row),
-- that the row still carries its owner, its token and an unexpired lease. Heartbeats extend the
-- lease while the run runs.

CREATE SEQUENCE scheduler_fencing_tokens;

CREATE TABLE scheduler_slots (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job              text NOT NULL,
    slot             text NOT NULL,               -- Schedule.slotKey, or 'manual ...', 'inbox ...'
    slot_at          timestamptz NOT NULL,        -- the firing instant
    business_date    date NOT NULL,
    parameters       jsonb NOT NULL DEFAULT '{}',
    state            text NOT NULL CHECK (state IN ('pending', 'running', 'retry-wait', 'completed', 'refused', 'failed')),
    owner            text,                        -- '<pid>@<host> <uuid>' of the process holding the lease
    owner_host       text,
    owner_pid        integer,
    fencing_token    bigint,
    lease_expires_at timestamptz,
    heartbeat_at     timestamptz,
    attempts         integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    takeovers        integer NOT NULL DEFAULT 0 CHECK (takeovers >= 0),
    next_attempt_at  timestamptz,
    last_error       text,
    run_ids          bigint[] NOT NULL DEFAULT '{}',
    created_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
    claimed_at       timestamptz,
    finished_at      timestamptz,
    CONSTRAINT scheduler_slots_once UNIQUE (job, slot)
);
CREATE INDEX scheduler_slots_open ON scheduler_slots (state, lease_expires_at) WHERE state IN ('pending', 'running', 'retry-wait');
CREATE INDEX scheduler_slots_job_at ON scheduler_slots (job, slot_at);

-- How far each job's schedule has been looked at: slots after this instant that are already in
-- the past when a scheduler starts were missed while no scheduler ran (catch-up).
CREATE TABLE scheduler_jobs (
    job             text PRIMARY KEY,
    first_seen_at   timestamptz NOT NULL,
    checked_through timestamptz NOT NULL
);

GRANT SELECT, INSERT, UPDATE ON scheduler_slots, scheduler_jobs TO hub_finance;
GRANT USAGE ON SEQUENCE scheduler_fencing_tokens TO hub_finance;
GRANT SELECT ON scheduler_slots, scheduler_jobs TO hub_payments, hub_repairs, hub_auditor;
