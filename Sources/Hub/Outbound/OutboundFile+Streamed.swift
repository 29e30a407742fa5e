import Foundation
import HousingFinance
import Postgres

extension OutboundFile {
    /// Makes a large file inside a run's transaction without holding it in memory: like
    /// `store(interface:in:make:)` (the same gap-free sequence, SHA-256 and control totals stored
    /// with the run), but the content is handed over in chunks, each sent to the server at once
    /// into a temporary table, and assembled there into the stored file.
    /// - Parameters:
    ///   - make: given the sequence number and a sink for the bytes, writes the content through
    ///     the sink and returns the file's name and control totals.
    public static func storeStreamed(
        interface: String, in context: RunContext,
        make: (Int64, _ sink: @escaping ([UInt8]) throws -> Void) throws -> (fileName: String, controlTotals: [String: String])
    ) throws -> OutboundFile {
        let db = context.connection
        let sequence = try db.queryOne(
            """
            INSERT INTO outbound_sequences (interface, last_sequence) VALUES (\(interface), 1)
            ON CONFLICT (landlord, interface) DO UPDATE SET last_sequence = outbound_sequences.last_sequence + 1
            RETURNING last_sequence
            """)!.decode(Int64.self, 0)
        try db.execute("CREATE TEMPORARY TABLE IF NOT EXISTS outbound_chunks (n integer PRIMARY KEY, bytes bytea NOT NULL) ON COMMIT DROP")
        try db.execute("TRUNCATE outbound_chunks")
        let state = ChunkState()
        let made = try make(sequence) { bytes in
            guard !bytes.isEmpty else { return }
            state.hash.update(bytes)
            try db.execute("INSERT INTO outbound_chunks (n, bytes) VALUES (\(state.count), \(bytes))")
            state.count += 1
        }
        guard !made.fileName.contains("/"), !made.fileName.hasPrefix(".") else {
            throw RunError(.badInput, "an outbound file name may not contain '/' or start with '.': \(made.fileName)")
        }
        let id = try db.queryOne(
            """
            INSERT INTO outbound_files (interface, sequence, file_name, content, sha256, control_totals, run_id)
            SELECT \(interface), \(sequence), \(made.fileName), COALESCE(string_agg(bytes, ''::bytea ORDER BY n), ''::bytea),
                   \(state.hash.hex), \(try HubJSON.text(made.controlTotals))::jsonb, \(context.runId)
            FROM outbound_chunks
            RETURNING id
            """)!.decode(Int64.self, 0)
        try db.execute("TRUNCATE outbound_chunks")
        return try find(id: id, on: db)!
    }
}

/// The running hash and chunk count of a streamed file; used on the run's thread only.
private final class ChunkState {
    var hash = SHA256()
    var count: Int32 = 0
}
