import Foundation
import HousingFinance
import Testing

/// A journal built from sums by code, charge code and sign is the journal of the postings themselves.
@Suite struct JournalGroupTests {
    static let map = """
        code,description,ledger_account,contra_account,cost_centre,dim2,dim3,dim4,fund
        DBR,Basic rent,1500,4100,H1000,RENT,,,HRA
        ADJ,Rent adjustments,1500,4100,H1000,RENT,,,HRA
        ADJ/DSC,Service charge adjustments,1500,4110,H1000,SERV,,,HRA
        RPY,PayPoint payments,1500,1010,H1000,CASH,PAYPOINT,,HRA
        SUS,Suspense,2400,1010,H1000,CASH,SUSPENSE,,HRA
        """

    @Test func groupsGiveTheSameLinesAndTotalsAsThePostings() throws {
        let map = try FinancialMap(csv: Self.map, file: "map.csv")
        let day = Day(year: 2026, month: 11, day: 2)!
        let postings: [JournalPosting] = [
            .init(entryId: 1, code: "DBR", amount: Money(pence: 10_000), date: day),
            .init(entryId: 2, code: "DBR", amount: Money(pence: 9_000), date: day + 1),
            .init(entryId: 3, code: "DBR", amount: Money(pence: -10_000), date: day + 2),
            .init(entryId: 4, code: "ADJ", amount: Money(pence: -1_225), date: day, chargeCode: "DSC"),
            .init(entryId: 5, code: "RPY", amount: Money(pence: -5_000), date: day + 3),
            .init(entryId: 6, code: "SUS", amount: Money(pence: 0), date: day + 4),
        ]
        let groups = [
            JournalGroup(code: "DBR", chargeCode: nil, amount: Money(pence: 19_000), postingCount: 2, firstPostingId: 1, firstDate: day, lastDate: day + 1),
            JournalGroup(code: "DBR", chargeCode: nil, amount: Money(pence: -10_000), postingCount: 1, firstPostingId: 3, firstDate: day + 2, lastDate: day + 2),
            JournalGroup(code: "ADJ", chargeCode: "DSC", amount: Money(pence: -1_225), postingCount: 1, firstPostingId: 4, firstDate: day, lastDate: day),
            JournalGroup(code: "RPY", chargeCode: nil, amount: Money(pence: -5_000), postingCount: 1, firstPostingId: 5, firstDate: day + 3, lastDate: day + 3),
            JournalGroup(code: "SUS", chargeCode: nil, amount: .zero, postingCount: 1, firstPostingId: 6, firstDate: day + 4, lastDate: day + 4),
        ]
        let fromPostings = try Journal(postings: postings, map: map)
        let fromGroups = try Journal(groups: groups, map: map)
        #expect(fromGroups.lines == fromPostings.lines)
        #expect(fromGroups.totals == fromPostings.totals)
        #expect(fromGroups.debtorsControlMovement == fromPostings.debtorsControlMovement)
        #expect(fromGroups.firstDate == day && fromGroups.lastDate == day + 4)
        #expect(fromGroups.entryIds.isEmpty)
    }

    @Test func unmappedGroupsAreListedWithTheirPostingCounts() throws {
        let map = try FinancialMap(csv: Self.map, file: "map.csv")
        let groups = [
            JournalGroup(code: "XYZ", chargeCode: nil, amount: Money(pence: 100), postingCount: 7, firstPostingId: 40, firstDate: nil, lastDate: nil),
            JournalGroup(code: "XYZ", chargeCode: nil, amount: Money(pence: -100), postingCount: 2, firstPostingId: 12, firstDate: nil, lastDate: nil),
        ]
        let error = try #require(throws: UnmappedCodesError.self) { try Journal(groups: groups, map: map) }
        #expect(error.codes.map(\.code) == ["XYZ"])
        #expect(error.codes.first?.postingCount == 9)
        #expect(error.codes.first?.firstEntryId == 12)
    }
}
