import Foundation
import HousingFinance
import Hub
import HummingbirdBcrypt
import Postgres

/// A person who may sign in to the console (`hub users`).
public struct ConsoleUser: Hashable, Sendable, Codable {
    public var name: String
    public var role: ActingPerson.Role
    /// What they may approve of a held sales order; nil: their role's limit.
    public var approvalLimit: Money?
    public var disabled: Bool

    enum CodingKeys: String, CodingKey {
        case name, role, disabled
        case approvalLimit = "approvalLimitPence"
    }

    /// The person as the database sees them when the console acts for them.
    public var acting: ActingPerson { ActingPerson(name: name, role: role) }
}

/// The console's people in the database: added, given passwords, disabled (never deleted, so
/// that their name on runs and decisions always means someone). Used by `hub users` and sign-in.
public enum ConsoleUsers {
    /// bcrypt's cost: 2^12 rounds, about a quarter of a second on this kind of machine.
    public static let cost: UInt8 = 12

    /// Refuses a password that is too short to be one (the rest is the organisation's policy).
    public static func checkPassword(_ password: String) throws {
        guard password.count >= 12 else { throw RunError(.badInput, "the password must be at least 12 characters (it has \(password.count))") }
        guard password.utf8.count <= 72 else { throw RunError(.badInput, "the password must be at most 72 bytes (bcrypt reads no more)") }
    }

    /// Adds a person.
    /// - Throws: `RunError.badInput` (bad name or password), `.alreadyCompleted` (the name exists).
    @discardableResult
    public static func add(name: String, role: ActingPerson.Role, limit: Money?, password: String, on db: Connection) throws -> ConsoleUser {
        guard name.range(of: "^[a-z][a-z0-9._-]{1,39}$", options: .regularExpression) != nil else {
            throw RunError(.badInput, "'\(name.prefix(40))' is not a user name: 2 to 40 lower-case letters, digits, '.', '_' or '-', starting with a letter")
        }
        try checkPassword(password)
        if try db.queryOne("SELECT 1 FROM console_users WHERE name = $1", [name]) != nil {
            throw RunError(.alreadyCompleted, "there is already a user \(name) (hub users password \(name) to change the password)")
        }
        let hash = Bcrypt.hash(password, cost: cost)
        try db.execute("BEGIN")
        do {
            try db.execute(
                "INSERT INTO console_users (name, role, approval_limit_pence, password_hash) VALUES ($1, $2, $3, $4)",
                [name, role.rawValue, limit?.pence, hash])
            try db.execute(
                "INSERT INTO audit_events (action, entity, entity_ref, details) VALUES ('add', 'console-user', $1, jsonb_build_object('role', $2::text, 'limit_pence', $3::bigint))",
                [name, role.rawValue, limit?.pence])
            try db.execute("COMMIT")
        } catch {
            _ = try? db.execute("ROLLBACK")
            throw error
        }
        return ConsoleUser(name: name, role: role, approvalLimit: limit, disabled: false)
    }

    /// Sets a new password and ends the person's sessions.
    public static func setPassword(name: String, password: String, on db: Connection) throws {
        try checkPassword(password)
        let hash = Bcrypt.hash(password, cost: cost)
        try change(name, action: "password", on: db) {
            try db.execute(
                "UPDATE console_users SET password_hash = $2, failed_signins = 0, changed_at = clock_timestamp() WHERE name = $1", [name, hash])
        }
    }

    /// Disables a person: they cannot sign in and their sessions end at once.
    public static func disable(name: String, on db: Connection) throws {
        try change(name, action: "disable", on: db) {
            try db.execute("UPDATE console_users SET disabled = true, changed_at = clock_timestamp() WHERE name = $1", [name])
        }
    }

    private static func change(_ name: String, action: String, on db: Connection, _ body: () throws -> Void) throws {
        try db.execute("BEGIN")
        do {
            guard try db.queryOne("SELECT 1 FROM console_users WHERE name = $1 FOR UPDATE", [name]) != nil else {
                throw RunError(.notFound, "there is no user \(name) (hub users list)")
            }
            try body()
            try db.execute("UPDATE console_sessions SET ended_at = clock_timestamp() WHERE user_name = $1 AND ended_at IS NULL", [name])
            try db.execute("INSERT INTO audit_events (action, entity, entity_ref) VALUES ($1, 'console-user', $2)", [action, name])
            try db.execute("COMMIT")
        } catch {
            _ = try? db.execute("ROLLBACK")
            throw error
        }
    }

    /// Every person, by name.
    public static func list(on db: Connection) throws -> [ConsoleUser] {
        try db.query("SELECT name, role, approval_limit_pence, disabled FROM console_users ORDER BY name").map(user)
    }

    static func user(_ row: Row) throws -> ConsoleUser {
        ConsoleUser(
            name: try row.decode(String.self, 0), role: ActingPerson.Role(rawValue: try row.decode(String.self, 1)) ?? .auditor,
            approvalLimit: try row.decode(Int64?.self, 2).map { Money(pence: $0) }, disabled: try row.decode(Bool.self, 3))
    }

    /// Why a sign-in was refused (the same words for a wrong name and a wrong password).
    public enum SignInRefusal: Error, Equatable, Sendable {
        case wrong
        case lockedOut(minutes: Int)
    }

    /// Checks a name and password; counts failures and refuses a name for `lockoutMinutes` after
    /// `attempts` failures in a row.
    public static func signIn(name: String, password: String, settings: ConsoleSettings, on db: Connection) throws -> Result<ConsoleUser, SignInRefusal> {
        guard let row = try db.queryOne(
            """
            SELECT name, role, approval_limit_pence, disabled, password_hash, failed_signins,
                   COALESCE(last_failed_signin_at > clock_timestamp() - make_interval(mins => $2), false)
            FROM console_users WHERE name = $1
            """, [name, settings.lockoutMinutes])
        else {
            // The same work as for a real person, so that timing does not tell which names exist.
            _ = Bcrypt.verify(password, hash: "$2b$12$C6UzMDM.H6dfI/f/IKxGhuE8M1qJ2mYbqVQWlvYVvNbmHMAcJ2uFa")
            return .failure(.wrong)
        }
        let user = try user(row)
        let failures = try row.decode(Int32.self, 5)
        let recentFailure = try row.decode(Bool.self, 6)
        if failures >= settings.signInAttempts && recentFailure { return .failure(.lockedOut(minutes: settings.lockoutMinutes)) }
        guard !user.disabled, Bcrypt.verify(password, hash: try row.decode(String.self, 4)) else {
            try db.execute(
                """
                UPDATE console_users SET last_failed_signin_at = clock_timestamp(),
                    failed_signins = CASE WHEN COALESCE(last_failed_signin_at > clock_timestamp() - make_interval(mins => $2), false)
                                          THEN failed_signins + 1 ELSE 1 END
                WHERE name = $1
                """, [name, settings.lockoutMinutes])
            return .failure(.wrong)
        }
        if failures > 0 { try db.execute("UPDATE console_users SET failed_signins = 0 WHERE name = $1", [name]) }
        return .success(user)
    }
}
