import Foundation
import HousingFinance
import Hub
import Testing

/// The one table renderer, the timestamps and the one JSON style.
@Suite struct OutputTests {
    @Test func aTableHasAHeaderAlignedColumnsAndAmountsOnTheRight() {
        var table = TextTable([.init("Account"), .init("Balance", .right), .init("Note")])
        table.add(["100000011", Money(pence: 123_456).formatted, "arrears"])
        table.add(["100000029", Money(pence: -1200).formatted])
        #expect(table.render() == """
            Account      Balance  Note
            100000011  £1,234.56  arrears
            100000029    -£12.00

            """)
        #expect(table.render(indent: 2).hasPrefix("  Account      Balance  Note\n  100000011"))
    }

    @Test func aLongValueIsCutToItsColumnsWidth() {
        var table = TextTable([.init("Reference", maxWidth: 10), .init("Amount", .right)])
        table.add(["RENT 100023453 FLAT 3 NORTH BLOCK", "£1.00"])
        #expect(table.render().split(separator: "\n").last == "RENT 10...   £1.00")
    }

    @Test func timestampsAreLondonTimeToTheSecond() {
        // 14:03:12.987 UTC in December (GMT) and 09:30:00.5 UTC in July (BST, +01:00).
        let winter = Date(timeIntervalSince1970: 1_796_565_792.987)
        let summer = Date(timeIntervalSince1970: 1_782_898_200.5)
        #expect(Timestamp.text(winter) == "2026-12-06 14:03:12")
        #expect(Timestamp.iso(winter) == "2026-12-06T14:03:12+00:00")
        #expect(Timestamp.text(summer) == "2026-07-01 10:30:00")
        #expect(Timestamp.iso(summer) == "2026-07-01T10:30:00+01:00")
    }

    @Test func jsonKeysAreSnakeCaseAndDataKeysStayAsWritten() throws {
        struct Sample: Encodable {
            var businessKey = "2026-11-30"
            var sha256 = "ab"
            var runIds: [Int64] = [1, 2]
            var amountGBPPence: Int64 = 5
            var penceByCode = ["DBR": Int64(100), "week-number": 3]
            var businessDate = Day(year: 2026, month: 11, day: 30)!
            var startedAt = Date(timeIntervalSince1970: 1_796_565_792)
            var value = Money(pence: 1200)
        }
        let json = try HubJSON.text(Sample())
        #expect(json == #"{"amount_gbp_pence":5,"business_date":"2026-11-30","business_key":"2026-11-30","pence_by_code":{"DBR":100,"week-number":3},"run_ids":[1,2],"sha256":"ab","started_at":"2026-12-06T14:03:12+00:00","value":1200}"#)
    }

    @Test func storedJSONIsEmbeddedAsItIs() throws {
        struct Outer: Encodable { var report: RawJSON }
        let json = try HubJSON.text(Outer(report: RawJSON(#"{"ledger_by_code_pence": {"RBT": -950}, "ties": true, "file_date": "2026-12-01"}"#)))
        #expect(json == #"{"report":{"file_date":"2026-12-01","ledger_by_code_pence":{"RBT":-950},"ties":true}}"#)
    }

    @Test func aLongListShowsTheFirstFewAndWhereTheRestAre() {
        let items = (1...25).map { "item \($0)" }
        let lines = LongList.lines(items, seeAll: LongList.seeAll(runId: 42, preview: false))
        #expect(lines.count == LongList.shown + 1)
        #expect(lines.last == "... and 15 more: `hub runs show 42 --json` lists them all")
        #expect(LongList.inline(Array(items.prefix(3)), seeAll: "x") == "item 1, item 2, item 3")
        #expect(LongList.inline(items, seeAll: LongList.seeAll(runId: 7, preview: true))
            == "item 1, item 2, item 3, item 4, item 5 and 20 more (the same command with --json lists them all)")
    }
}
