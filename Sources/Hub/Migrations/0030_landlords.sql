-- Several landlords (councils) on one hub (issue 18, docs/scaling.md).
--
-- Every table of the schema gets a landlord key and row-level security: a session sees, inserts
-- and changes only the rows of the landlord it is set to (the setting `hub.landlord`, which the
-- hub sets on every connection from `landlord:` in Config/hub.yaml). A session without one is
-- refused with SQLSTATE HUB30 as soon as it reads or writes a row.
--
-- The work is generic (a loop over every table of the schema, whichever migration made it), so
-- that tables of migrations before this one are covered however they were merged:
--   1. the column `landlord text NOT NULL DEFAULT hub_landlord()`: existing INSERTs need no change;
--      rows already there belong to the landlord of the session that migrates (`hub db migrate`
--      sets it from the configuration: the single council of an existing installation);
--   2. every unique key (primary keys, UNIQUE constraints, unique indexes, partial or not) is made
--      unique per landlord by adding `landlord` as its last column: the same account reference,
--      file, bank entry, run identity or scheduler slot may exist once in each landlord. Last, so
--      that every lookup by the key's own columns (`WHERE id = $1`, the triggers', the foreign key
--      checks') still finds its row through the index, with or without the landlord's condition;
--   3. every foreign key is made to include the landlord (`(account_id, landlord) REFERENCES
--      rent_accounts (id, landlord)`): a row can only point at a row of its own landlord
--      (PostgreSQL checks foreign keys without row-level security, so this is what stops it);
--   4. ROW LEVEL SECURITY, FORCEd, with one policy `landlord_only` for every command and role.
--
-- FORCE: the owner hub_owner is held to the policy too. Nobody logs in as it, but the hub's
-- SECURITY DEFINER functions (hub_run_start, hub_run_complete, hub_run_reverse, the reversal
-- triggers, lock_postings_for_export) run as it: forced, they see and change only the caller's
-- landlord's rows with no change to their code. A later migration also runs under the policy, as
-- the landlord `hub db migrate` is configured for: a data migration touching every landlord must
-- loop over them (set_config('hub.landlord', l, true) per landlord). Superusers bypass it.
--
-- The migrator's own table (schema_migrations) is the schema's, not a landlord's: left out.

-- The session's landlord, or a clear refusal. A plain SQL expression, so that the planner inlines
-- it into the policies (current_setting is one lookup; the refusal runs only when it is unset).
CREATE FUNCTION hub_no_landlord() RETURNS text LANGUAGE plpgsql STABLE AS $$
BEGIN
    RAISE EXCEPTION 'no landlord is set for this connection: the hub reads and writes only for one landlord'
        USING ERRCODE = 'HUB30',
              HINT = 'The hub sets it from landlord: in its configuration (Config/hub.yaml); in psql: SET hub.landlord = ''name''.';
END $$;

CREATE FUNCTION hub_landlord() RETURNS text LANGUAGE sql STABLE AS $$
    SELECT COALESCE(NULLIF(current_setting('hub.landlord', true), ''), hub_no_landlord())
$$;

DO $$
DECLARE
    t record;
    k record;
    fks text[] := '{}';
    definition text;
    columns text;
BEGIN
    -- 1. The column (a partition inherits it from its parent).
    FOR t IN SELECT c.oid::regclass AS name FROM pg_class c
             WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p') AND NOT c.relispartition
               AND c.relname <> 'schema_migrations'
               AND NOT EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'landlord' AND NOT a.attisdropped)
    LOOP
        EXECUTE format('ALTER TABLE %s ADD COLUMN landlord text NOT NULL DEFAULT hub_landlord()', t.name);
    END LOOP;

    -- 3 (first half). Every foreign key without the landlord is dropped, remembered with the
    -- landlord added to both column lists.
    FOR k IN SELECT f.oid, f.conname, f.conrelid::regclass AS name, pg_get_constraintdef(f.oid) AS definition,
                    (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY x.n) FROM unnest(f.conkey) WITH ORDINALITY x(attnum, n)
                       JOIN pg_attribute a ON a.attrelid = f.conrelid AND a.attnum = x.attnum) AS columns
             FROM pg_constraint f JOIN pg_class c ON c.oid = f.conrelid
             WHERE f.contype = 'f' AND f.connamespace = 'public'::regnamespace AND f.conparentid = 0
               AND c.relname <> 'schema_migrations'
               AND NOT EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = f.conrelid AND a.attname = 'landlord' AND a.attnum = ANY (f.conkey))
    LOOP
        IF k.definition ~ 'ON UPDATE SET (NULL|DEFAULT)|ON DELETE SET DEFAULT' THEN
            RAISE EXCEPTION 'foreign key % of % sets its columns on change: make it landlord-aware by hand before 0030', k.conname, k.name;
        END IF;
        definition := regexp_replace(k.definition, '^FOREIGN KEY \(([^)]*)\)', 'FOREIGN KEY (\1, landlord)');
        definition := regexp_replace(definition, 'REFERENCES ([^(]+)\(([^)]*)\)', 'REFERENCES \1(\2, landlord)');
        -- Deleting the referenced row nulls the key's own columns, never the landlord.
        definition := regexp_replace(definition, 'ON DELETE SET NULL(?! \()', 'ON DELETE SET NULL (' || k.columns || ')');
        fks := fks || format('ALTER TABLE %s ADD CONSTRAINT %I %s', k.name, k.conname, definition);
        EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', k.name, k.conname);
    END LOOP;

    -- 2. Every unique key without the landlord gets it as its last column.
    FOR k IN SELECT i.indexrelid, i.indrelid::regclass AS name, x.relname AS index_name, pg_get_indexdef(i.indexrelid) AS definition,
                    con.conname, con.contype, CASE WHEN con.oid IS NOT NULL THEN pg_get_constraintdef(con.oid) END AS constraint_definition
             FROM pg_index i
             JOIN pg_class x ON x.oid = i.indexrelid
             JOIN pg_class c ON c.oid = i.indrelid
             LEFT JOIN pg_constraint con ON con.conindid = i.indexrelid AND con.contype IN ('p', 'u') AND con.conrelid = i.indrelid
             WHERE i.indisunique AND c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p')
               AND c.relname <> 'schema_migrations'
               AND NOT EXISTS (SELECT FROM pg_inherits h WHERE h.inhrelid = i.indexrelid)   -- a partition's share of a parent's index
               AND NOT EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = i.indrelid AND a.attname = 'landlord' AND a.attnum = ANY (i.indkey))
    LOOP
        IF k.definition ~ ' USING \w+ \([^)]*\(' THEN
            RAISE EXCEPTION 'unique index % of % has an expression: make it landlord-aware by hand before 0030', k.index_name, k.name;
        END IF;
        IF k.conname IS NOT NULL THEN
            EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', k.name, k.conname);
            EXECUTE format('ALTER TABLE %s ADD CONSTRAINT %I %s', k.name, k.conname,
                regexp_replace(k.constraint_definition, '\(([^)]*)\)', '(\1, landlord)'));
        ELSE
            EXECUTE format('DROP INDEX %s', k.indexrelid::regclass);
            EXECUTE regexp_replace(k.definition, ' USING (\w+) \(([^)]*)\)', ' USING \1 (\2, landlord)');
        END IF;
    END LOOP;

    -- 3 (second half). The foreign keys again, landlord to landlord.
    FOREACH definition IN ARRAY fks LOOP
        EXECUTE definition;
    END LOOP;

    -- 4. Row-level security, forced, on every table (partitions included: a partition queried
    -- by name is held to it as well).
    FOR t IN SELECT c.oid::regclass AS name FROM pg_class c
             WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p') AND c.relname <> 'schema_migrations'
    LOOP
        EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', t.name);
        EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', t.name);
        IF NOT EXISTS (SELECT FROM pg_policy p WHERE p.polrelid = t.name AND p.polname = 'landlord_only') THEN
            EXECUTE format('CREATE POLICY landlord_only ON %s USING (landlord = hub_landlord()) WITH CHECK (landlord = hub_landlord())', t.name);
        END IF;
    END LOOP;
END $$;

-- What each landlord needs before its first run, made for the session's landlord (idempotent):
-- the head of its own seal chain (each landlord's runs are chained and verified on their own)
-- and the default write-off bands of 0021. `hub db migrate` calls it for its configured landlord:
-- that is how a landlord is added (docs/scaling.md).
CREATE FUNCTION hub_landlord_init() RETURNS void LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
BEGIN
    INSERT INTO run_seal_head (seq, chain, running_entries, running_pence) VALUES (0, repeat('0', 64), 0, 0)
    ON CONFLICT DO NOTHING;
    IF NOT EXISTS (SELECT FROM writeoff_bands) THEN
        INSERT INTO writeoff_bands (role, up_to_pence) VALUES
            ('hub_income', 5000), ('hub_income_manager', 500000), ('hub_head_of_finance', NULL);
    END IF;
END $$;
REVOKE ALL ON FUNCTION hub_landlord_init() FROM PUBLIC;
