import Dispatch
import Foundation

/// A small pool of connections for concurrent work. Each connection is lent to one caller at a
/// time; broken connections are dropped and replaced.
///
/// The pool's state is confined to `lock`, which is why it is `@unchecked Sendable`.
public final class ConnectionPool: @unchecked Sendable {
    private let connectionString: String
    private let applicationName: String
    private let prepare: @Sendable (Connection) throws -> Void
    private let lock = NSLock()
    private let available: DispatchSemaphore
    private var idle: [Connection] = []
    /// The most connections open at once.
    public let capacity: Int

    /// Creates a pool; connections are opened when first needed, each prepared once by `prepare`
    /// (session settings) before it is first lent.
    public init(
        _ connectionString: String, capacity: Int = 4, applicationName: String = "hub", prepare: @escaping @Sendable (Connection) throws -> Void = { _ in }
    ) {
        self.connectionString = connectionString
        self.applicationName = applicationName
        self.prepare = prepare
        self.capacity = capacity
        self.available = DispatchSemaphore(value: capacity)
    }

    /// Lends a connection to `body` on the calling thread and takes it back after.
    public func withConnection<T>(_ body: (Connection) throws -> T) throws -> T {
        available.wait()
        defer { available.signal() }
        let connection = try take()
        defer { giveBack(connection) }
        return try body(connection)
    }

    /// Lends a connection to `body` on a Dispatch queue (never on the Swift concurrency pool, whose
    /// few threads must not block on the network) and resumes the caller with its result.
    public func withConnection<T: Sendable>(_ body: @escaping @Sendable (Connection) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try self.withConnection(body) })
            }
        }
    }

    private func take() throws -> Connection {
        lock.lock()
        while let connection = idle.popLast() {
            if connection.isHealthy && !connection.inTransaction {
                lock.unlock()
                return connection
            }
        }
        lock.unlock()
        let connection = try Connection(connectionString, applicationName: applicationName)
        try prepare(connection)
        return connection
    }

    private func giveBack(_ connection: Connection) {
        guard connection.isHealthy, !connection.inTransaction else { return }
        lock.lock()
        idle.append(connection)
        lock.unlock()
    }
}
