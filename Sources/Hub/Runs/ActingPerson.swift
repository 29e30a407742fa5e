import Foundation
import Postgres

/// A person the hub works for through a login role that speaks for people (the web console's):
/// their database role, so that the database enforces what they may do, and their name, which
/// every run, decision and audit event records (`hub_actor()`, migration 0022).
public struct ActingPerson: Hashable, Sendable {
    /// The database roles a person may act under.
    public enum Role: String, CaseIterable, Codable, Sendable {
        case finance, payments, repairs, auditor
        /// The income team (0021): works arrears cases; approves write-offs within its band.
        case income, incomeManager = "income_manager", headOfFinance = "head_of_finance"

        /// The NOLOGIN database role (0001_platform.sql, 0021_arrears.sql).
        public var databaseRole: String { "hub_\(rawValue)" }

        /// Whether the role is one of the income team's.
        public var isIncome: Bool { self == .income || self == .incomeManager || self == .headOfFinance }

        /// The roles in words, for help and errors: `finance, payments, ... or head_of_finance`.
        public static var words: String { allCases.dropLast().map(\.rawValue).joined(separator: ", ") + " or " + allCases.last!.rawValue }
    }

    public var name: String
    public var role: Role

    public init(name: String, role: Role) {
        self.name = name
        self.role = role
    }

    /// Sets the connection's role and the name it records, for the rest of its session.
    public func apply(to connection: Connection) throws {
        try connection.execute("SET ROLE \(unescaped: role.databaseRole)")
        _ = try connection.queryOne("SELECT set_config('hub.actor', $1, false)", [name])
    }

    /// Sets the role and name for the current transaction only (`SET LOCAL`): for reads on a
    /// pooled connection inside `BEGIN ... COMMIT`.
    public func applyLocally(to connection: Connection) throws {
        try connection.execute("SET LOCAL ROLE \(unescaped: role.databaseRole)")
        _ = try connection.queryOne("SELECT set_config('hub.actor', $1, true)", [name])
    }
}
