-- Balances carried forward (issue 18, docs/performance.md "Balances carried forward").
--
-- The nightly arrears review, the arrears screens and every balance at a date summed each
-- account's whole ledger: a pass over ten years of history for the figures of one day. Each
-- account's balance at a date some months back ("through") is now kept here, so that a position
-- or a balance on a later day is that balance plus the account's entries after it, read from the
-- by-account index (0033) alone.
--
-- Beside the balance, the dates of the account's last receipt, last Direct Debit collected and last
-- Direct Debit returned on or before the date, which the arrears screens show however old (the
-- codes as ArrearsPositions reads them).
--
-- The balances are the ledger's own sums and stay so:
--   * ledger_carry_forward(through) moves a landlord's date forward (never back), adding each
--     account's entries in between; it holds the landlord's posting gate (0035) exclusively, so no
--     posting is in flight while it reads, and none starts until it commits;
--   * an entry posted later but dated on or before the date (a back-dated adjustment, a reversal,
--     an opening balance) is added to its account's carried balance by the ledger's own statement
--     trigger, whoever inserts it;
--   * `hub db verify` recomputes every carried balance from the ledger and names any that differ.
-- Nobody writes these tables but those two functions; every role that reads the ledger reads them.
CREATE TABLE ledger_carried_marks (
    landlord text NOT NULL DEFAULT hub_landlord() PRIMARY KEY,
    through date NOT NULL,
    carried_at timestamptz NOT NULL DEFAULT now(),
    carried_by text NOT NULL DEFAULT hub_actor()
);
CREATE TABLE ledger_carried (
    account_id bigint NOT NULL,
    landlord text NOT NULL DEFAULT hub_landlord(),
    balance_pence bigint NOT NULL,
    last_receipt date,
    last_direct_debit date,
    last_return date,
    PRIMARY KEY (account_id, landlord),
    FOREIGN KEY (account_id, landlord) REFERENCES rent_accounts (id, landlord)
);
ALTER TABLE ledger_carried_marks ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
ALTER TABLE ledger_carried ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
CREATE POLICY landlord_only ON ledger_carried_marks USING (landlord = hub_landlord()) WITH CHECK (landlord = hub_landlord());
CREATE POLICY landlord_only ON ledger_carried USING (landlord = hub_landlord()) WITH CHECK (landlord = hub_landlord());
GRANT SELECT ON ledger_carried_marks, ledger_carried TO hub_finance, hub_payments, hub_repairs, hub_auditor,
    hub_income, hub_income_manager, hub_head_of_finance;

-- Entries posted on or before the landlord's carried date join their accounts' carried balances.
-- Postings run at READ COMMITTED, so this statement sees the date as the gate left it; in a
-- transaction at a stricter level the date is locked first, which fails with a serialization
-- error (nothing posted) if it moved after the transaction's snapshot. The usual statement has no
-- such entry: one pass over its rows finds that (about 0.1 microsecond a row, measured).
CREATE FUNCTION ledger_carried_backdated() RETURNS trigger LANGUAGE plpgsql
SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    carried date;
BEGIN
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        SELECT through INTO carried FROM ledger_carried_marks FOR KEY SHARE;
    ELSE
        SELECT through INTO carried FROM ledger_carried_marks;
    END IF;
    IF carried IS NULL OR NOT EXISTS (SELECT FROM inserted WHERE entry_date <= carried) THEN
        RETURN NULL;
    END IF;
    INSERT INTO ledger_carried AS c (account_id, landlord, balance_pence, last_receipt, last_direct_debit, last_return)
    SELECT i.account_id, i.landlord, sum(i.amount_pence),
           max(i.entry_date) FILTER (WHERE i.amount_pence < 0 AND i.code IN ('RDD','RPY','RBR','RCP','RSO','RIT','RRC','RHB','RHA')),
           max(i.entry_date) FILTER (WHERE i.code = 'RDD' AND i.amount_pence < 0),
           max(i.entry_date) FILTER (WHERE i.code = 'RDN')
    FROM inserted i
    WHERE i.entry_date <= carried
    GROUP BY i.account_id, i.landlord
    ON CONFLICT (account_id, landlord) DO UPDATE SET
        balance_pence = c.balance_pence + excluded.balance_pence,
        last_receipt = GREATEST(c.last_receipt, excluded.last_receipt),
        last_direct_debit = GREATEST(c.last_direct_debit, excluded.last_direct_debit),
        last_return = GREATEST(c.last_return, excluded.last_return);
    RETURN NULL;
END $$;
-- Named to fire after ledger_entries_references (triggers fire in name order), so that a row naming
-- no account is refused with the ledger's own message first.
CREATE TRIGGER ledger_entries_to_carried AFTER INSERT ON ledger_entries
    REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION ledger_carried_backdated();

-- Moves the session's landlord's carried date forward to p_through (a date at or before it does
-- nothing) and returns the date the balances are carried through. The first time, every entry to
-- the date is summed (one pass over the ledger); after that only each account's entries between
-- the two dates, through the by-account index.
CREATE FUNCTION ledger_carry_forward(p_through date) RETURNS date LANGUAGE plpgsql
SECURITY DEFINER SET search_path = public, pg_temp SET work_mem = '128MB' AS $$
DECLARE
    previous date;
BEGIN
    -- 0035's gate: the landlord's postings in flight commit first, new ones wait for this
    -- transaction (without queueing, as the GL export waits: a queued request would hold them back).
    WHILE NOT pg_try_advisory_xact_lock(hashtextextended('hub postings ' || hub_landlord(), 20261122)) LOOP
        PERFORM pg_sleep(0.05);
    END LOOP;
    SELECT through INTO previous FROM ledger_carried_marks FOR UPDATE;
    IF previous >= p_through THEN
        RETURN previous;
    END IF;
    IF previous IS NULL THEN
        INSERT INTO ledger_carried (account_id, balance_pence, last_receipt, last_direct_debit, last_return)
        SELECT l.account_id, sum(l.amount_pence),
               max(l.entry_date) FILTER (WHERE l.amount_pence < 0 AND l.code IN ('RDD','RPY','RBR','RCP','RSO','RIT','RRC','RHB','RHA')),
               max(l.entry_date) FILTER (WHERE l.code = 'RDD' AND l.amount_pence < 0),
               max(l.entry_date) FILTER (WHERE l.code = 'RDN')
        FROM ledger_entries l WHERE l.entry_date <= p_through GROUP BY l.account_id;
        INSERT INTO ledger_carried_marks (through) VALUES (p_through);
    ELSE
        INSERT INTO ledger_carried AS c (account_id, balance_pence, last_receipt, last_direct_debit, last_return)
        SELECT a.id, s.pence, s.receipt, s.direct_debit, s.returned FROM rent_accounts a
        CROSS JOIN LATERAL (
            SELECT count(*) AS n, sum(l.amount_pence) AS pence,
                   max(l.entry_date) FILTER (WHERE l.amount_pence < 0 AND l.code IN ('RDD','RPY','RBR','RCP','RSO','RIT','RRC','RHB','RHA')) AS receipt,
                   max(l.entry_date) FILTER (WHERE l.code = 'RDD' AND l.amount_pence < 0) AS direct_debit,
                   max(l.entry_date) FILTER (WHERE l.code = 'RDN') AS returned
            FROM ledger_entries l WHERE l.account_id = a.id AND l.entry_date > previous AND l.entry_date <= p_through) s
        WHERE s.n > 0
        ON CONFLICT (account_id, landlord) DO UPDATE SET
            balance_pence = c.balance_pence + excluded.balance_pence,
            last_receipt = GREATEST(c.last_receipt, excluded.last_receipt),
            last_direct_debit = GREATEST(c.last_direct_debit, excluded.last_direct_debit),
            last_return = GREATEST(c.last_return, excluded.last_return);
        UPDATE ledger_carried_marks SET through = p_through, carried_at = now(), carried_by = hub_actor();
    END IF;
    RETURN p_through;
END $$;
REVOKE ALL ON FUNCTION ledger_carry_forward(date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ledger_carry_forward(date) TO hub_finance, hub_income, hub_income_manager, hub_head_of_finance;
