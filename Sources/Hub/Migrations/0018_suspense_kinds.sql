-- Suspense items are kept apart by where the payment came from (issue 12: items from the card file
-- and the bank statement were all listed as cash): bank (camt.053, camt.054, MT940), cash (the cash
-- file), outlet (PayPoint, Post Office, allpay), card (the payment portal), dd (a returned Direct
-- Debit whose collection was not found) and hb (Housing Benefit, with its own holding code SHB).
ALTER TABLE suspense_items DROP CONSTRAINT IF EXISTS suspense_items_kind_check;
-- Items held before now take the kind of the file they came from.
UPDATE suspense_items s
SET kind = CASE f.format
        WHEN 'camt053' THEN 'bank' WHEN 'camt054' THEN 'bank' WHEN 'mt940' THEN 'bank'
        WHEN 'outlet' THEN 'outlet' WHEN 'card' THEN 'card' WHEN 'arudd' THEN 'dd' WHEN 'hb' THEN 'hb'
        ELSE 'cash' END
FROM payment_files f
WHERE f.run_id = s.run_id AND s.kind = 'cash';
ALTER TABLE suspense_items ADD CONSTRAINT suspense_items_kind_check
    CHECK (kind IN ('bank', 'cash', 'outlet', 'card', 'dd', 'hb'));
