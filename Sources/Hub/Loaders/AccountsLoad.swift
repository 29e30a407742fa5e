import Foundation
import HousingFinance
import Postgres

/// `hub load accounts`: the rent account of each tenancy, with the payment cards and legacy
/// references that payments are matched by. An account never moves to another tenancy (its
/// ledger belongs to the tenancy); new cards and legacy references of an existing account are added.
public enum AccountsLoad: LoadKind {
    public static let kind = "accounts"
    public static let jobName = "load-accounts"
    public static let reversal = ReversalRule.never("rent accounts carry the ledger; correct them by loading the corrected rows")
    public static let columns = [
        LoaderColumn("account_ref", required: true, .accountReference, "The rent account reference, with its check digit (Config/hub.yaml account-reference)."),
        LoaderColumn("tenancy_ref", required: true, .text, "The tenancy the account belongs to (already loaded); one account per tenancy."),
        LoaderColumn("payment_card", required: false, .list, "Payment card numbers (16 to 19 digits; allpay's are 19), separated by ';'."),
        LoaderColumn("legacy_refs", required: false, .list, "References from earlier systems that payments may still quote, separated by ';'."),
    ]
    public static let uniqueKeys = [["account_ref"], ["tenancy_ref"]]
    public static let tables = ["rent_accounts", "account_payment_cards", "account_legacy_refs"]
    public static let totalColumn: String? = nil

    public static func rowProblems(_ row: LoadRow) -> [LoadProblem] {
        guard let cards = row.text("payment_card") else { return [] }
        return cards.split(separator: ";").compactMap { card in
            (16...19).contains(card.count) && card.allSatisfy({ $0.isASCII && $0.isNumber }) ? nil
                : LoadProblem(line: row.line, column: "payment_card", value: String(card), reason: "a payment card number is 16 to 19 digits")
        }
    }

    static let items = """
        cards AS (SELECT line, account_ref, unnest(string_to_array(payment_card, ';')) AS item FROM load_stage),
        legacy AS (SELECT line, account_ref, unnest(string_to_array(legacy_refs, ';')) AS item FROM load_stage)
        """

    public static func checks(_ context: LoadContext) -> [SQLQuery] {
        var checks: [SQLQuery] = [
            """
            SELECT s.line, 'tenancy_ref', s.tenancy_ref, 'there is no tenancy ' || s.tenancy_ref || ': load it in a tenancies file first'
            FROM load_stage s WHERE NOT EXISTS (SELECT 1 FROM tenancies t WHERE t.tenancy_ref = s.tenancy_ref)
            """,
            """
            SELECT s.line, 'tenancy_ref', s.tenancy_ref,
                   'account ' || a.account_ref || ' belongs to tenancy ' || t.tenancy_ref || ': an account with a ledger cannot move to another tenancy; open a new account for the new tenancy'
            FROM load_stage s JOIN rent_accounts a ON a.account_ref = s.account_ref JOIN tenancies t ON t.id = a.tenancy_id
            WHERE t.tenancy_ref <> s.tenancy_ref
            """,
            """
            SELECT s.line, 'account_ref', s.account_ref, 'tenancy ' || s.tenancy_ref || ' already has rent account ' || a.account_ref || '; a tenancy has one account'
            FROM load_stage s JOIN tenancies t ON t.tenancy_ref = s.tenancy_ref JOIN rent_accounts a ON a.tenancy_id = t.id
            WHERE a.account_ref <> s.account_ref
            """,
        ]
        for (list, column, table, key, what) in [
            ("cards", "payment_card", "account_payment_cards", "card_number", "payment card"),
            ("legacy", "legacy_refs", "account_legacy_refs", "legacy_ref", "legacy reference"),
        ] {
            checks.append(
                """
                WITH \(unescaped: items)
                SELECT c.line, '\(unescaped: column)', c.item, 'the \(unescaped: what) is also given on line ' || min(o.line)
                FROM \(unescaped: list) c JOIN \(unescaped: list) o ON o.item = c.item AND o.line < c.line GROUP BY c.line, c.item
                """)
            checks.append(
                """
                WITH \(unescaped: items)
                SELECT c.line, '\(unescaped: column)', c.item, 'the \(unescaped: what) already belongs to account ' || a.account_ref
                FROM \(unescaped: list) c JOIN \(unescaped: table) k ON k.\(unescaped: key) = c.item JOIN rent_accounts a ON a.id = k.account_id
                WHERE a.account_ref <> c.account_ref
                """)
        }
        return checks
    }

    public static func apply(_ context: LoadContext) throws -> [String: Int] {
        let db = context.connection
        try db.execute("ALTER TABLE load_stage ADD COLUMN existed boolean")
        try db.execute("UPDATE load_stage s SET existed = EXISTS (SELECT 1 FROM rent_accounts a WHERE a.account_ref = s.account_ref)")
        let inserted = try db.execute(
            """
            INSERT INTO rent_accounts (account_ref, tenancy_id)
            SELECT s.account_ref, t.id FROM load_stage s JOIN tenancies t ON t.tenancy_ref = s.tenancy_ref
            WHERE NOT s.existed ORDER BY s.line
            """).affectedRows
        var counts = ["inserted": inserted, "unchanged": 0]
        for (list, table, key, action, label) in [
            ("cards", "account_payment_cards", "card_number", "add-payment-card", "payment cards added"),
            ("legacy", "account_legacy_refs", "legacy_ref", "add-legacy-ref", "legacy references added"),
        ] {
            let added = try db.query(
                """
                WITH \(unescaped: items),
                added AS (
                    INSERT INTO \(unescaped: table) (\(unescaped: key), account_id)
                    SELECT c.item, a.id FROM \(unescaped: list) c JOIN rent_accounts a ON a.account_ref = c.account_ref
                    ON CONFLICT (landlord, \(unescaped: key)) DO NOTHING RETURNING \(unescaped: key), account_id),
                audited AS (
                    INSERT INTO audit_events (action, entity, entity_ref, run_id, details)
                    SELECT '\(unescaped: action)', 'rent-account', a.account_ref, $1, jsonb_build_object('file', $2::text, 'value', d.\(unescaped: key))
                    FROM added d JOIN rent_accounts a ON a.id = d.account_id JOIN load_stage s ON s.account_ref = a.account_ref
                    WHERE s.existed RETURNING 1)
                SELECT (SELECT count(*) FROM added), (SELECT count(*) FROM audited)
                """, [context.runId, context.file])[0]
            counts[label] = Int(added.int64(0))
            counts["\(label) to existing accounts"] = Int(added.int64(1))
        }
        counts["unchanged"] = Int(try db.queryOne("SELECT count(*) FROM load_stage WHERE existed")!.int64(0))
        return counts
    }
}
