import Foundation

/// A throwaway PostgreSQL cluster that the hub starts itself: `initdb` into a folder, a server on
/// a Unix socket in that folder (no TCP), its own port. Used by `hub demo` when no database is
/// configured, and by the test harness.
///
/// `initdb` and `postgres` refuse to run as root; when the hub runs as root (development machines
/// and CI here), the cluster runs as the unprivileged `postgres` user through `runuser`, and the
/// folder is given to that user.
public struct EmbeddedCluster: Sendable {
    /// The cluster's folder: `data/` (the cluster), the socket, `server.log`.
    public let directory: URL
    /// The port (it names the socket file; there is no TCP listener).
    public let port: Int

    /// The connection string for a database of this cluster.
    public func connectionString(database: String = "postgres") -> String {
        "host=\(directory.path) port=\(port) user=postgres dbname=\(database)"
    }

    /// The `psql` command that opens a database of this cluster.
    public func psqlCommand(database: String = "postgres") -> String {
        "psql \"\(connectionString(database: database))\""
    }

    /// The longest path of a Unix socket PostgreSQL accepts (its `sun_path`, less the final NUL).
    static let longestSocketPath = 107

    /// Refuses a folder whose socket path PostgreSQL would refuse, before anything is made there:
    /// otherwise `pg_ctl` only says that the server could not start.
    func checkSocketPath() throws {
        let socket = directory.appendingPathComponent(".s.PGSQL.\(port)").path
        let length = socket.utf8.count
        guard length > EmbeddedCluster.longestSocketPath else { return }
        throw EmbeddedClusterError(message: """
            the embedded cluster's folder \(directory.path) is too deep: its socket's path would be \
            \(length) bytes and PostgreSQL takes at most \(EmbeddedCluster.longestSocketPath). Name a shorter \
            folder with `embedded-database:` in hub.yaml, or move the project.
            """)
    }

    var dataDirectory: URL { directory.appendingPathComponent("data") }
    var logFile: URL { directory.appendingPathComponent("server.log") }

    /// Creates a cluster in `directory` (made if missing) unless one is there, and starts it
    /// unless it is running.
    /// - Parameters:
    ///   - directory: the folder for the cluster.
    ///   - port: the port; by default one derived from the folder, so that a restart finds it again.
    ///   - durable: false turns off fsync and full-page writes (fast, for tests and demos: a crash of
    ///     the machine may lose the cluster, a crash of a client never loses a commit).
    /// - Throws: `EmbeddedClusterError` with the tool's output when initdb or pg_ctl fail.
    public static func start(in folder: URL, port: Int? = nil, durable: Bool = false) throws -> EmbeddedCluster {
        let fm = FileManager.default
        try fm.createDirectory(at: folder, withIntermediateDirectories: true)
        let directory = canonical(folder)
        // A cluster made already listens where its own settings say, however its folder is named.
        let port = port ?? configuredPort(in: directory) ?? defaultPort(for: directory)
        let cluster = EmbeddedCluster(directory: directory, port: port)
        try cluster.checkSocketPath()
        let tools = try Tools.find()
        let user = ProcessUser.current
        if user.isRoot { try user.giveToPostgres(directory) }
        if !fm.fileExists(atPath: cluster.dataDirectory.appendingPathComponent("PG_VERSION").path) {
            try run(tools.initdb, [
                "-D", cluster.dataDirectory.path, "-U", "postgres", "--auth=trust", "--encoding=UTF8",
                "--locale=C", "--no-sync",
            ], asPostgres: user.isRoot, what: "initdb")
            var settings = """

                listen_addresses = ''
                unix_socket_directories = '\(directory.path)'
                port = \(port)
                max_connections = 100
                shared_buffers = 256MB
                max_wal_size = 4GB
                timezone = 'UTC'

                """
            if !durable {
                settings += "fsync = off\nfull_page_writes = off\nsynchronous_commit = off\n"
            }
            let conf = cluster.dataDirectory.appendingPathComponent("postgresql.conf")
            let handle = try FileHandle(forWritingTo: conf)
            try handle.seekToEnd()
            try handle.write(contentsOf: Data(settings.utf8))
            try handle.close()
        }
        if !cluster.isRunning(tools) {
            try run(tools.pgCtl, [
                "-D", cluster.dataDirectory.path, "-l", cluster.logFile.path, "-w", "-t", "60", "start",
            ], asPostgres: user.isRoot, what: "pg_ctl start")
        }
        return cluster
    }

    /// Makes and starts a hot standby of this cluster in `folder`: a base backup streamed from it
    /// (`pg_basebackup --write-recovery-conf`), then a server on its own socket and port that
    /// replays this cluster's changes as they are made and answers read-only queries (a streaming
    /// read replica, docs/scaling.md). For rehearsing a replica and for tests; production replicas
    /// are the DBA's.
    /// - Throws: `EmbeddedClusterError` with the tool's output when the backup or start fails.
    public func startStandby(in folder: URL, port: Int) throws -> EmbeddedCluster {
        let fm = FileManager.default
        try fm.createDirectory(at: folder, withIntermediateDirectories: true)
        let standby = EmbeddedCluster(directory: EmbeddedCluster.canonical(folder), port: port)
        try standby.checkSocketPath()
        let tools = try Tools.find()
        let user = ProcessUser.current
        if user.isRoot { try user.giveToPostgres(standby.directory) }
        try EmbeddedCluster.run(tools.baseBackup, [
            "-h", directory.path, "-p", String(self.port), "-U", "postgres", "-D", standby.dataDirectory.path,
            "--write-recovery-conf", "--wal-method=stream", "--checkpoint=fast", "--no-sync",
        ], asPostgres: user.isRoot, what: "pg_basebackup")
        // The primary's settings came with the backup; the last line of a setting wins.
        let settings = "\nunix_socket_directories = '\(standby.directory.path)'\nport = \(port)\nhot_standby = on\n"
        let handle = try FileHandle(forWritingTo: standby.dataDirectory.appendingPathComponent("postgresql.conf"))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(settings.utf8))
        try handle.close()
        try EmbeddedCluster.run(tools.pgCtl, [
            "-D", standby.dataDirectory.path, "-l", standby.logFile.path, "-w", "-t", "60", "start",
        ], asPostgres: user.isRoot, what: "pg_ctl start")
        return standby
    }

    /// The cluster in a folder, whether or not it exists or runs: its port is the one its settings
    /// name (else the one `start` would choose).
    public static func at(_ folder: URL) -> EmbeddedCluster {
        let directory = canonical(folder)
        return EmbeddedCluster(directory: directory, port: configuredPort(in: directory) ?? defaultPort(for: directory))
    }

    /// The folder's absolute path with `.` and `..` and symbolic links resolved: one folder, one name.
    static func canonical(_ folder: URL) -> URL {
        let absolute = folder.path.hasPrefix("/") ? folder : URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(folder.path)
        return absolute.standardizedFileURL.resolvingSymlinksInPath()
    }

    /// The port derived from the canonical folder, for a new cluster.
    static func defaultPort(for directory: URL) -> Int { 20000 + Int(stableHash(directory.path) % 30000) }

    /// The port a cluster's `postgresql.conf` sets (the last `port =` line), if it exists.
    static func configuredPort(in directory: URL) -> Int? {
        let conf = directory.appendingPathComponent("data/postgresql.conf")
        guard let text = try? String(contentsOf: conf, encoding: .utf8) else { return nil }
        var port: Int?
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if parts.count == 2, parts[0] == "port" { port = Int(parts[1].split(separator: "#").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? "") ?? port }
        }
        return port
    }

    /// Whether the server of this cluster is running.
    public var isRunning: Bool {
        guard EmbeddedCluster.exists(in: directory), let tools = try? Tools.find() else { return false }
        return isRunning(tools)
    }

    /// Stops the server (fast shutdown) and, if asked, deletes the folder.
    public func stop(removeFiles: Bool = false) throws {
        let tools = try Tools.find()
        if isRunning(tools) {
            try EmbeddedCluster.run(tools.pgCtl, ["-D", dataDirectory.path, "-m", "fast", "-w", "stop"],
                asPostgres: ProcessUser.current.isRoot, what: "pg_ctl stop")
        }
        if removeFiles { try? FileManager.default.removeItem(at: directory) }
    }

    /// Stops the cluster in `directory` if one is running there, and deletes the folder: a clean
    /// start for the demo. (Deleting the folder under a running server is not enough: the old
    /// server notices its lock file gone a while later and takes a new server's socket with it.)
    public static func remove(in directory: URL) throws {
        let cluster = EmbeddedCluster(directory: directory, port: 0)
        if exists(in: directory) {
            let tools = try Tools.find()
            if cluster.isRunning(tools) {
                try run(tools.pgCtl, ["-D", cluster.dataDirectory.path, "-m", "fast", "-w", "-t", "60", "stop"],
                    asPostgres: ProcessUser.current.isRoot, what: "pg_ctl stop")
            }
        }
        if FileManager.default.fileExists(atPath: directory.path) { try FileManager.default.removeItem(at: directory) }
    }

    /// Starts a watchdog that stops the server and deletes the folder once process `pid` has
    /// ended, however it ended (even by SIGKILL): for throwaway test clusters.
    public func stopWhenProcessEnds(_ pid: pid_t) throws {
        let tools = try Tools.find()
        let stop = (ProcessUser.current.isRoot ? "/usr/sbin/runuser -u postgres -- " : "")
            + "'\(tools.pgCtl)' -D '\(dataDirectory.path)' -m immediate stop"
        let script = "while kill -0 \(pid) 2>/dev/null; do sleep 1; done; \(stop) >/dev/null 2>&1; rm -rf '\(directory.path)'"
        var spawned: pid_t = 0
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let shellArguments: [String] = ["/bin/sh", "-c", script]
        let arguments = shellArguments.map { strdup($0) } + [nil]
        defer { for argument in arguments { free(argument) } }
        let result = posix_spawn(&spawned, "/bin/sh", &actions, nil, arguments, environ)
        guard result == 0 else { throw EmbeddedClusterError(message: "cannot start the cluster watchdog: \(String(cString: strerror(result)))") }
    }

    /// Whether a cluster exists in the folder.
    public static func exists(in directory: URL) -> Bool {
        FileManager.default.fileExists(atPath: directory.appendingPathComponent("data/PG_VERSION").path)
    }

    func isRunning(_ tools: Tools) -> Bool {
        (try? EmbeddedCluster.run(tools.pgCtl, ["-D", dataDirectory.path, "status"],
            asPostgres: ProcessUser.current.isRoot, what: "pg_ctl status")) != nil
    }

    // MARK: - Tools and processes

    struct Tools {
        var initdb: String
        var pgCtl: String
        /// `pg_basebackup`, beside the real `pg_ctl` (not a link to it on PATH).
        var baseBackup: String { URL(fileURLWithPath: pgCtl).resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("pg_basebackup").path }

        /// initdb and pg_ctl from PATH, else the newest Debian install under /usr/lib/postgresql.
        static func find() throws -> Tools {
            let fm = FileManager.default
            var candidates: [String] = []
            let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
            candidates += path.split(separator: ":").map(String.init)
            if let versions = try? fm.contentsOfDirectory(atPath: "/usr/lib/postgresql") {
                for version in versions.sorted(by: { (Int($0) ?? 0) > (Int($1) ?? 0) }) {
                    candidates.append("/usr/lib/postgresql/\(version)/bin")
                }
            }
            for folder in candidates {
                let initdb = folder + "/initdb", pgCtl = folder + "/pg_ctl"
                if fm.isExecutableFile(atPath: initdb) && fm.isExecutableFile(atPath: pgCtl) {
                    return Tools(initdb: initdb, pgCtl: pgCtl)
                }
            }
            throw EmbeddedClusterError(
                message: "cannot find initdb and pg_ctl on PATH or under /usr/lib/postgresql. "
                    + "Install the PostgreSQL server (Debian: apt-get install postgresql), or configure a database "
                    + "with HUB_DATABASE_URL.")
        }
    }

    struct ProcessUser {
        var isRoot: Bool
        static var current: ProcessUser { ProcessUser(isRoot: geteuid() == 0) }

        /// Gives the folder (and its parents' search permission) to the postgres user.
        func giveToPostgres(_ directory: URL) throws {
            guard let entry = getpwnam("postgres") else {
                throw EmbeddedClusterError(
                    message: "running as root, and there is no 'postgres' user to run the embedded cluster as "
                        + "(PostgreSQL refuses to run as root). Install the Debian postgresql package, which creates it, "
                        + "or run as an ordinary user.")
            }
            let uid = entry.pointee.pw_uid, gid = entry.pointee.pw_gid
            chown(directory.path, uid, gid)
            chmod(directory.path, 0o755)
            if let items = FileManager.default.enumerator(atPath: directory.path) {
                for case let item as String in items { chown(directory.appendingPathComponent(item).path, uid, gid) }
            }
        }
    }

    /// Runs a tool to completion with posix_spawn and waitpid, its output going to a temporary
    /// file (a pipe could be held open by the server that pg_ctl starts).
    @discardableResult
    static func run(_ tool: String, _ arguments: [String], asPostgres: Bool, what: String) throws -> String {
        let argv = asPostgres ? ["/usr/sbin/runuser", "-u", "postgres", "--", tool] + arguments : [tool] + arguments
        let outputPath = NSTemporaryDirectory() + "hub-\(what.replacingOccurrences(of: " ", with: "-"))-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).log"
        defer { unlink(outputPath) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let cArguments = argv.map { strdup($0) } + [nil]
        defer { for argument in cArguments { free(argument) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, argv[0], &actions, nil, cArguments, environ)
        guard spawned == 0 else {
            throw EmbeddedClusterError(message: "\(what): cannot start \(argv[0]): \(String(cString: strerror(spawned)))")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        let exited = status & 0x7f == 0
        let code = (status >> 8) & 0xff
        guard exited && code == 0 else {
            throw EmbeddedClusterError(message: "\(what) failed (status \(status)): \(text.suffix(2000))")
        }
        return text
    }

    static func stableHash(_ text: String) -> UInt64 {
        var hash: UInt64 = 14_695_981_039_346_656_037
        for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 1_099_511_628_211 }
        return hash
    }
}

/// The embedded cluster could not be made, started or stopped.
public struct EmbeddedClusterError: Error, Hashable, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
