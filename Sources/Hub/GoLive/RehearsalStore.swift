import Foundation
import HousingFinance
import Postgres

/// The kept rehearsal reports of the live database (`hub migration reports`).
public enum RehearsalStore {
    public struct Entry: Codable, Sendable, Hashable {
        public var id: Int64
        public var manifest: String
        public var go: Bool
        public var problems: Int
        public var createdAt: Date
        public var createdBy: String
    }

    /// Keeps a report and marks a checkpoint `rehearsal-ID` in the live database.
    /// - Returns: the report's id.
    @discardableResult
    public static func keep(_ report: inout RehearsalReport, on db: Connection) throws -> Int64 {
        try db.transaction { db in
            let json = try HubJSON.text(report)
            let id = try db.queryOne(
                """
                INSERT INTO migration_rehearsals (manifest, manifest_sha256, go, problems, report, report_text)
                VALUES (\(report.manifest), \(report.manifestSha256), \(report.go), \(report.problems), \(json)::jsonb, \(report.render()))
                RETURNING id
                """)!.decode(Int64.self, 0)
            report.id = id
            try Checkpoint.create(
                name: "rehearsal-\(id)", note: "after migration rehearsal \(id) of \(report.manifest): \(report.go ? "go" : "no-go"), \(report.problems) problems",
                on: db)
            return id
        }
    }

    public static func list(on db: Connection) throws -> [Entry] {
        try db.query("SELECT id, manifest, go, problems, created_at, created_by FROM migration_rehearsals ORDER BY id").map {
            Entry(
                id: try $0.decode(Int64.self, 0), manifest: try $0.decode(String.self, 1), go: try $0.decode(Bool.self, 2),
                problems: try $0.decode(Int.self, 3), createdAt: try $0.decode(Date.self, 4), createdBy: try $0.decode(String.self, 5))
        }
    }

    public static func report(_ id: Int64, on db: Connection) throws -> RehearsalReport {
        guard let row = try db.queryOne("SELECT report::text FROM migration_rehearsals WHERE id = \(id)") else {
            throw RunError(.notFound, "there is no rehearsal \(id) (list them with hub migration reports)")
        }
        return try HubJSON.decoder().decode(RehearsalReport.self, from: Data(try row.decode(String.self, 0).utf8))
    }
}
