import Console
import Foundation
import HousingFinance
import Hub
import Postgres

/// The demo's console people, one per role, and how to open the console.
public enum ConsoleDemo {
    /// The demo's password for every demo person (never use it for real people).
    public static let password = "demo-password-2026"
    public static let people: [(name: String, role: ActingPerson.Role, limit: Money?)] = [
        ("demo.finance", .finance, nil), ("demo.payments", .payments, nil), ("demo.repairs", .repairs, Money(pence: 250_000)),
        ("demo.auditor", .auditor, nil), ("demo.income", .income, nil), ("demo.manager", .incomeManager, nil), ("demo.head", .headOfFinance, nil),
    ]

    /// Adds the demo people not yet there and says how to start and open the console.
    public static func users(on db: Connection, config: HubConfig, configFile: URL) throws -> String {
        let existing = Set(try ConsoleUsers.list(on: db).map(\.name))
        for person in people where !existing.contains(person.name) {
            try ConsoleUsers.add(name: person.name, role: person.role, limit: person.limit, password: password, on: db)
        }
        var text = "== The web console " + String(repeating: "=", count: 72) + "\n"
        text += "Start it (with the scheduler): .build/debug/hub serve --config \(configFile.path)\n"
        text += "Then open http://\(config.httpAddress):\(config.httpPort)/ and sign in as one of (password \(password)):\n"
        for person in people {
            text += "  \(person.name.padding(toLength: 15, withPad: " ", startingAt: 0)) \(person.role.rawValue)"
            if let limit = person.limit { text += ", approves held sales orders up to \(limit.formatted)" }
            if ConsoleAction.changeMandates.allowed(for: person.role) { text += ", adds, amends and cancels Direct Debit mandates" }
            if person.role.isIncome, let band = try WriteOffs.band(of: person.role.databaseRole, db: db) {
                text += ", works arrears cases (stages, agreements, write-off proposals), approves write-offs \(WriteOffBands.words(band.upTo))"
            }
            text += "\n"
        }
        text += "Add real people with: hub users add NAME --role \(ActingPerson.Role.allCases.map(\.rawValue).joined(separator: "|")) [--limit AMOUNT] (docs/console.md)\n"
        return text
    }
}
