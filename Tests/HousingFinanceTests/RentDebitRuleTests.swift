import HousingFinance
import Testing

/// The debit rules as a table of cases, each with the pence a person works out by hand.
@Suite struct RentDebitRuleTests {
    static let calendar = try! RentCalendar(freeWeeks: [
        RentYear(startingIn: 2026): [Day(iso: "2026-12-21")!, Day(iso: "2026-12-28")!, Day(iso: "2027-03-22")!, Day(iso: "2027-03-29")!],
    ])

    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var week: String
        var start: String
        var end: String?
        var charges: [ChargeSpan]
        var expected: [String: Int64]?
        var skip: SkipReason?
        var testDescription: String { name }
    }

    static func day(_ iso: String) -> Day { Day(iso: iso)! }
    static let basic = [ChargeSpan(code: "DBR", weeklyPence: 10000, from: day("2026-04-06"), to: nil)]

    static let cases: [Case] = [
        Case(name: "full week", week: "2026-11-23", start: "2020-01-06", charges: basic, expected: ["DBR": 10000]),
        // Wednesday to Sunday: 5 days, 10000 × 5 / 7 = 7142.86
        Case(name: "tenancy starting Wednesday", week: "2026-11-23", start: "2026-11-25", charges: basic, expected: ["DBR": 7143]),
        // Monday and Tuesday: 2 days, 10000 × 2 / 7 = 2857.14
        Case(name: "tenancy ending Tuesday", week: "2026-11-23", start: "2020-01-06", end: "2026-11-24", charges: basic, expected: ["DBR": 2857]),
        // Tuesday to Thursday: 3 days, 10000 × 3 / 7 = 4285.71
        Case(name: "starting and ending in the same week", week: "2026-11-23", start: "2026-11-24", end: "2026-11-26", charges: basic,
             expected: ["DBR": 4286]),
        Case(name: "free week", week: "2026-12-21", start: "2020-01-06", charges: basic, expected: nil, skip: .freeWeek),
        Case(name: "part week inside a free week", week: "2026-12-28", start: "2026-12-30", charges: basic, expected: nil, skip: .freeWeek),
        // £100 Monday to Wednesday, £105 Thursday to Sunday: (3 × 10000 + 4 × 10500) / 7 = 10285.71
        Case(name: "rent change effective Thursday", week: "2026-11-23", start: "2020-01-06",
             charges: [ChargeSpan(code: "DBR", weeklyPence: 10000, from: day("2026-04-06"), to: day("2026-11-25")),
                       ChargeSpan(code: "DBR", weeklyPence: 10500, from: day("2026-11-26"), to: nil)],
             expected: ["DBR": 10286]),
        Case(name: "the 53rd week of 2024/25", week: "2025-03-31", start: "2020-01-06",
             charges: [ChargeSpan(code: "DBR", weeklyPence: 9876, from: day("2024-04-01"), to: nil)], expected: ["DBR": 9876]),
        // Two codes, each rounded on its own, Thursday to Sunday: 10000 × 4 / 7 = 5714.29, 1234 × 4 / 7 = 705.14
        Case(name: "two charge codes on a part week", week: "2026-11-23", start: "2026-11-26",
             charges: basic + [ChargeSpan(code: "DSC", weeklyPence: 1234, from: day("2026-04-06"), to: nil)],
             expected: ["DBR": 5714, "DSC": 705]),
        // One day (Sunday) of 35p a week is 5p.
        Case(name: "one day of a small charge", week: "2026-11-23", start: "2026-11-29",
             charges: [ChargeSpan(code: "DWR", weeklyPence: 35, from: day("2026-04-06"), to: nil)], expected: ["DWR": 5]),
        // Thursday to Sunday of 1.75 a week: 175 × 4 / 7 = 100 exactly.
        Case(name: "a part week that divides exactly", week: "2026-11-23", start: "2026-11-26",
             charges: [ChargeSpan(code: "DHE", weeklyPence: 175, from: day("2026-04-06"), to: nil)], expected: ["DHE": 100]),
        Case(name: "tenancy not started", week: "2026-11-23", start: "2026-12-01", charges: basic, expected: nil, skip: .tenancyNotStarted),
        Case(name: "no charges in force", week: "2026-11-23", start: "2020-01-06", charges: [], expected: nil, skip: .noCharges),
    ]

    @Test(arguments: cases)
    func debitDue(_ c: Case) {
        let week = RentWeek(containing: Self.day(c.week))
        let period = ChargeablePeriod(
            tenancyStart: Self.day(c.start), tenancyEnd: c.end.map(Self.day), ownedFrom: Self.day("1990-01-01"), ownedTo: nil,
            firstChargeableDay: Self.day("2024-04-01"))
        switch RentDebitRule.due(week: week, calendar: Self.calendar, period: period, charges: c.charges) {
        case .success(let due):
            #expect(due == c.expected)
            #expect(c.skip == nil)
        case .failure(let skip):
            #expect(c.expected == nil)
            #expect(skip.reason == c.skip)
        }
    }

    @Test func halfPennyRoundsUpExactly() {
        // Weekly × days / 7 never lands on exactly half a penny (7 is odd), so check the rounding itself.
        #expect(Money.roundHalfUp(49 * 1, dividedBy: 7).pence == 7)
        #expect(Money.roundHalfUp(10 * 5, dividedBy: 7).pence == 7)   // 7.14
        #expect(Money.roundHalfUp(45, dividedBy: 7).pence == 6)       // 6.43
        #expect(Money.roundHalfUp(35, dividedBy: 10).pence == 4)      // 3.5 -> 4
        #expect(Money.roundHalfUp(-35, dividedBy: 10).pence == -4)    // -3.5 -> -4 (half away from zero)
    }

    @Test func yearWithFourFreeWeeksHasTheRightDebitWeeks() {
        #expect(Self.calendar.debitWeeks(in: RentYear(startingIn: 2026)) == 48)
        let year53 = try! RentCalendar(freeWeeks: [RentYear(startingIn: 2024): [Self.day("2024-12-23"), Self.day("2024-12-30"), Self.day("2025-03-24"), Self.day("2025-03-31")]])
        #expect(year53.debitWeeks(in: RentYear(startingIn: 2024)) == 49)
    }

    @Test func aFreeWeekMustBeAMondayOfItsYear() {
        #expect(throws: RentCalendarError.self) { try RentCalendar(freeWeeks: [RentYear(startingIn: 2026): [Self.day("2026-12-22")]]) }
        #expect(throws: RentCalendarError.self) { try RentCalendar(freeWeeks: [RentYear(startingIn: 2026): [Self.day("2026-03-30")]]) }
    }
}
