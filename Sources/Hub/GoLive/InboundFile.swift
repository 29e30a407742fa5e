import Foundation
import HousingFinance
import Postgres

/// An inbound file a run reads (a load, a payment file, an ODS completions file): kept with the
/// run, content and hash, so that the run can be done again from its own input (`hub runs replay`).
public struct InboundFile: Sendable, Hashable {
    /// Where the content is while the run reads it.
    public enum Source: Sendable, Hashable {
        case bytes([UInt8])
        case file(URL)
    }

    /// What the file is (`properties`, `payments`, `ods-completed-jobs`...).
    public var kind: String
    /// The file's name as given.
    public var fileName: String
    /// The SHA-256 (hex) of the content, as the run computed it.
    public var sha256: String
    public var source: Source

    public init(kind: String, fileName: String, sha256: String, source: Source) {
        self.kind = kind
        self.fileName = fileName
        self.sha256 = sha256
        self.source = source
    }
}

/// The stored inbound files: written in the run's transaction, read back for a replay.
public enum InboundFileStore {
    /// Files are stored in pieces of this many bytes, so that memory stays flat however large.
    static let chunkSize = 1 << 20

    /// Keeps the file's content (once per SHA-256) and links it to the run. Called by the run
    /// framework inside the run's transaction.
    /// - Throws: `RunError.badInput` when the file changed after the run hashed it.
    public static func store(_ file: InboundFile, runId: Int64, on db: Connection) throws {
        if try db.queryOne("SELECT 1 FROM inbound_files WHERE sha256 = \(file.sha256)") == nil {
            switch file.source {
            case .bytes(let bytes):
                let chunks = (bytes.count + chunkSize - 1) / chunkSize
                try header(file, size: Int64(bytes.count), chunks: chunks, on: db)
                for seq in 0..<chunks {
                    let piece = Array(bytes[(seq * chunkSize)..<min(bytes.count, (seq + 1) * chunkSize)])
                    try db.execute("INSERT INTO inbound_file_chunks (sha256, seq, bytes) VALUES (\(file.sha256), \(seq), \(piece))")
                }
            case .file(let url):
                let size = try (FileManager.default.attributesOfItem(atPath: url.path)[.size] as? NSNumber)?.int64Value ?? 0
                let chunks = Int((size + Int64(chunkSize) - 1) / Int64(chunkSize))
                try header(file, size: size, chunks: chunks, on: db)
                let handle = try FileHandle(forReadingFrom: url)
                defer { try? handle.close() }
                // The run hashed the file when it started; hashing it again here would double the
                // hot path's cost. A file that changed size since is refused; one changed in place is
                // caught when the stored copy is read back (`write(sha256:to:on:)` checks the hash).
                var seq = 0
                var stored: Int64 = 0
                while let piece = try handle.read(upToCount: chunkSize), !piece.isEmpty {
                    try db.execute("INSERT INTO inbound_file_chunks (sha256, seq, bytes) VALUES (\(file.sha256), \(seq), \([UInt8](piece)))")
                    stored += Int64(piece.count)
                    seq += 1
                }
                guard stored == size, seq == chunks else {
                    throw RunError(.badInput, "\(file.fileName) changed while it was being read (it was \(size) bytes, now \(stored)): leave the file alone until its run has finished, then run it again")
                }
            }
        }
        try db.execute("INSERT INTO run_inputs (run_id, sha256) VALUES (\(runId), \(file.sha256)) ON CONFLICT DO NOTHING")
    }

    private static func header(_ file: InboundFile, size: Int64, chunks: Int, on db: Connection) throws {
        try db.execute(
            """
            INSERT INTO inbound_files (sha256, kind, file_name, size_bytes, chunks)
            VALUES (\(file.sha256), \(file.kind), \(file.fileName), \(size), \(chunks))
            """)
    }

    /// The stored file a run read, if any: its kind, name and hash.
    public static func input(ofRun runId: Int64, on db: Connection) throws -> (kind: String, fileName: String, sha256: String, size: Int64)? {
        guard let row = try db.queryOne(
            """
            SELECT f.kind, f.file_name, f.sha256, f.size_bytes FROM run_inputs i JOIN inbound_files f ON f.sha256 = i.sha256
            WHERE i.run_id = \(runId) ORDER BY f.stored_at LIMIT 1
            """)
        else { return nil }
        return (try row.decode(String.self, 0), try row.decode(String.self, 1), try row.decode(String.self, 2), try row.decode(Int64.self, 3))
    }

    /// Writes a stored file to `url`, piece by piece, and checks its hash.
    /// - Throws: `RunError.notFound` when the file was never stored; `.refused` when what is stored
    ///   no longer has its hash (tampering).
    public static func write(sha256: String, to url: URL, on db: Connection) throws {
        guard let row = try db.queryOne("SELECT chunks FROM inbound_files WHERE sha256 = \(sha256)") else {
            throw RunError(.notFound, "no inbound file with SHA-256 \(sha256.prefix(16))... is stored")
        }
        let chunks = try row.decode(Int.self, 0)
        guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
            throw RunError(.badInput, "cannot write \(url.path): check the folder and its permissions")
        }
        let handle = try FileHandle(forWritingTo: url)
        defer { try? handle.close() }
        var hash = SHA256()
        for seq in 0..<chunks {
            guard let piece = try db.queryOne("SELECT bytes FROM inbound_file_chunks WHERE sha256 = \(sha256) AND seq = \(seq)") else {
                throw RunError(.refused, "the stored file \(sha256.prefix(16))... is missing its piece \(seq)")
            }
            let bytes = try piece.decode([UInt8].self, 0)
            hash.update(bytes)
            try handle.write(contentsOf: Data(bytes))
        }
        guard hash.hex == sha256 else {
            throw RunError(.refused, "the stored file \(sha256.prefix(16))... no longer has its SHA-256: it was changed after it was stored")
        }
    }

    /// A stored file's whole content (for files small enough to hold: loads, ODS files).
    public static func content(sha256: String, on db: Connection) throws -> [UInt8] {
        guard try db.queryOne("SELECT 1 FROM inbound_files WHERE sha256 = \(sha256)") != nil else {
            throw RunError(.notFound, "no inbound file with SHA-256 \(sha256.prefix(16))... is stored")
        }
        var bytes: [UInt8] = []
        for row in try db.query("SELECT bytes FROM inbound_file_chunks WHERE sha256 = \(sha256) ORDER BY seq") {
            bytes += try row.decode([UInt8].self, 0)
        }
        guard SHA256.hex(SHA256.hash(bytes)) == sha256 else {
            throw RunError(.refused, "the stored file \(sha256.prefix(16))... no longer has its SHA-256: it was changed after it was stored")
        }
        return bytes
    }
}
