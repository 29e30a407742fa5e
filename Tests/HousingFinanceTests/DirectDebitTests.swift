import HousingFinance
import Testing

private func d(_ iso: String) -> Day { Day(iso: iso)! }

@Suite struct BacsCalendarTests {
    let calendar = BacsCalendar()

    @Test func aFileSubmittedOnAnInputDayDebitsTwoWorkingDaysLater() {
        #expect(calendar.entryDay(forInput: d("2027-01-04")) == d("2027-01-06"))
        // Thursday input: Monday entry.
        #expect(calendar.entryDay(forInput: d("2027-01-07")) == d("2027-01-11"))
        #expect(calendar.processingDay(forEntry: d("2027-01-11")) == d("2027-01-08"))
        #expect(calendar.inputDay(forEntry: d("2027-01-11")) == d("2027-01-07"))
    }

    /// Christmas 2027 falls on a Saturday: the bank holidays are Monday 27 and Tuesday 28 December.
    @Test func christmas2027MovesCollectionsToWednesday29() {
        #expect(calendar.entryDay(forDue: d("2027-12-25")) == d("2027-12-29"))
        #expect(calendar.entryDay(forDue: d("2027-12-27")) == d("2027-12-29"))
        #expect(calendar.dueDays(forEntry: d("2027-12-29")) == [d("2027-12-25"), d("2027-12-26"), d("2027-12-27"), d("2027-12-28"), d("2027-12-29")])
        // The file for entry day Wednesday 29 goes in on Thursday 23.
        #expect(calendar.inputDay(forEntry: d("2027-12-29")) == d("2027-12-23"))
        #expect(calendar.entryDay(forInput: d("2027-12-24")) == d("2027-12-30"))
        #expect(calendar.dueDays(forEntry: d("2027-12-27")).isEmpty, "a bank holiday is no entry day")
    }

    /// Easter 2027: Good Friday 26 March, Easter Monday 29 March.
    @Test func easter2027MovesGoodFridayAndEasterMondayToTuesday() {
        #expect(calendar.dueDays(forEntry: d("2027-03-30")) == [d("2027-03-26"), d("2027-03-27"), d("2027-03-28"), d("2027-03-29"), d("2027-03-30")])
        #expect(calendar.inputDay(forEntry: d("2027-03-30")) == d("2027-03-24"))
        #expect(!calendar.isWorkingDay(d("2027-03-26")) && !calendar.isWorkingDay(d("2027-03-29")))
    }
}

@Suite struct DirectDebitAmountTests {
    /// Four free weeks in 2026/27 (52 weeks) and in 2030/31 (53 weeks).
    let rentCalendar = try! RentCalendar(freeWeeks: [
        RentYear(startingIn: 2026): [d("2026-12-21"), d("2026-12-28"), d("2027-03-22"), d("2027-03-29")],
        RentYear(startingIn: 2027): [d("2027-12-20"), d("2027-12-27"), d("2028-03-20"), d("2028-03-27")],
        RentYear(startingIn: 2030): [d("2030-12-23"), d("2030-12-30"), d("2031-03-24"), d("2031-03-31")],
    ])

    @Test func monthlyOnDebitWeeksSpreadsFreeWeeksOverTwelveMonths() {
        let rule = DDAmountRule(basis: .debitWeeks, calendar: rentCalendar)
        // 48 debit weeks x £100 / 12 = £400 every month, free weeks included.
        #expect(rule.amount(weeklyCharges: Money(pence: 10_000), frequency: .monthly, on: d("2027-01-01")) == Money(pence: 40_000))
        #expect(rule.amount(weeklyCharges: Money(pence: 10_000), extra: Money(pence: 500), frequency: .monthly, on: d("2026-12-22")) == Money(pence: 40_500))
    }

    @Test func aFiftyThreeWeekYearCollectsItsExtraWeek() {
        let rule = DDAmountRule(basis: .debitWeeks, calendar: rentCalendar)
        #expect(RentYear(startingIn: 2030).weekCount == 53)
        #expect(rule.basisWeeks(RentYear(startingIn: 2030)) == 49)
        // 49 x £100 / 12 = £408.333... -> £408.33.
        #expect(rule.amount(weeklyCharges: Money(pence: 10_000), frequency: .monthly, on: d("2030-06-01")) == Money(pence: 40_833))
        // Weekly: 49/53 of the weekly charge, every one of the 53 weeks.
        #expect(rule.factor(.weekly, on: d("2030-06-03")) == (49, 53))
        #expect(rule.amount(weeklyCharges: Money(pence: 10_000), frequency: .weekly, on: d("2030-06-03")) == Money(pence: 9_245))
        let fiftyTwo = DDAmountRule(basis: .fiftyTwo, calendar: rentCalendar)
        #expect(fiftyTwo.amount(weeklyCharges: Money(pence: 10_000), frequency: .monthly, on: d("2030-06-01")) == Money(pence: 43_333))
    }

    @Test(arguments: [
        (DDAmountBasis.debitWeeks, DDFrequency.weekly, Int64(9_231)), (.debitWeeks, .fortnightly, 18_462), (.debitWeeks, .fourWeekly, 36_923),
        (.fiftyTwo, .weekly, 10_000), (.fiftyTwo, .monthly, 43_333), (.fortyEight, .monthly, 40_000), (.fortyEight, .fortnightly, 18_462),
    ])
    func eachBasisAndFrequency(basis: DDAmountBasis, frequency: DDFrequency, pence: Int64) {
        let rule = DDAmountRule(basis: basis, calendar: rentCalendar)
        #expect(rule.amount(weeklyCharges: Money(pence: 10_000), frequency: frequency, on: d("2026-06-01")) == Money(pence: pence))
    }

    @Test func theScheduleFollowsTheAprilRentChangeAndTheTenancyEnd() {
        let rule = DDAmountRule(basis: .debitWeeks, calendar: rentCalendar)
        let schedule = DDSchedule(
            terms: DDCollectionTerms(frequency: .monthly, collectionDay: 1, start: d("2027-02-01"), end: d("2027-05-20")),
            extra: .zero,
            charges: [DDCharge(weekly: Money(pence: 9_000), from: d("2026-04-06"), to: d("2027-04-04")), DDCharge(weekly: Money(pence: 9_450), from: d("2027-04-05"), to: nil),
                      DDCharge(weekly: Money(pence: 1_000), from: d("2026-04-06"), to: nil)],
            rule: rule, calendar: BacsCalendar())
        let collections = schedule.collections(from: d("2027-01-01"), through: d("2027-12-31"))
        #expect(collections.map(\.due) == [d("2027-02-01"), d("2027-03-01"), d("2027-04-01"), d("2027-05-01")])
        // 2026/27: (90 + 10) x 48 / 12 = 400; 1 April 2027 is still rent year 2026/27 (its week's Monday is 29 March).
        #expect(collections.map(\.amount.pence) == [40_000, 40_000, 40_000, 41_800])
        // 1 May 2027 is a Saturday: the entry day is Tuesday 4 May (3 May is the early May bank holiday).
        #expect(collections.last?.entryDay == d("2027-05-04"))
    }

    @Test func fortnightlyCountsFromTheFirstCollection() {
        let terms = DDCollectionTerms(frequency: .fortnightly, collectionDay: 3, start: d("2027-01-01"))
        #expect(terms.firstDue == d("2027-01-06"))
        #expect(terms.dueDates(from: d("2027-01-01"), through: d("2027-02-10")) == [d("2027-01-06"), d("2027-01-20"), d("2027-02-03")])
        #expect(terms.nextDue(after: d("2027-01-06")) == d("2027-01-20"))
        let monthly = DDCollectionTerms(frequency: .monthly, collectionDay: 28, start: d("2027-01-01"))
        #expect(monthly.nextDue(after: d("2027-01-28")) == d("2027-02-28"))
    }
}

@Suite struct AdvanceNoticeTests {
    let calendar = BacsCalendar()

    @Test func aNewAmountNeedsTenWorkingDaysNotice() {
        let old = DDNotice(amount: Money(pence: 40_000), firstDate: d("2026-05-01"), sentOn: d("2026-04-10"))
        // Collection due Thursday 1 April 2027; ten working days before is 16 March (Good Friday and
        // Easter Monday are not working days).
        let inTime = DDNotice(amount: Money(pence: 41_800), firstDate: d("2027-04-01"), sentOn: d("2027-03-16"))
        let late = DDNotice(amount: Money(pence: 41_800), firstDate: d("2027-04-01"), sentOn: d("2027-03-17"))
        #expect(DDAmountDecision.decide(computed: Money(pence: 41_800), due: d("2027-04-01"), notices: [old, inTime], workingDays: 10, calendar: calendar)
            == .collect(Money(pence: 41_800)))
        #expect(DDAmountDecision.decide(computed: Money(pence: 41_800), due: d("2027-04-01"), notices: [old, late], workingDays: 10, calendar: calendar)
            == .previous(collect: Money(pence: 40_000), computed: Money(pence: 41_800)))
        #expect(DDAmountDecision.decide(computed: Money(pence: 41_800), due: d("2027-04-01"), notices: [late], workingDays: 10, calendar: calendar)
            == .withheld(computed: Money(pence: 41_800)))
    }

    @Test func bankDetailsAreCheckedAndExplained() throws {
        let details = try BankDetails(sortCode: "20-00-00", accountNumber: "1234 5678")
        #expect(details.sortCode == "200000" && details.accountNumber == "12345678" && details.sortCodeText == "20-00-00")
        #expect(throws: BankDetailsError.self) { try BankDetails(sortCode: "20-00-0", accountNumber: "12345678") }
        do {
            _ = try BankDetails(sortCode: "200000", accountNumber: "1234567")
            Issue.record("a 7-digit account number was taken")
        } catch {
            #expect(error.description.contains("account number '1234567' must be 8 digits"))
        }
    }
}
