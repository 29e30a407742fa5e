import HousingFinance
import Testing

@Suite struct ArrearsRulesTests {
    let day = Day(iso: "2026-06-03")!  // a Wednesday

    func figures(balance: Int64, current: Int64 = 10_000, method: Arrears.PaymentMethod = .cash) -> Arrears.Figures {
        .init(balance: Money(pence: balance), currentWeekCharge: Money(pence: current), weeklyCharge: Money(pence: 10_000), freeWeek: false, method: method)
    }

    @Test func graceDaysDecideWhetherTheWeeksChargeIsArrearsYet() {
        // Two days into the week: within 7 grace days, not within 2.
        #expect(Arrears.position(figures(balance: 25_000), on: day, graceDays: 7).collectable == Money(pence: 15_000))
        #expect(Arrears.position(figures(balance: 25_000), on: day, graceDays: 2).collectable == Money(pence: 25_000))
        #expect(Arrears.position(figures(balance: 25_000), on: day, graceDays: 7).weeksText == "1.50")
        #expect(Arrears.weeks(Money(pence: -1_250), of: Money(pence: 10_000)) == -13)
        #expect(Arrears.weeks(Money(pence: 100), of: .zero) == nil)
    }

    @Test func aDirectDebitPayersChargesSinceTheLastCollectionWaitForTheNext() {
        var f = figures(balance: 30_000, method: .directDebit)
        f.nextDirectDebit = day + 5
        f.weeksChargedSinceLastDirectDebit = 2
        #expect(Arrears.position(f, on: day, graceDays: 0).collectable == .zero)
        f.nextDirectDebit = day - 1
        #expect(Arrears.position(f, on: day, graceDays: 0).collectable == Money(pence: 30_000))
        f.directDebitsExpected = 1
        #expect(Arrears.missedPayments(f) == 1)
    }

    @Test func theFirstStageWhoseConditionsHoldIsRecommendedWithItsRule() {
        let stages = [
            Arrears.Stage(name: "sms", title: "SMS", automatic: true, channel: "sms", template: "S", arrearsFrom: Money(pence: 500), arrearsTo: Money(pence: 999)),
            Arrears.Stage(name: "letter", title: "Letter", automatic: true, channel: "letter", template: "L", arrearsFrom: Money(pence: 1_000)),
            Arrears.Stage(name: "second", title: "Second", automatic: true, channel: "letter", template: "L2", after: "letter", daysSinceLastStageAtLeast: 14, daysSinceLastStageAtMost: 90),
        ]
        let small = Arrears.position(figures(balance: 10_700), on: day, graceDays: 7)
        #expect(Arrears.recommend(position: small, state: .init(), stages: stages, on: day).stage?.name == "sms")
        let big = Arrears.position(figures(balance: 30_000), on: day, graceDays: 7)
        let first = Arrears.recommend(position: big, state: .init(), stages: stages, on: day)
        #expect(first.stage?.name == "letter" && first.reason == "letter: arrears £200.00 in from £10.00")
        let tooSoon = Arrears.recommend(position: big, state: .init(stage: "letter", stageDay: day - 13), stages: stages, on: day)
        #expect(tooSoon.stage == nil && tooSoon.reason.contains("13 days since the last stage, fewer than 14"))
        #expect(Arrears.recommend(position: big, state: .init(stage: "letter", stageDay: day - 14), stages: stages, on: day).stage?.name == "second")
        #expect(Arrears.recommend(position: big, state: .init(stage: "letter", stageDay: day - 91), stages: stages, on: day).stage == nil)
        #expect(Arrears.recommend(position: big, state: .init(stage: "second", stageDay: day - 1), stages: stages, on: day).reason == "at the last stage of the ladder")
        let paused = Arrears.recommend(position: big, state: .init(pauses: [.courtDate(day + 3)]), stages: stages, on: day)
        #expect(paused.paused && paused.stage == nil && paused.reason == "paused: a court date stands (2026-06-06)")
    }

    @Test func instalmentsFallDueByFrequency() {
        let start = Day(iso: "2026-01-31")!
        let monthly = ArrearsAgreement(start: start, startingBalance: Money(pence: 50_000), instalment: Money(pence: 1_000), frequency: .monthly)
        #expect(monthly.instalmentsDue(by: start - 1) == 0)
        #expect(monthly.instalmentsDue(by: start) == 1)
        #expect(monthly.instalmentsDue(by: Day(iso: "2026-02-27")!) == 1)
        #expect(monthly.instalmentsDue(by: Day(iso: "2026-02-28")!) == 2, "the 31st falls on February's last day")
        #expect(monthly.nextInstalment(after: start) == Day(iso: "2026-02-28")!)
        let fortnightly = ArrearsAgreement(start: start, startingBalance: Money(pence: 50_000), lumpSum: Money(pence: 5_000), instalment: Money(pence: 1_000), frequency: .fortnightly)
        #expect(fortnightly.instalmentsDue(by: start + 27) == 2)
        #expect(fortnightly.expectedBalance(on: start + 28, currentWeekCharge: .zero) == Money(pence: 50_000 - 5_000 - 3_000))
        #expect(ArrearsAgreement(start: start, startingBalance: .zero, instalment: Money(pence: 1), frequency: .fourWeekly).instalmentsDue(by: start + 56) == 3)
    }

    @Test func anInstalmentIsConvertedToTheDirectDebitsFrequencyRoundedUp() {
        func convert(_ pence: Int64, _ from: ArrearsAgreement.Frequency, _ to: ArrearsAgreement.Frequency) -> Int64 {
            ArrearsAgreement.instalment(Money(pence: pence), from: from, to: to).pence
        }
        #expect(convert(500, .weekly, .weekly) == 500)
        #expect(convert(500, .weekly, .monthly) == 2_167, "£5 x 52 / 12 = £21.666..., rounded up")
        #expect(convert(500, .weekly, .fortnightly) == 1_000)
        #expect(convert(500, .weekly, .fourWeekly) == 2_000)
        #expect(convert(2_000, .monthly, .weekly) == 462, "£20 x 12 / 52 = £4.615..., rounded up")
        #expect(convert(1_001, .fourWeekly, .weekly) == 251)
        #expect(convert(2_600, .fortnightly, .monthly) == 5_634)
    }

    @Test func anAgreementCollectedByDirectDebitExpectsTheCollectionsNotWeeklyInstalments() {
        // £1,000 owed; rent £100 a week; a monthly Direct Debit collects £433.33 rent + £21.67 extra.
        let start = Day(iso: "2027-01-04")!  // a Monday
        let agreement = ArrearsAgreement(start: start, startingBalance: Money(pence: 100_000), instalment: Money(pence: 500), frequency: .weekly)
        var entries: [(day: Day, amount: Money, isCharge: Bool)] = (0..<6).map { (start + 7 * $0, Money(pence: 10_000), true) }
        let collections = [(day: Day(iso: "2027-01-15")!, amount: Money(pence: 45_500)), (day: Day(iso: "2027-02-15")!, amount: Money(pence: 45_500))]
        entries.append((Day(iso: "2027-01-15")!, Money(pence: -45_500), false))
        // Weekly instalments expected: the monthly payer is above the expected balance between collections, and breached.
        let weekly = agreement.history(entries: entries, through: Day(iso: "2027-02-14")!, toleranceDays: 5)
        #expect(weekly.last?.state == .breached)
        // By the Direct Debit's collections: kept while every collection is paid.
        let byDD = agreement.history(entries: entries, through: Day(iso: "2027-02-14")!, toleranceDays: 5, directDebit: collections)
        #expect(byDD.allSatisfy { $0.state == .kept })
        #expect(byDD.last?.expected == Money(pence: 100_000 + 60_000 - 45_500))
        #expect(byDD.last?.actual == byDD.last?.expected)
        // The February collection returned (nothing paid): above the expected balance, then breached.
        let returned = agreement.history(entries: entries, through: Day(iso: "2027-02-25")!, toleranceDays: 5, directDebit: collections)
        #expect(returned.first { $0.day == Day(iso: "2027-02-16")! }?.state == .behind)
        #expect(returned.last?.state == .breached && returned.last?.day == Day(iso: "2027-02-20")!)
    }

    @Test func writeOffBandsNameTheRolesThatMayApprove() {
        let bands = WriteOffBands([.init(upTo: Money(pence: 5_000), role: "officer"), .init(upTo: Money(pence: 500_000), role: "manager"), .init(upTo: nil, role: "head")])
        #expect(bands.roles(for: Money(pence: 5_000)) == ["officer", "manager", "head"])
        #expect(bands.roles(for: Money(pence: -5_001)) == ["manager", "head"])
        #expect(bands.roles(for: Money(pence: 500_001)) == ["head"])
    }

    @Test func theEarlyWarningScoreSaysWhy() {
        let score = EarlyWarning.score(.init(
            missedPayments: 2, balanceChange: Money(pence: 10_000), weeklyCharge: Money(pence: 10_000), movedFromDirectDebit: true,
            directDebitReturned: true, universalCreditClaim: false))
        #expect(score.points == 10 + 30 + 5 + 25)
        #expect(score.reasons == [
            "2 payments missed in the last 13 weeks", "balance up £100.00 in four weeks", "moved from Direct Debit to a standing order or bank transfer",
            "a Direct Debit was returned unpaid",
        ])
        // A week missed and caught up months ago is not a warning; a fresh gap with the balance rising is.
        let old = EarlyWarning.score(.init(missedPayments: 1, balanceChange: .zero, weeklyCharge: Money(pence: 10_000), movedFromDirectDebit: false,
                                           directDebitReturned: false, universalCreditClaim: false))
        #expect(old.points == 5)
        let fresh = EarlyWarning.score(.init(missedPayments: 1, missedRecently: 1, balanceChange: Money(pence: 3_000), weeklyCharge: Money(pence: 10_000),
                                             arrears: Money(pence: 5_000), movedFromDirectDebit: false, directDebitReturned: false, universalCreditClaim: true))
        #expect(fresh.points == 5 + 10 + 20 + 10 + 25)
        #expect(fresh.reasons == [
            "1 payment missed in the last 13 weeks (1 in the last 4)", "balance up £30.00 in four weeks", "already £50.00 in arrears", "a Universal Credit claim",
        ])
        let cash = EarlyWarning.score(.init(missedPayments: 0, balanceChange: .zero, weeklyCharge: Money(pence: 10_000), movedFromDirectDebit: true,
                                            movedToCash: true, directDebitReturned: false, universalCreditClaim: false))
        #expect(cash.points == 20 && cash.reasons == ["moved from Direct Debit to paying cash"])
        let test = EarlyWarning.BackTest(flagged: 8, flaggedFellIn: 2, fellIn: 3, stayedClear: 40, flaggedStayedClear: 6)
        #expect(EarlyWarning.BackTest.percent(test.precisionBasisPoints) == "25.00%")
        #expect(EarlyWarning.BackTest.percent(test.recallBasisPoints) == "66.66%")
        #expect(EarlyWarning.BackTest.percent(test.falseAlarmBasisPoints) == "15.00%")
    }
}
