import HousingFinance

/// Matches a provider's settlement credits on the bank statement to the provider's files (their
/// money per provider, "batches") by amount within a window of working days: one file, or
/// several consecutive days' files together. Pure: the job feeds it what is open and stores what
/// it decides.
struct SettlementMatching {
    struct Settlement: Hashable {
        var id: Int64
        var amount: Int64
        var date: Day
    }

    struct Batch: Hashable {
        var id: Int64
        var amount: Int64
        var fileDate: Day
    }

    /// A settlement and the batches it settles.
    struct Match: Hashable {
        var settlement: Int64
        var batches: [Int64]
    }

    let delay: Int
    let window: Int
    let holidays: BankHolidays

    /// Whether a settlement on `date` may settle a file of `fileDate`.
    func inWindow(fileDate: Day, settlementDate: Day) -> Bool {
        let earliest = holidays.addingWorkingDays(delay - window, to: fileDate)
        let latest = holidays.addingWorkingDays(delay + window, to: fileDate)
        return settlementDate >= max(earliest, fileDate) && settlementDate <= latest
    }

    /// The day a file's settlement is expected.
    func expected(for fileDate: Day) -> Day { holidays.addingWorkingDays(delay, to: fileDate) }

    /// Matches settlements (oldest first) to open batches: a single batch of the same amount
    /// first, else the fewest consecutive batches (by file date) whose sum is the amount. Then a
    /// batch still open is settled by all the settlements left on one day in its window when
    /// together they are its amount (a bank that debits each returned Direct Debit on its own).
    func match(settlements: [Settlement], batches: [Batch]) -> [Match] {
        var open = batches.sorted { ($0.fileDate, $0.id) < ($1.fileDate, $1.id) }
        var matches: [Match] = []
        for settlement in settlements.sorted(by: { ($0.date, $0.id) < ($1.date, $1.id) }) {
            let candidates = open.filter { inWindow(fileDate: $0.fileDate, settlementDate: settlement.date) }
            var chosen: [Batch]?
            if let single = candidates.first(where: { $0.amount == settlement.amount }) {
                chosen = [single]
            } else if candidates.count > 1 {
                search: for length in 2...candidates.count {
                    for start in 0...(candidates.count - length) {
                        let run = Array(candidates[start..<(start + length)])
                        if run.reduce(0, { $0 + $1.amount }) == settlement.amount {
                            chosen = run
                            break search
                        }
                    }
                }
            }
            if let chosen {
                matches.append(Match(settlement: settlement.id, batches: chosen.map(\.id)))
                open.removeAll { batch in chosen.contains(batch) }
            }
        }
        let settled = Set(matches.map(\.settlement))
        var left = settlements.filter { !settled.contains($0.id) }
        for batch in open {
            let byDay = Dictionary(grouping: left.filter { inWindow(fileDate: batch.fileDate, settlementDate: $0.date) && ($0.amount < 0) == (batch.amount < 0) }, by: \.date)
            guard let day = byDay.keys.sorted().first(where: { byDay[$0]!.count > 1 && byDay[$0]!.reduce(0, { $0 + $1.amount }) == batch.amount }) else { continue }
            let together = byDay[day]!
            matches += together.map { Match(settlement: $0.id, batches: [batch.id]) }
            left.removeAll { together.contains($0) }
        }
        return matches
    }
}
