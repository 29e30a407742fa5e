import BankFiles
import Foundation
import HousingFinance
import Hub
import Postgres
import Testing

/// A hub with rent accounts, a payments configuration and folders, for payment import tests.
struct PaymentWorld {
    let runner: Runner
    let db: Connection
    let config: HubConfig
    let settings: PaymentSettings
    let importer: PaymentImporter
    /// Valid account references, in the order created.
    let refs: [String]
    let ids: [String: Int64]
    let folder: URL

    init(accounts: Int = 8, extraRefs: [String] = [], scheme: AccountReferenceScheme = .standard) throws {
        runner = try TestHub.runner()
        db = try runner.database.connect()
        var config = TestHub.config(goLive: d("2025-01-06"))
        config.accountScheme = scheme
        self.config = config
        folder = config.directory
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        settings = PaymentSettings.defaults(inbox: config.inbox)
        importer = PaymentImporter(runner: runner, config: config, settings: settings)
        var refs: [String] = []
        var number = 10_002_340
        while refs.count < accounts {
            if let ref = AccountReference.make(number) { refs.append(ref.digits) }
            number += 7
        }
        var ids: [String: Int64] = [:]
        for (i, ref) in (refs + extraRefs).enumerated() {
            ids[ref] = try db.addTenancy(account: ref, property: "P\(i)", start: "2024-04-01", charges: [])
        }
        self.refs = refs
        self.ids = ids
    }

    /// Writes a file in the test folder.
    @discardableResult
    func write(_ name: String, _ text: String, in sub: String? = nil) throws -> URL {
        let dir = sub.map { folder.appendingPathComponent($0) } ?? folder
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let url = dir.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url
    }

    /// Writes and imports a file.
    @discardableResult
    func importText(_ name: String, _ text: String, date: String = "2025-01-07", preview: Bool = false) throws -> RunOutcome<PaymentImportReport> {
        try importer.importFile(try write(name, text), format: nil, businessDate: d(date), preview: preview)
    }

    /// The ledger total of an account (negative = in credit), optionally for one code.
    func balance(_ ref: String, code: String? = nil) throws -> Int64 { try db.posted(account: ref, code: code) }

    func ledgerCount() throws -> Int { try db.queryOne("SELECT count(*) FROM ledger_entries")!.decode(Int.self, 0) }

    /// The rule recorded for the entries of a run whose reference contains a text.
    func rule(run: Int64, referenceContaining text: String) throws -> String? {
        try db.queryOne(
            "SELECT rule FROM payment_entries WHERE run_id = $1 AND strpos(reference, $2) > 0 ORDER BY id LIMIT 1", [run, text]
        )?.decode(String?.self, 0)
    }

    func sum(_ sql: SQLQuery, _ parameters: [any PostgresEncodable] = []) throws -> Int64 {
        try db.queryOne(sql, parameters)!.decode(Int64.self, 0)
    }
}

/// A reference with one digit changed (a typing slip).
func typo(_ ref: String, at position: Int = 5) -> String {
    var digits = Array(ref)
    digits[position] = digits[position] == "9" ? "0" : Character(String(digits[position].wholeNumberValue! + 1))
    return String(digits)
}

/// A reference with two adjacent, different digits swapped.
func transposed(_ ref: String) -> String {
    var digits = Array(ref)
    for i in stride(from: digits.count - 2, to: 0, by: -1) where digits[i] != digits[i - 1] {
        digits.swapAt(i, i - 1)
        return String(digits)
    }
    return ref
}

func pence(_ p: Int64) -> Money { Money(pence: p) }
