import HousingFinance
import Testing

@Suite struct JournalTests {
    static let monday = Day(year: 2025, month: 4, day: 7)!

    /// A week of postings of every kind: charges, payments, Housing Benefit, a returned Direct
    /// Debit, a reversed charge, an adjustment, a write-off and two repair costs.
    static let postings: [JournalPosting] = [
        .init(entryId: 1, code: "DBR", amount: Money(pence: 9_850), date: monday),
        .init(entryId: 2, code: "DSC", amount: Money(pence: 1_225), date: monday),
        .init(entryId: 3, code: "DHE", amount: Money(pence: 830), date: monday),
        .init(entryId: 4, code: "DBR", amount: Money(pence: 11_240), date: monday),
        .init(entryId: 5, code: "DBR", amount: Money(pence: 10_500), date: monday),
        .init(entryId: 6, code: "RHB", amount: Money(pence: -6_400), date: monday + 1),
        .init(entryId: 7, code: "RPY", amount: Money(pence: -5_000), date: monday + 2),
        .init(entryId: 8, code: "RDD", amount: Money(pence: -12_000), date: monday + 1),
        .init(entryId: 9, code: "RDN", amount: Money(pence: 12_000), date: monday + 4),
        .init(entryId: 10, code: "DBR", amount: Money(pence: -10_500), date: monday + 3),
        .init(entryId: 11, code: "ADJ", amount: Money(pence: -1_225), date: monday, chargeCode: "DSC"),
        .init(entryId: 12, code: "WOF", amount: Money(pence: -4_312), date: monday + 3),
        .init(entryId: 13, code: "RPR", amount: Money(pence: 24_680), date: monday + 2),
        .init(entryId: 14, code: "RPR", amount: Money(pence: 53_000), date: monday + 2, chargeCode: "VOID"),
        .init(entryId: 15, code: "ADJ", amount: Money(pence: 700), date: monday),
    ]

    @Test func aMixedWeekBalancesAndReconcilesToTheRentAccounts() throws {
        let map = try DefaultFinancialMap.load()
        let journal = try Journal(postings: Self.postings, map: map)

        let debits = journal.lines.filter { $0.side == .debit }.reduce(Money.zero) { $0 + $1.amount }
        let credits = journal.lines.filter { $0.side == .credit }.reduce(Money.zero) { $0 + $1.amount }
        #expect(debits == credits)
        #expect(journal.totals.debits == debits)
        #expect(journal.totals.credits == credits)
        #expect(journal.totals.lineCount == journal.lines.count)
        #expect(journal.totals.isBalanced)
        // Every posting counted once on each side.
        #expect(debits == Self.postings.reduce(Money.zero) { $0 + ($1.amount < .zero ? -$1.amount : $1.amount) })

        // The debtors control's net movement is the rent accounts' movement: every posting but repairs.
        let rentAccountMovement = Self.postings.filter { $0.code != "RPR" }.reduce(Money.zero) { $0 + $1.amount }
        #expect(journal.debtorsControlMovement == rentAccountMovement)
        let controlLines = journal.lines.filter { $0.account == map.debtorsControlAccount }
        #expect(controlLines.reduce(Money.zero) { $0 + $1.signedAmount } == rentAccountMovement)

        #expect(journal.entryIds == Array(1...15))
        #expect(journal.firstDate == Self.monday)
        #expect(journal.lastDate == Self.monday + 4)
        #expect(journal.lines.allSatisfy { $0.amount > .zero && $0.fund == .hra })
    }

    @Test func linesAreConsolidatedByAccountDimensionsAndSide() throws {
        let map = try DefaultFinancialMap.load()
        let journal = try Journal(postings: Self.postings, map: map)
        let keys = journal.lines.map { "\($0.account) \($0.dimensions.costCentre) \($0.dimensions.dim2) \($0.dimensions.dim3) \($0.side)" }
        #expect(Set(keys).count == keys.count, "one line per account, dimensions and side")
        #expect(journal.lines == journal.lines.sorted {
            ($0.account, $0.dimensions, $0.side) < ($1.account, $1.dimensions, $1.side)
        })

        // Basic rent: three charges and a rent adjustment on the debit side of the control, the
        // reversal on the credit side; the income account the other way round.
        let rentIncomeCredit = try #require(journal.lines.first { $0.account == "4100" && $0.side == .credit })
        #expect(rentIncomeCredit.amount == Money(pence: 9_850 + 11_240 + 10_500 + 700))
        #expect(rentIncomeCredit.postingCount == 4)
        #expect(rentIncomeCredit.codes == ["ADJ", "DBR"])
        #expect(rentIncomeCredit.description == "Consolidated: ADJ DBR")
        let rentIncomeDebit = try #require(journal.lines.first { $0.account == "4100" && $0.side == .debit })
        #expect(rentIncomeDebit.amount == Money(pence: 10_500))
        #expect(rentIncomeDebit.description == "Basic rent")

        // The service charge adjustment goes to service charge income, not rent income.
        let serviceIncomeDebit = try #require(journal.lines.first { $0.account == "4110" && $0.side == .debit })
        #expect(serviceIncomeDebit.codes == ["ADJ/DSC"])
        #expect(serviceIncomeDebit.amount == Money(pence: 1_225))

        // Repairs are split by their cost centres, on both the cost and the ODS creditor.
        let repairs = journal.lines.filter { $0.account == "6100" }
        #expect(repairs.map(\.side) == [.debit, .debit])
        #expect(repairs.map(\.dimensions.costCentre) == ["H2100", "H2200"])
        #expect(repairs.map(\.amount) == [Money(pence: 24_680), Money(pence: 53_000)])
        let creditor = journal.lines.filter { $0.account == "2300" }
        #expect(creditor.map(\.side) == [.credit, .credit])
        #expect(creditor.map(\.amount) == repairs.map(\.amount))
    }

    @Test func aReversalComesOutAsAnOppositeLine() throws {
        let map = try DefaultFinancialMap.load()
        let charge = JournalPosting(entryId: 1, code: "DBR", amount: Money(pence: 10_000), date: Self.monday)
        var reversal = charge
        reversal.entryId = 2
        reversal.amount = -charge.amount
        let journal = try Journal(postings: [charge, reversal], map: map)
        #expect(journal.lines.count == 4)
        for account in ["1500", "4100"] {
            let sides = journal.lines.filter { $0.account == account }.map(\.side)
            #expect(sides == [.debit, .credit])
        }
        #expect(journal.lines.allSatisfy { $0.amount == charge.amount })
        #expect(journal.debtorsControlMovement == .zero)
    }

    @Test func postingOrderDoesNotChangeTheJournal() throws {
        let map = try DefaultFinancialMap.load()
        let forward = try Journal(postings: Self.postings, map: map)
        let backward = try Journal(postings: Self.postings.reversed(), map: map)
        #expect(forward == backward)
    }

    @Test func everyUnmappedCodeIsListedAndNoJournalIsMade() throws {
        let map = try DefaultFinancialMap.load()
        let postings = Self.postings + [
            .init(entryId: 40, code: "XYZ", amount: Money(pence: 100), date: Self.monday),
            .init(entryId: 31, code: "XYZ", amount: Money(pence: -100), date: Self.monday),
            .init(entryId: 32, code: "GAR", amount: Money(pence: 1_500), date: Self.monday),
            .init(entryId: 33, code: "RPX", amount: Money(pence: 1), date: Self.monday, chargeCode: "DSC"),
        ]
        let error = try #require(throws: UnmappedCodesError.self) { try Journal(postings: postings, map: map) }
        #expect(error.codes.map(\.code) == ["GAR", "RPX/DSC", "XYZ"])
        #expect(error.codes.map(\.postingCount) == [1, 1, 2])
        #expect(error.codes.last?.firstEntryId == 31)
        #expect(error.description.contains("3 transaction codes have no mapping in Config/financial-map.csv"))
        #expect(error.description.contains("XYZ (2 postings, first entry 31)"))
    }

    @Test func aNewChargeCodeFallsBackToItsTransactionCode() throws {
        let map = try DefaultFinancialMap.load()
        let posting = JournalPosting(entryId: 1, code: "ADJ", amount: Money(pence: 250), date: Self.monday, chargeCode: "GARAGE")
        let journal = try Journal(postings: [posting], map: map)
        #expect(journal.lines.map(\.codes) == [["ADJ"], ["ADJ"]])
    }

    @Test func generalFundAndHousingRevenueLinesEachBalance() throws {
        let csv = """
            code,description,ledger_account,contra_account,cost_centre,dim2,dim3,dim4,fund
            DBR,Basic rent,1500,4100,H1000,RENT,,,HRA
            GAR,Garage rent (private),1700,4900,G3000,GARAGE,,,GF
            """
        let map = try FinancialMap(csv: csv, file: "map.csv")
        let journal = try Journal(postings: [
            .init(entryId: 1, code: "DBR", amount: Money(pence: 9_000), date: Self.monday),
            .init(entryId: 2, code: "GAR", amount: Money(pence: 1_200), date: Self.monday),
        ], map: map)
        for fund in Fund.allCases {
            #expect(journal.lines.filter { $0.fund == fund }.reduce(Money.zero) { $0 + $1.signedAmount } == .zero)
        }
        #expect(journal.debtorsControlMovement == Money(pence: 9_000))
    }

    @Test func zeroAmountsMakeNoLineButAreMarkedSent() throws {
        let map = try DefaultFinancialMap.load()
        let journal = try Journal(postings: [.init(entryId: 7, code: "DBR", amount: .zero, date: Self.monday)], map: map)
        #expect(journal.lines.isEmpty)
        #expect(journal.entryIds == [7])
        #expect(journal.totals == JournalTotals())
    }
}
