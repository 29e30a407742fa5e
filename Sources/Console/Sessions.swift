import Foundation
import HousingFinance
import Hub
import Postgres

/// HMAC-SHA-256 (RFC 2104) over the hub's own SHA-256.
enum HMAC {
    static func sha256(key: [UInt8], message: [UInt8]) -> [UInt8] {
        var key = key.count > 64 ? SHA256.hash(key) : key
        key += [UInt8](repeating: 0, count: 64 - key.count)
        var inner = SHA256()
        inner.update(key.map { $0 ^ 0x36 })
        inner.update(message)
        var outer = SHA256()
        outer.update(key.map { $0 ^ 0x5c })
        outer.update(inner.finalize())
        return outer.finalize()
    }
}

/// A signed-in person's session: who, and the token every form must carry.
public struct ConsoleSession: Hashable, Sendable {
    public var id: String
    public var user: ConsoleUser
    public var csrfToken: String
}

/// Sessions kept in the database, named by a random id that the cookie carries signed:
/// `<id>.<HMAC-SHA-256 of the id, hex>`. A session unused for the idle time, or ended, lets no
/// one in; a cookie whose signature does not match is ignored.
public struct SessionStore: Sendable {
    public static let cookieName = "hub_session"
    let key: [UInt8]
    let idleMinutes: Int

    /// The signing key from the database, made (32 random bytes) by the first console to start.
    public static func open(settings: ConsoleSettings, on db: Connection) throws -> SessionStore {
        try db.execute(
            "INSERT INTO console_keys (name, secret) VALUES ('session', $1) ON CONFLICT (landlord, name) DO NOTHING", [randomHex(32)])
        let secret = try db.queryOne("SELECT secret FROM console_keys WHERE name = 'session'")!.decode(String.self, 0)
        return SessionStore(key: Array(secret.utf8), idleMinutes: settings.idleMinutes)
    }

    /// Random bytes as hex, from the system's secure generator.
    static func randomHex(_ count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return SHA256.hex((0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
    }

    func sign(_ id: String) -> String { id + "." + SHA256.hex(HMAC.sha256(key: key, message: Array(id.utf8))) }

    /// The session id of a cookie value whose signature holds.
    func verify(_ cookie: String) -> String? {
        let parts = cookie.split(separator: ".", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { return nil }
        let expected = Array(sign(parts[0]).utf8)
        let given = Array(cookie.utf8)
        guard expected.count == given.count else { return nil }
        // Compared in constant time.
        return zip(expected, given).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0 ? parts[0] : nil
    }

    /// Starts a session for a person; returns it and the cookie value.
    func start(for user: ConsoleUser, on db: Connection) throws -> (ConsoleSession, String) {
        let id = Self.randomHex(32)
        let csrf = Self.randomHex(32)
        try db.execute("INSERT INTO console_sessions (id, user_name, csrf_token) VALUES ($1, $2, $3)", [id, user.name, csrf])
        return (ConsoleSession(id: id, user: user, csrfToken: csrf), sign(id))
    }

    /// The live session of a cookie, touched (its idle time starts again); nil when the cookie
    /// is forged, the session ended or idled out, or the person is disabled.
    func resume(cookie: String, on db: Connection) throws -> ConsoleSession? {
        guard let id = verify(cookie) else { return nil }
        guard let row = try db.queryOne(
            """
            UPDATE console_sessions s SET last_seen_at = clock_timestamp()
            FROM console_users u
            WHERE s.id = $1 AND u.name = s.user_name AND s.ended_at IS NULL AND NOT u.disabled
              AND s.last_seen_at > clock_timestamp() - make_interval(mins => $2)
            RETURNING u.name, u.role, u.approval_limit_pence, u.disabled, s.csrf_token
            """, [id, idleMinutes])
        else { return nil }
        return ConsoleSession(id: id, user: try ConsoleUsers.user(row), csrfToken: try row.decode(String.self, 4))
    }

    /// Ends a session (sign out).
    func end(_ id: String, on db: Connection) throws {
        try db.execute("UPDATE console_sessions SET ended_at = clock_timestamp() WHERE id = $1 AND ended_at IS NULL", [id])
    }
}
