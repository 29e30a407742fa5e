-- Arrears agreements collected by Direct Debit (issue 15; docs/arrears.md, "Agreements by Direct
-- Debit"): an agreement on an account with a live mandate carries its instalment onto the
-- mandate's fixed extra amount, converted to the mandate's frequency. The mandate is amended the
-- way `hub dd mandate amend --extra` amends it (a new row under the same instruction, the change
-- in dd_mandate_events with who made it); the advance notice and the collection run do the rest.

-- What was carried, written with the agreement (never updated): the extra amount and the
-- mandate's frequency. The mandate's history names the agreement in each amendment's reason.
ALTER TABLE arrears_agreements
    ADD COLUMN dd_extra_pence bigint CHECK (dd_extra_pence > 0),
    ADD COLUMN dd_frequency text CHECK (dd_frequency IN ('weekly', 'fortnightly', 'four-weekly', 'monthly')),
    ADD CHECK ((dd_extra_pence IS NULL) = (dd_frequency IS NULL) AND (dd_extra_pence IS NULL OR direct_debit_extra));

-- The income team (an officer making an agreement, the nightly review ending one) amends the
-- mandate's extra amount: it reads the mandate and its notices, closes the old row (status
-- 'cancelled', action 'amended'), makes the new one, records the change and carries the notices
-- already sent. No AUDDIS lodgement (the instruction stays the same) and no collection.
GRANT SELECT ON dd_mandates, dd_notices TO hub_income, hub_income_manager, hub_head_of_finance;
GRANT INSERT ON dd_mandates, dd_mandate_events, dd_notices TO hub_income, hub_income_manager, hub_head_of_finance;
GRANT UPDATE (status) ON dd_mandates TO hub_income, hub_income_manager, hub_head_of_finance;
