-- The web console's people (`hub users`), their sessions, and the name every change records.
--
-- The console connects as one login role (hub_service, 0019) and, for each person's request, does the work under
-- the person's role (SET ROLE hub_finance, hub_payments, hub_repairs or hub_auditor) with the
-- person's name in the setting hub.actor. hub_actor() is that name when the connected role may
-- speak for people (a member of hub_console, or a superuser), else the connected role itself:
-- a person connected with psql cannot claim to be someone else.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'hub_console') THEN CREATE ROLE hub_console NOLOGIN; END IF;
END
$$;

CREATE FUNCTION hub_actor() RETURNS text LANGUAGE sql STABLE AS $$
    SELECT CASE
        WHEN COALESCE(current_setting('hub.actor', true), '') <> ''
             AND (pg_has_role(session_user, 'hub_console', 'MEMBER')
                  OR (SELECT rolsuper FROM pg_roles WHERE rolname = session_user))
        THEN current_setting('hub.actor', true)
        ELSE session_user::text
    END
$$;

ALTER TABLE runs ALTER COLUMN operator SET DEFAULT hub_actor();
ALTER TABLE audit_events ALTER COLUMN actor SET DEFAULT hub_actor();
ALTER TABLE sales_order_decisions ALTER COLUMN decided_by SET DEFAULT hub_actor();
ALTER TABLE outbound_deliveries ALTER COLUMN delivered_by SET DEFAULT hub_actor();
ALTER TABLE inbound_files ALTER COLUMN stored_by SET DEFAULT hub_actor();
ALTER TABLE checkpoints ALTER COLUMN created_by SET DEFAULT hub_actor();
ALTER TABLE rewinds ALTER COLUMN created_by SET DEFAULT hub_actor();
ALTER TABLE rewind_replays ALTER COLUMN replayed_by SET DEFAULT hub_actor();
ALTER TABLE migration_rehearsals ALTER COLUMN created_by SET DEFAULT hub_actor();

-- A person who signs in to the console. The password is a bcrypt hash; a disabled person
-- cannot sign in and their sessions end. The approval limit (pence) is what they may approve of
-- a held sales order (repairs); without one, the limit of their role in sales-order-review.yaml.
CREATE TABLE console_users (
    name                    text PRIMARY KEY CHECK (name ~ '^[a-z][a-z0-9._-]{1,39}$'),
    role                    text NOT NULL CHECK (role IN ('finance', 'payments', 'repairs', 'auditor')),
    approval_limit_pence    bigint CHECK (approval_limit_pence >= 0),
    password_hash           text NOT NULL,
    disabled                boolean NOT NULL DEFAULT false,
    failed_signins          integer NOT NULL DEFAULT 0,
    last_failed_signin_at   timestamptz,
    created_at              timestamptz NOT NULL DEFAULT clock_timestamp(),
    created_by              text NOT NULL DEFAULT hub_actor(),
    changed_at              timestamptz NOT NULL DEFAULT clock_timestamp()
);

-- Signed-in sessions: the cookie carries the id, signed. Idle past the configured minutes, or
-- ended (signed out, password changed, person disabled), a session no longer lets anyone in.
CREATE TABLE console_sessions (
    id              text PRIMARY KEY,
    user_name       text NOT NULL REFERENCES console_users,
    csrf_token      text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
    last_seen_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
    ended_at        timestamptz
);
CREATE INDEX console_sessions_user ON console_sessions (user_name) WHERE ended_at IS NULL;

-- The key that signs session cookies, made by the first console to start.
CREATE TABLE console_keys (
    name        text PRIMARY KEY,
    secret      text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);

-- Only the console's own login (and the schema owner) reads hashes, sessions and keys; the
-- people's roles see who the console's users are, and nothing secret.
REVOKE ALL ON console_users, console_sessions, console_keys FROM hub_finance, hub_payments, hub_repairs, hub_auditor;
GRANT SELECT (name, role, approval_limit_pence, disabled, created_at, created_by, changed_at) ON console_users
    TO hub_finance, hub_payments, hub_repairs, hub_auditor;
GRANT SELECT, INSERT, UPDATE ON console_users, console_sessions, console_keys TO hub_console;

-- The hub service (hub serve, 0019) is the console's login: it speaks for people and may act as
-- each of their roles, the auditor's too.
GRANT hub_console, hub_auditor TO hub_service;
