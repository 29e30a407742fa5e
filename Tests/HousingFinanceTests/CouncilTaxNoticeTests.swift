import HousingFinance
import Testing

/// The council tax interface's timing rules, without a database: held back when more than 14 days
/// ahead, late when sent more than 21 days after taking effect, a long void after 12 months.
@Suite struct CouncilTaxNoticeTests {
    let rules = CouncilTaxNotice()
    let asOf = Day(iso: "2026-11-30")!

    @Test(arguments: [
        // effective, new?, expected
        ("2026-12-14", true, CouncilTaxNotice.Timing.send),  // exactly 14 days ahead: sent
        ("2026-12-15", true, .holdBack(due: Day(iso: "2026-12-01")!)),  // 15 days ahead: waits a day
        ("2026-12-15", false, .send),  // an amendment is never held back
        ("2026-11-09", true, .send),  // exactly 21 days after: in time
        ("2026-11-08", true, .sendLate(daysAfter: 22)),
        ("2026-11-08", false, .sendLate(daysAfter: 22)),
    ])
    func anEventIsSentHeldOrLate(effective: String, isNew: Bool, expected: CouncilTaxNotice.Timing) {
        #expect(rules.timing(effective: Day(iso: effective)!, isNew: isNew, asOf: asOf) == expected)
    }

    @Test func theLimitsComeFromTheSettings() {
        let strict = CouncilTaxNotice(aheadDays: 0, lateAfterDays: 1, longVoidMonths: 6)
        #expect(strict.timing(effective: asOf + 1, isNew: true, asOf: asOf) == .holdBack(due: asOf + 1))
        #expect(strict.timing(effective: asOf - 2, isNew: true, asOf: asOf) == .sendLate(daysAfter: 2))
        #expect(strict.isLongVoid(since: Day(iso: "2026-05-30")!, asOf: asOf))
        #expect(!strict.isLongVoid(since: Day(iso: "2026-05-31")!, asOf: asOf))
    }

    @Test func aVoidBeginsTheDayAfterTheLastTenancyEndsOrOnAcquisition() {
        let owned = Day(iso: "2020-04-01")!
        func since(_ tenancies: [(String, String?)], ownedTo: Day? = nil) -> Day? {
            CouncilTaxNotice.voidSince(
                ownedFrom: owned, ownedTo: ownedTo, tenancies: tenancies.map { (Day(iso: $0.0)!, $0.1.map { Day(iso: $0)! }) }, asOf: asOf)
        }
        #expect(since([]) == owned)  // never let
        #expect(since([("2020-04-01", "2025-03-02"), ("2021-01-01", "2025-06-15")]) == Day(iso: "2025-06-16"))
        #expect(since([("2020-04-01", nil)]) == nil)  // let
        #expect(since([("2020-04-01", "2026-11-30")]) == nil)  // its last day is still let
        #expect(since([("2020-04-01", "2026-01-01"), ("2026-12-07", nil)]) == Day(iso: "2026-01-02"))  // a future tenancy does not count
        #expect(since([], ownedTo: Day(iso: "2026-11-29")) == nil)  // no longer the council's
        #expect(CouncilTaxNotice.voidSince(ownedFrom: asOf + 1, ownedTo: nil, tenancies: [], asOf: asOf) == nil)  // not yet the council's
    }

    @Test func aLongVoidNeedsATenancyThatEndedTwelveMonthsAgo() {
        let owned = Day(iso: "1990-01-01")!
        let ended = [(start: Day(iso: "2015-01-05")!, end: Optional(Day(iso: "2025-06-30")!))]
        #expect(rules.longVoidSince(ownedFrom: owned, ownedTo: nil, tenancies: ended, asOf: asOf) == Day(iso: "2025-07-01"))
        let recent = [(start: Day(iso: "2015-01-05")!, end: Optional(Day(iso: "2026-01-31")!))]
        #expect(rules.longVoidSince(ownedFrom: owned, ownedTo: nil, tenancies: recent, asOf: asOf) == nil)
        // Never let in the records (only a tenancy still to come): how long it stood empty is unknown.
        let future = [(start: Day(iso: "2026-12-01")!, end: Day?.none)]
        #expect(rules.longVoidSince(ownedFrom: owned, ownedTo: nil, tenancies: future, asOf: asOf) == nil)
        #expect(rules.longVoidSince(ownedFrom: owned, ownedTo: nil, tenancies: [], asOf: asOf) == nil)
    }

    @Test(arguments: [
        ("2025-11-30", true), ("2025-12-01", false),  // twelve months to the day
        ("2025-02-28", true),
    ])
    func aLongVoidIsTwelveMonthsOrMore(since: String, long: Bool) {
        #expect(rules.isLongVoid(since: Day(iso: since)!, asOf: asOf) == long)
    }

    @Test func aMonthEarlierClampsToTheEndOfAShorterMonth() {
        #expect(CouncilTaxNotice.day(Day(iso: "2027-03-31")!, monthsEarlier: 1) == Day(iso: "2027-02-28"))
        #expect(CouncilTaxNotice.day(Day(iso: "2028-03-31")!, monthsEarlier: 1) == Day(iso: "2028-02-29"))
        #expect(CouncilTaxNotice.day(Day(iso: "2027-01-15")!, monthsEarlier: 12) == Day(iso: "2026-01-15"))
        #expect(CouncilTaxNotice.day(Day(iso: "2027-01-15")!, monthsEarlier: 13) == Day(iso: "2025-12-15"))
    }
}
