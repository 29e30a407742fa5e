import Foundation
import HousingFinance
import Postgres

/// An outbound interface file as stored with its run.
public struct OutboundFile: Codable, Hashable, Sendable {
    public var id: Int64
    public var interface: String
    public var sequence: Int64
    public var fileName: String
    public var sha256: String
    public var controlTotals: [String: String]
    public var runId: Int64
    public var size: Int
    /// Where it was last written, if it has been delivered.
    public var deliveredPath: String?

    static let columns = """
        f.id, f.interface, f.sequence, f.file_name, f.sha256, f.control_totals::text, f.run_id, length(f.content),
        (SELECT path FROM outbound_deliveries d WHERE d.file_id = f.id ORDER BY d.id DESC LIMIT 1)
        """

    init(_ row: Row) throws {
        id = try row.decode(Int64.self, 0)
        interface = try row.decode(String.self, 1)
        sequence = try row.decode(Int64.self, 2)
        fileName = try row.decode(String.self, 3)
        sha256 = try row.decode(String.self, 4)
        controlTotals = try JSONDecoder().decode([String: String].self, from: Data(try row.decode(String.self, 5).utf8))
        runId = try row.decode(Int64.self, 6)
        size = try row.decode(Int.self, 7)
        deliveredPath = try row.decode(String?.self, 8)
    }

    /// The control totals that are amounts of money (stored as the file writes them, `1234.56`).
    static let moneyTotals: Set<String> = ["debits", "credits", "control-movement", "ledger-movement", "total"]

    /// The control totals as people read them, in key order: amounts as `£1,234.56`.
    public var controlTotalsText: [(key: String, value: String)] {
        controlTotals.keys.sorted().map { key in
            let value = controlTotals[key]!
            guard Self.moneyTotals.contains(key), let money = try? Money(parsing: value) else { return (key, value) }
            return (key, money.formatted)
        }
    }

    /// Makes a file inside a run's transaction: takes the interface's next sequence number (gap-free:
    /// the counter stays locked until the run commits, and a rollback gives the number back), builds
    /// the content for it, and stores content, SHA-256 and control totals with the run. Deliver it
    /// with `OutboundDelivery` after the run has committed.
    /// - Parameters:
    ///   - interface: the interface's name and outbox folder (`gl-journal`, `council-tax`, `ods-sales-orders`).
    ///   - context: the run.
    ///   - make: given the sequence number, the file's name, bytes and control totals.
    public static func store(
        interface: String, in context: RunContext,
        make: (Int64) throws -> (fileName: String, content: [UInt8], controlTotals: [String: String])
    ) throws -> OutboundFile {
        let db = context.connection
        let sequence = try db.queryOne(
            """
            INSERT INTO outbound_sequences (interface, last_sequence) VALUES ($1, 1)
            ON CONFLICT (landlord, interface) DO UPDATE SET last_sequence = outbound_sequences.last_sequence + 1
            RETURNING last_sequence
            """, [interface])!.decode(Int64.self, 0)
        let made = try make(sequence)
        guard !made.fileName.contains("/"), !made.fileName.hasPrefix(".") else {
            throw RunError(.badInput, "an outbound file name may not contain '/' or start with '.': \(made.fileName)")
        }
        let totals = try HubJSON.text(made.controlTotals)
        let id = try db.queryOne(
            """
            INSERT INTO outbound_files (interface, sequence, file_name, content, sha256, control_totals, run_id)
            VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7) RETURNING id
            """, [interface, sequence, made.fileName, made.content, SHA256.hex(SHA256.hash(made.content)), totals, context.runId])!.decode(Int64.self, 0)
        return try find(id: id, on: db)!
    }

    /// Reads one file's record.
    public static func find(id: Int64, on db: Connection) throws -> OutboundFile? {
        try db.queryOne("SELECT \(unescaped: columns) FROM outbound_files f WHERE f.id = $1", [id]).map(OutboundFile.init)
    }

    /// Reads one file's record by interface and sequence number.
    public static func find(interface: String, sequence: Int64, on db: Connection) throws -> OutboundFile? {
        try db.queryOne("SELECT \(unescaped: columns) FROM outbound_files f WHERE f.interface = $1 AND f.sequence = $2", [interface, sequence])
            .map(OutboundFile.init)
    }

    /// Lists files, newest first.
    public static func list(interface: String?, on db: Connection) throws -> [OutboundFile] {
        try db.query(
            "SELECT \(unescaped: columns) FROM outbound_files f WHERE ($1::text IS NULL OR f.interface = $1) ORDER BY f.interface, f.sequence DESC",
            [interface]
        ).map(OutboundFile.init)
    }

    /// A stored file's bytes, exactly as stored.
    public static func content(id: Int64, on db: Connection) throws -> [UInt8] {
        guard let row = try db.queryOne("SELECT content FROM outbound_files WHERE id = $1", [id]) else {
            throw RunError(.notFound, "there is no outbound file \(id)")
        }
        return try row.decode([UInt8].self, 0)
    }

    /// The files of one run.
    public static func files(ofRun runId: Int64, on db: Connection) throws -> [OutboundFile] {
        try db.query("SELECT \(unescaped: columns) FROM outbound_files f WHERE f.run_id = $1 ORDER BY f.id", [runId]).map(OutboundFile.init)
    }
}

/// Writes stored outbound files to the outbox, exactly as stored: under a temporary name, fsynced,
/// then renamed (and the folder fsynced), so that a receiver never sees half a file. Files are
/// readable by owner and group only (0640). A file lost between commit and rename is written again
/// from the database by `deliverPending` (at every start of `hub serve`, after every export, and by
/// `hub exports redeliver`), byte for byte the same.
public struct OutboundDelivery: Sendable {
    /// The outbox root; each interface has its own folder below it.
    public let outbox: URL

    public init(outbox: URL) { self.outbox = outbox }

    /// Writes one stored file and records the delivery.
    /// - Returns: the path written.
    @discardableResult
    public func deliver(fileId: Int64, on db: Connection) throws -> String {
        guard let row = try db.queryOne(
            "SELECT interface, file_name, length(content), sha256 FROM outbound_files WHERE id = $1", [fileId])
        else { throw RunError(.notFound, "there is no outbound file \(fileId)") }
        let interface = try row.decode(String.self, 0)
        let name = try row.decode(String.self, 1)
        let size = try row.decode(Int64.self, 2)
        let folder = outbox.appendingPathComponent(interface)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let final = folder.appendingPathComponent(name)
        let temporary = folder.appendingPathComponent(".\(name).part")
        // Read in slices, so that a large file (a Direct Debit file of 200,000 collections) is never
        // held whole; the SHA-256 is checked before the rename.
        var hash = SHA256()
        try OutboundDelivery.writeDurably(temporary: temporary, final: final, verify: {
            guard SHA256.hex(hash.finalize()) == (try row.decode(String.self, 3)) else {
                throw RunError(.refused, "outbound file \(fileId) (\(name)) does not match its stored SHA-256; it was not written")
            }
        }) { write in
            var offset: Int64 = 0
            repeat {
                let slice = try db.queryOne(
                    "SELECT substring(content FROM \(offset + 1)::int FOR \(Self.sliceSize)::int) FROM outbound_files WHERE id = \(fileId)")!.decode([UInt8].self, 0)
                hash.update(slice)
                try write(slice)
                offset += Int64(slice.count)
                if slice.isEmpty { break }
            } while offset < size
        }
        try db.execute("INSERT INTO outbound_deliveries (file_id, path) VALUES ($1, $2)", [fileId, final.path])
        return final.path
    }

    /// How many bytes of a stored file are read at a time.
    static let sliceSize: Int64 = 1 << 20

    /// Delivers every stored file that has never been delivered, oldest first.
    /// - Returns: the paths written.
    @discardableResult
    public func deliverPending(on db: Connection) throws -> [String] {
        let pending = try db.query(
            "SELECT f.id FROM outbound_files f WHERE NOT EXISTS (SELECT 1 FROM outbound_deliveries d WHERE d.file_id = f.id) ORDER BY f.id")
        return try pending.map { try deliver(fileId: try $0.decode(Int64.self, 0), on: db) }
    }

    /// Writes a file under a temporary name from what `produce` hands to its writer, fsyncs it,
    /// runs `verify`, then renames it into place and fsyncs the folder.
    static func writeDurably(
        temporary: URL, final: URL, verify: () throws -> Void, produce: (_ write: ([UInt8]) throws -> Void) throws -> Void
    ) throws {
        let fd = open(temporary.path, O_WRONLY | O_CREAT | O_TRUNC, 0o640)
        guard fd >= 0 else { throw RunError(.refused, "cannot write \(temporary.path): \(String(cString: strerror(errno)))") }
        var closed = false
        defer { if !closed { close(fd) } }
        try produce { content in
            var written = 0
            while written < content.count {
                let n = content.withUnsafeBytes { write(fd, $0.baseAddress! + written, content.count - written) }
                if n < 0 {
                    if errno == EINTR { continue }
                    throw RunError(.refused, "cannot write \(temporary.path): \(String(cString: strerror(errno)))")
                }
                written += n
            }
        }
        fchmod(fd, 0o640)
        guard fsync(fd) == 0 else {
            throw RunError(.refused, "cannot fsync \(temporary.path): \(String(cString: strerror(errno)))")
        }
        close(fd)
        closed = true
        do { try verify() } catch {
            unlink(temporary.path)
            throw error
        }
        guard rename(temporary.path, final.path) == 0 else {
            throw RunError(.refused, "cannot rename \(temporary.path) to \(final.lastPathComponent): \(String(cString: strerror(errno)))")
        }
        let folder = open(final.deletingLastPathComponent().path, O_RDONLY)
        if folder >= 0 { fsync(folder); close(folder) }
    }
}
