import Foundation
import Postgres

/// A PostgreSQL server for tests: the one named by a URL if given, else one throwaway embedded
/// cluster per test process, started on first use and stopped when the process exits. Each test
/// asks it for a fresh database of its own, so tests run in parallel without seeing each other.
public final class TestServer: @unchecked Sendable {
    /// Confined to `lock`.
    private static let lock = NSLock()
    nonisolated(unsafe) private static var shared: TestServer?
    nonisolated(unsafe) private static var clusterToStop: EmbeddedCluster?

    private let adminConnectionString: String
    private let makeConnectionString: @Sendable (String) -> String
    private let counterLock = NSLock()
    private var counter = 0

    private init(admin: String, make: @escaping @Sendable (String) -> String) {
        adminConnectionString = admin
        makeConnectionString = make
    }

    /// The server for this test process.
    /// - Parameter url: a server to use instead of an embedded one (the test harness passes
    ///   `HUB_TEST_DATABASE_URL`); databases are created on it, named `hubtest_...`.
    public static func shared(url: String? = nil) throws -> TestServer {
        lock.lock()
        defer { lock.unlock() }
        if let shared { return shared }
        let server: TestServer
        if let url, !url.isEmpty {
            server = TestServer(admin: url) { database in
                // Swap the database in a URL or key/value string.
                if url.contains("://") {
                    var components = URLComponents(string: url)!
                    components.path = "/" + database
                    return components.string!
                }
                return url + " dbname=\(database)"
            }
        } else {
            let directory = URL(fileURLWithPath: NSTemporaryDirectory())
                .appendingPathComponent("hub-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
            let cluster = try EmbeddedCluster.start(in: directory, port: Int.random(in: 20000...60000))
            clusterToStop = cluster
            try cluster.stopWhenProcessEnds(getpid())
            server = TestServer(admin: cluster.connectionString()) { cluster.connectionString(database: $0) }
        }
        shared = server
        return server
    }

    /// Creates a new empty database and returns its connection string.
    /// - Parameter template: copy this database instead of the empty template.
    public func createDatabase(template: String? = nil) throws -> String {
        counterLock.lock()
        counter += 1
        let name = "hubtest_\(getpid())_\(counter)_\(UInt16.random(in: 0...UInt16.max))"
        counterLock.unlock()
        let admin = try Connection(adminConnectionString)
        let source = template.map { " TEMPLATE \(admin.quoteIdentifier($0))" } ?? ""
        try admin.execute("CREATE DATABASE \(unescaped: admin.quoteIdentifier(name))\(unescaped: source)")
        return makeConnectionString(name)
    }

    /// The connection string of the server's maintenance database.
    public var adminConnection: String { adminConnectionString }
}
