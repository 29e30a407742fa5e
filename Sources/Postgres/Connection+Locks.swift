import CLibPQ
import Foundation

/// A notification received on a channel the connection listens to.
public struct Notification: Hashable, Sendable {
    public var channel: String
    public var payload: String
    /// The server process that sent it.
    public var senderPID: Int32
}

extension Connection {
    /// Takes a session-level advisory lock if it is free; returns whether it was taken.
    /// The lock is held until `advisoryUnlock` or the end of the session.
    public func tryAdvisoryLock(_ key: Int64) throws -> Bool {
        try queryOne("SELECT pg_try_advisory_lock($1)", [key])!.decode(Bool.self, 0)
    }

    /// Waits for a session-level advisory lock.
    public func advisoryLock(_ key: Int64) throws {
        try execute("SELECT pg_advisory_lock($1)", [key])
    }

    /// Releases a session-level advisory lock; returns whether it was held.
    @discardableResult
    public func advisoryUnlock(_ key: Int64) throws -> Bool {
        try queryOne("SELECT pg_advisory_unlock($1)", [key])!.decode(Bool.self, 0)
    }

    /// Takes a transaction-level advisory lock if free (released at commit or rollback).
    public func tryAdvisoryTransactionLock(_ key: Int64) throws -> Bool {
        try queryOne("SELECT pg_try_advisory_xact_lock($1)", [key])!.decode(Bool.self, 0)
    }

    /// A stable 64-bit advisory-lock key for a name, computed by the server.
    public func advisoryKey(_ name: String) throws -> Int64 {
        try queryOne("SELECT hashtextextended($1, 20261122)", [name])!.decode(Int64.self, 0)
    }

    /// Starts listening on a channel.
    public func listen(_ channel: String) throws {
        try execute("LISTEN \(unescaped: quoteIdentifier(channel))")
    }

    /// Sends a notification on a channel (delivered at commit when inside a transaction).
    public func notify(_ channel: String, payload: String = "") throws {
        try execute("SELECT pg_notify($1, $2)", [channel, payload])
    }

    /// Waits up to `timeout` seconds for a notification on a listened channel.
    /// - Returns: the notification, or nil when none came in time.
    public func waitForNotification(timeout: TimeInterval) throws -> Notification? {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            guard PQconsumeInput(handle) == 1 else { throw lastError(nil) }
            if let notify = PQnotifies(handle) {
                defer { PQfreemem(notify) }
                return Notification(
                    channel: String(cString: notify.pointee.relname),
                    payload: String(cString: notify.pointee.extra),
                    senderPID: notify.pointee.be_pid)
            }
            let remaining = deadline.timeIntervalSinceNow
            if remaining <= 0 { return nil }
            var descriptor = pollfd(fd: PQsocket(handle), events: Int16(POLLIN), revents: 0)
            let waited = poll(&descriptor, 1, Int32(min(remaining, 3600) * 1000))
            if waited < 0 && errno != EINTR { throw PostgresError(.connection, message: "poll failed: \(String(cString: strerror(errno)))") }
        }
    }
}
