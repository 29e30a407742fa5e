import Foundation
import Postgres

/// A known-good point: the newest run when it was made. `hub runs rewind --to NAME` goes back to it.
public struct Checkpoint: Codable, Hashable, Sendable {
    public var id: Int64
    public var name: String
    public var note: String
    /// The newest run at the moment the checkpoint was made (0: before any run).
    public var runId: Int64
    public var createdAt: Date
    public var createdBy: String

    /// The longest name and note accepted.
    public static let maxNameLength = 64
    public static let maxNoteLength = 1000

    static let columns = "id, name, note, run_id, created_at, created_by"

    init(_ row: Row) throws {
        id = try row.decode(Int64.self, 0)
        name = try row.decode(String.self, 1)
        note = try row.decode(String.self, 2)
        runId = try row.decode(Int64.self, 3)
        createdAt = try row.decode(Date.self, 4)
        createdBy = try row.decode(String.self, 5)
    }

    /// Marks the present as a known-good point.
    /// - Throws: `RunError.badInput` for an empty or over-long name or note; `.alreadyCompleted`
    ///   for a name already used.
    @discardableResult
    public static func create(name: String, note: String, on db: Connection) throws -> Checkpoint {
        let trimmed = name.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, trimmed.count <= maxNameLength, trimmed.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) else {
            throw RunError(.badInput, "a checkpoint name is 1 to \(maxNameLength) letters, digits, '-', '_' or '.' (like go-live or before-april-charges)")
        }
        guard note.count <= maxNoteLength else { throw RunError(.badInput, "the note is \(note.count) characters; at most \(maxNoteLength)") }
        if let existing = try find(trimmed, on: db) {
            throw RunError(.alreadyCompleted, "there is already a checkpoint '\(trimmed)' (made \(existing.createdAt) by \(existing.createdBy) at run \(existing.runId)); choose another name")
        }
        let row = try db.queryOne(
            """
            INSERT INTO checkpoints (name, note, run_id)
            VALUES (\(trimmed), \(note), (SELECT COALESCE(max(id), 0) FROM runs WHERE status = 'completed'))
            RETURNING \(unescaped: columns)
            """)!
        return try Checkpoint(row)
    }

    public static func find(_ name: String, on db: Connection) throws -> Checkpoint? {
        try db.queryOne("SELECT \(unescaped: columns) FROM checkpoints WHERE name = \(name)").map(Checkpoint.init)
    }

    public static func list(on db: Connection) throws -> [Checkpoint] {
        try db.query("SELECT \(unescaped: columns) FROM checkpoints ORDER BY id").map(Checkpoint.init)
    }
}
