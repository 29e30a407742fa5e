-- The income team in the web console (docs/console.md): console people with the roles of 0021
-- (hub_income, hub_income_manager, hub_head_of_finance), the name of the person on every arrears and
-- Direct Debit change made through the console, and write-off bands checked against the person's
-- role rather than the console's login.

-- Console people may now be of the income team.
ALTER TABLE console_users DROP CONSTRAINT console_users_role_check;
ALTER TABLE console_users ADD CONSTRAINT console_users_role_check
    CHECK (role IN ('finance', 'payments', 'repairs', 'auditor', 'income', 'income_manager', 'head_of_finance'));

-- The console's login may act as the income team's roles (SET ROLE), but holds none of their
-- privileges itself: membership goes through a NOINHERIT role, so the privileges of the income
-- manager and the head of finance (writeoff_bands) do not flow up to hub_service. (PostgreSQL 15
-- has no GRANT ... WITH INHERIT FALSE.) hub_service is already a member of hub_income (0021).
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'hub_console_income') THEN CREATE ROLE hub_console_income NOLOGIN NOINHERIT; END IF;
END $$;
GRANT hub_income_manager, hub_head_of_finance TO hub_console_income;
GRANT hub_console_income TO hub_service;

-- Who made a change: the console's person (hub_actor(), 0022) when the console acts for one, else
-- the connected role as before.
ALTER TABLE arrears_actions ALTER COLUMN recorded_by SET DEFAULT hub_actor();
ALTER TABLE arrears_pauses ALTER COLUMN recorded_by SET DEFAULT hub_actor();
ALTER TABLE arrears_circumstances ALTER COLUMN recorded_by SET DEFAULT hub_actor();
ALTER TABLE arrears_agreements ALTER COLUMN made_by SET DEFAULT hub_actor();
ALTER TABLE tenant_phones ALTER COLUMN recorded_by SET DEFAULT hub_actor();
ALTER TABLE writeoffs ALTER COLUMN proposed_by SET DEFAULT hub_actor();
ALTER TABLE dd_mandates ALTER COLUMN created_by SET DEFAULT hub_actor();
ALTER TABLE dd_mandate_events ALTER COLUMN actor SET DEFAULT hub_actor();
ALTER TABLE dd_lodgements ALTER COLUMN requested_by SET DEFAULT hub_actor();
ALTER TABLE dd_account_flags ALTER COLUMN raised_by SET DEFAULT hub_actor();

-- Write-off approval (0021) by the role in force: current_user, which is the connected role
-- itself, or the role it SET ROLE to (the console acting for a person, or a person choosing one of
-- their roles: never more than the connected role holds). The console's own login acting as
-- itself approves nothing, whatever it may SET ROLE to. The decision records hub_actor().
CREATE OR REPLACE FUNCTION writeoff_approval_allowed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    approver text := hub_actor();
    roles text[];
BEGIN
    IF NEW.status = 'approved' AND OLD.status IS DISTINCT FROM 'approved' THEN
        IF OLD.status <> 'proposed' THEN
            RAISE EXCEPTION 'write-off % is %: only a proposed write-off is approved', NEW.id, OLD.status USING ERRCODE = 'HUB21';
        END IF;
        -- current_user and every role it is a member of, directly or through others (a
        -- superuser's powers make it no member of anything here).
        WITH RECURSIVE member_of(oid) AS (
            SELECT oid FROM pg_roles WHERE rolname = current_user
            UNION
            SELECT m.roleid FROM pg_auth_members m JOIN member_of ON m.member = member_of.oid)
        SELECT array_agg(r.rolname::text) INTO roles FROM member_of JOIN pg_roles r ON r.oid = member_of.oid;
        IF 'hub_console' = ANY(roles) OR NOT EXISTS (
            SELECT 1 FROM writeoff_bands b
            WHERE (b.up_to_pence IS NULL OR abs(NEW.amount_pence) <= b.up_to_pence) AND b.role = ANY(roles))
        THEN
            RAISE EXCEPTION '% (as %) may not approve write-off % of % pence: no write-off band of a role it belongs to covers it', approver, current_user, NEW.id, abs(NEW.amount_pence)
                USING ERRCODE = 'HUB22', HINT = 'Ask someone whose band covers the amount (writeoff_bands, Config/arrears.yaml).';
        END IF;
        IF NEW.decided_by IS DISTINCT FROM approver THEN
            RAISE EXCEPTION 'write-off % must be recorded as decided by %', NEW.id, approver USING ERRCODE = 'HUB21';
        END IF;
        IF NEW.decided_by = OLD.proposed_by THEN
            RAISE EXCEPTION '% proposed write-off % and may not approve it too', approver, NEW.id USING ERRCODE = 'HUB22',
                HINT = 'Someone else whose band covers the amount approves it.';
        END IF;
    END IF;
    RETURN NEW;
END $$;
