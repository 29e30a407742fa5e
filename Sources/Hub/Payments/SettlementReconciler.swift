import Foundation
import HousingFinance
import Postgres

/// Matches open settlements to open provider batches in the database, provider by provider, and
/// marks both sides reconciled (inside the run that brought the newer side). The Direct Debit
/// signature's batches are the Direct Debit runs' (`DDSettlementBatches`), recorded first.
struct SettlementReconciler {
    let settings: PaymentSettings
    /// Only the Direct Debit signature (an ARUDD report's run, which brings only that side).
    var directDebitOnly = false

    func reconcile(_ db: Connection, runId: Int64) throws -> [PaymentImportReport.Reconciled] {
        var result: [PaymentImportReport.Reconciled] = []
        for signature in settings.settlements where signature.settlesDirectDebit || !directDebitOnly {
            if signature.settlesDirectDebit { try DDSettlementBatches.record(provider: signature.provider, on: db) }
            let settlements = try db.query(
                "SELECT id, amount_pence, booking_date FROM bank_settlements WHERE provider = $1 AND status = 'open' ORDER BY booking_date, id",
                [signature.provider]
            ).map { SettlementMatching.Settlement(id: try $0.decode(Int64.self, 0), amount: try $0.decode(Int64.self, 1), date: try $0.decode(Day.self, 2)) }
            guard !settlements.isEmpty else { continue }
            let batchRows = try db.query(
                "SELECT id, amount_pence, file_date, file_name FROM provider_batches WHERE provider = $1 AND status = 'open' ORDER BY file_date, id",
                [signature.provider])
            var names: [Int64: String] = [:]
            let batches = try batchRows.map { row -> SettlementMatching.Batch in
                let id = try row.decode(Int64.self, 0)
                names[id] = try row.decode(String.self, 3)
                return SettlementMatching.Batch(id: id, amount: try row.decode(Int64.self, 1), fileDate: try row.decode(Day.self, 2))
            }
            let matching = SettlementMatching(delay: signature.delay, window: signature.window, holidays: settings.bankHolidays)
            for match in matching.match(settlements: settlements, batches: batches) {
                let settlement = settlements.first { $0.id == match.settlement }!
                try db.execute("UPDATE bank_settlements SET status = 'reconciled' WHERE id = $1", [match.settlement])
                for batch in match.batches {
                    try db.execute("UPDATE provider_batches SET status = 'reconciled' WHERE id = $1", [batch])
                    try db.execute(
                        "INSERT INTO settlement_batches (settlement_id, batch_id, run_id) VALUES ($1, $2, $3)", [match.settlement, batch, runId])
                }
                result.append(.init(
                    provider: signature.provider, settlementPence: settlement.amount, settlementDate: settlement.date,
                    files: match.batches.map { names[$0] ?? "?" }))
            }
        }
        return result
    }
}
