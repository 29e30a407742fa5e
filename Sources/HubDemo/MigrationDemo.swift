import Foundation
import Hub
import HousingFinance
import Postgres

/// The demo's migration: the council's five files described by a manifest, with the old system's
/// row counts, totals and closing balances taken from the files themselves, rehearsed before the
/// real loads.
public enum MigrationDemo {
    /// Writes the council's files, `demo-closing-balances.csv` and `demo-migration.yaml` to `directory`.
    /// - Returns: the manifest's file.
    public static func writeManifest(_ council: DemoCouncil, directory: URL) throws -> URL {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let files = council.files()
        let byKind = [
            ("properties", files.properties, nil), ("tenancies", files.tenancies, nil), ("accounts", files.accounts, nil),
            ("charges", files.charges, "weekly_amount"), ("opening-balances", files.openingBalances, "balance"),
        ] as [(String, String, String?)]
        var entries: [String] = []
        var closing = "account_ref,balance\n"
        for (kind, text, moneyColumn) in byKind {
            try Data(text.utf8).write(to: directory.appendingPathComponent("demo-\(kind).csv"), options: .atomic)
            let lines = text.split(separator: "\n").map(String.init)
            var entry = "  - {kind: \(kind), file: demo-\(kind).csv, rows: \(lines.count - 1)"
            if let moneyColumn, let header = lines.first.map({ $0.split(separator: ",").map(String.init) }),
               let column = header.firstIndex(of: moneyColumn)
            {
                var total: Int64 = 0
                for line in lines.dropFirst() {
                    guard case .success(let fields) = CSV.fields(of: line), column < fields.count, let amount = try? Money(parsing: fields[column]) else { continue }
                    total += amount.pence
                    if kind == "opening-balances" { closing += "\(fields[0]),\(fields[column])\n" }
                }
                entry += ", total: \(Money(pence: total).plain)"
            }
            entries.append(entry + "}")
        }
        try Data(closing.utf8).write(to: directory.appendingPathComponent("demo-closing-balances.csv"), options: .atomic)
        let manifest = """
            # The demo council's migration extract, as a council's project would describe it.
            name: Demo council
            go-live: \(council.goLive.iso)
            files:
            \(entries.joined(separator: "\n"))
            closing-balances: demo-closing-balances.csv

            """
        let url = directory.appendingPathComponent("demo-migration.yaml")
        try Data(manifest.utf8).write(to: url, options: .atomic)
        return url
    }
}
