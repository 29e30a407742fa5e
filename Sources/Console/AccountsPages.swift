import Foundation
import HousingFinance
import Hub
import Hummingbird
import Postgres

/// Accounts: search by reference, name, address or postcode; the statement with its running
/// balance (`AccountStatement`, as `hub accounts statement`), a print view, and the account's
/// payments and suspense allocations.
extension Console {
    struct AccountHit: Sendable {
        var reference: String
        var tenants: String
        var address: String
        var balancePence: Int64
    }

    /// Accounts whose reference, tenant, address or postcode contains the text (at most 50).
    static func searchAccounts(_ text: String, on db: Connection) throws -> [AccountHit] {
        let pattern = "%" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_") + "%"
        let compact = "%" + text.replacingOccurrences(of: " ", with: "").uppercased() + "%"
        return try db.query(
            """
            SELECT a.account_ref, array_to_string(t.tenants, ' and '), p.address || ', ' || p.postcode,
                   COALESCE((SELECT sum(amount_pence) FROM ledger_entries l WHERE l.account_id = a.id), 0)
            FROM rent_accounts a JOIN tenancies t ON t.id = a.tenancy_id JOIN properties p ON p.id = t.property_id
            WHERE a.account_ref LIKE $1 OR array_to_string(t.tenants, ' ') ILIKE $1 OR p.address ILIKE $1
               OR replace(upper(p.postcode), ' ', '') LIKE $2
            ORDER BY a.account_ref LIMIT 50
            """, [pattern, compact]
        ).map { AccountHit(reference: try $0.decode(String.self, 0), tenants: try $0.decode(String.self, 1), address: try $0.decode(String.self, 2), balancePence: try $0.decode(Int64.self, 3)) }
    }

    static func hitsTable(_ hits: [AccountHit], link: (AccountHit) -> String) -> String {
        HTML.table(
            headers: ["Account", "Tenants", "Address", "Balance"], numeric: [3],
            rows: hits.map { [link($0), HTML.escape($0.tenants), HTML.escape($0.address), HTML.escape(Show.money($0.balancePence))] }, id: "accounts")
    }

    func addAccounts(_ router: Router<ConsoleContext>) {
        page(router, "/accounts") { request, _, session in
            let q = Form.query(request)["q"]?.trimmingCharacters(in: .whitespaces) ?? ""
            var html = "<form method=\"get\" action=\"/accounts\" class=\"filters\">"
                + HTML.input("q", label: "Search accounts", value: q, hint: "Account reference, tenant's name, address or postcode", width: "30")
                + "<div class=\"govuk-form-group\"><button class=\"govuk-button\" id=\"search\" type=\"submit\">Search</button></div></form>"
            if q.count >= 2 {
                let hits = try await self.read(session.user.acting) { db in try Self.searchAccounts(q, on: db) }
                html += hits.isEmpty ? "<p>No account matches '\(HTML.escape(q))'.</p>" : Self.hitsTable(hits) { HTML.link($0.reference, "/accounts/\($0.reference)") }
                if hits.count == 50 { html += "<p>The first 50 matches; search for more of the name or reference.</p>" }
            } else if !q.isEmpty {
                html += HTML.notice("Enter at least 2 characters", ok: false)
            }
            return self.render("Accounts", session: session, section: .accounts, body: html)
        }

        page(router, "/accounts/:ref") { request, context, session in
            let reference = try context.parameters.require("ref")
            let query = Form.query(request)
            let from = query["from"].flatMap { Day(iso: $0) }
            let to = query["to"].flatMap { Day(iso: $0) }
            let printing = query["print"] == "1"
            let readsSuspense = Section.payments.open(to: session.user.role)
            let (statement, suspense) = try await self.read(session.user.acting) { db -> (AccountStatement, [SuspenseItem]) in
                let statement = try AccountStatement.load(account: reference, from: from, to: to, on: db)
                guard readsSuspense else { return (statement, []) }
                let ids = try db.query(
                    "SELECT s.id FROM suspense_items s JOIN rent_accounts a ON a.id = s.account_id WHERE a.account_ref = $1 ORDER BY s.id", [reference])
                return (statement, try ids.compactMap { try SuspenseItem.find(try $0.decode(Int64.self, 0), on: db) })
            }
            let balance = statement.closingBalancePence
            var html = HTML.summary([
                ("Tenants", HTML.escape(statement.tenants.joined(separator: " and "))), ("Address", HTML.escape(statement.address)),
                ("Balance", "<strong id=\"balance\">\(HTML.escape(Show.money(balance)))</strong> " + (balance > 0 ? HTML.tag("arrears", ok: false) : balance < 0 ? HTML.tag("in credit", ok: nil) : "")),
            ])
            if !printing {
                html += "<form method=\"get\" action=\"/accounts/\(HTML.escape(reference))\" class=\"filters\">"
                    + HTML.input("from", label: "From", value: from?.iso ?? "", hint: "YYYY-MM-DD", width: "10")
                    + HTML.input("to", label: "To", value: to?.iso ?? "", hint: "YYYY-MM-DD", width: "10")
                    + "<div class=\"govuk-form-group\"><button class=\"govuk-button govuk-button--secondary\" type=\"submit\">Show</button></div></form>"
                var printLink = "/accounts/\(reference)?print=1"
                if let from { printLink += "&from=\(from.iso)" }
                if let to { printLink += "&to=\(to.iso)" }
                html += "<p class=\"noprint\"><a class=\"govuk-link\" id=\"print-view\" href=\"\(HTML.escape(printLink))\">Print view</a>"
                if Section.arrears.open(to: session.user.role) {
                    html += " | <a class=\"govuk-link\" id=\"arrears-case\" href=\"/arrears/cases/\(HTML.escape(reference))\">Arrears position and case</a>"
                }
                if Section.directDebit.open(to: session.user.role) {
                    html += " | <a class=\"govuk-link\" id=\"dd-mandate\" href=\"/direct-debit/mandates/\(HTML.escape(reference))\">Direct Debit</a>"
                }
                if ConsoleAction.changeMandates.allowed(for: session.user.role) {
                    html += " | <a class=\"govuk-link\" id=\"add-mandate\" href=\"/direct-debit/new-mandate?account=\(HTML.escape(reference))\">Add a Direct Debit mandate</a>"
                }
                html += "</p>"
            }
            html += "<h2>Statement</h2><p>Balance brought forward\(HTML.escape(from.map { " at \(Show.day($0))" } ?? "")): \(HTML.escape(Show.money(statement.balanceBroughtForwardPence)))</p>"
            html += HTML.table(
                headers: ["Date", "Code", "Description", "Amount", "Balance", "Run"], numeric: [3, 4, 5],
                rows: statement.entries.map {
                    [HTML.escape(Show.day($0.date)), HTML.escape($0.code), HTML.escape($0.description), HTML.escape(Show.money($0.amountPence)),
                     HTML.escape(Show.money($0.balancePence)), printing ? String($0.runId) : HTML.link(String($0.runId), "/runs/\($0.runId)")]
                }, id: "statement")
            html += "<p>Closing balance: \(HTML.escape(Show.money(balance))); \(HTML.escape(Wording.count(statement.entries.count, "entry"))).</p>"
            if !printing && !suspense.isEmpty {
                html += "<h2>Suspense allocated to this account</h2>" + HTML.table(
                    headers: ["Item", "Date", "Amount", "Reference", "Status", "Run", "Note"], numeric: [2],
                    rows: suspense.map { [HTML.link(String($0.id), "/payments/suspense/\($0.id)"), HTML.escape(Show.day($0.date)), HTML.escape(Show.money($0.amountPence)),
                                          HTML.escape($0.reference), HTML.escape($0.status), $0.resolvedRunId.map { HTML.link(String($0), "/runs/\($0)") } ?? "", HTML.escape($0.note ?? "")] })
            }
            return self.render("Rent account \(reference)", session: session, section: .accounts, body: html, print: printing)
        }
    }
}
