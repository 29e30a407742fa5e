import HousingFinance
import Testing

@Suite struct ContractPricingTests {
    let pricing = ContractPricing(
        rates: [
            .init(code: "DES5R003", description: "Redecorate", unit: "room", basePrice: Money(pence: 8000), effectiveFrom: Day(iso: "2026-01-01")!, effectiveTo: nil, order: 1),
            .init(code: "ELE2002", description: "Socket", unit: "each", basePrice: Money(pence: 4364), effectiveFrom: Day(iso: "2026-01-01")!, effectiveTo: nil, order: 2),
            .init(code: "ELE2002", description: "Socket", unit: "each", basePrice: Money(pence: 5000), effectiveFrom: Day(iso: "2026-04-07")!, effectiveTo: nil, order: 3),
        ],
        uplifts: [.init(basisPoints: 1000, effectiveFrom: Day(iso: "2026-01-01")!, effectiveTo: nil)],
        overrides: [.init(code: "DES5R003", price: Money(pence: 9999), effectiveFrom: Day(iso: "2026-05-01")!, effectiveTo: Day(iso: "2026-05-31")!)])

    @Test func upliftRoundsHalfUpToThePenny() {
        // 43.64 x 1.10 = 48.004 -> 48.00
        #expect(pricing.price(of: "ELE2002", on: Day(iso: "2026-04-06")!)?.unitPrice == Money(pence: 4800))
        // The new base price is in force from its first day: 50.00 x 1.10.
        #expect(pricing.price(of: "ELE2002", on: Day(iso: "2026-04-07")!)?.unitPrice == Money(pence: 5500))
    }

    @Test func anOverrideReplacesTheUpliftedPriceWhileInForce() {
        #expect(pricing.price(of: "DES5R003", on: Day(iso: "2026-04-30")!)?.unitPrice == Money(pence: 8800))
        let during = pricing.price(of: "DES5R003", on: Day(iso: "2026-05-01")!)
        #expect(during?.unitPrice == Money(pence: 9999))
        #expect(during?.isOverride == true)
        #expect(pricing.price(of: "DES5R003", on: Day(iso: "2026-06-01")!)?.unitPrice == Money(pence: 8800))
    }

    @Test func notInForceBeforeItsFirstDay() {
        #expect(pricing.price(of: "DES5R003", on: Day(iso: "2025-12-31")!) == nil)
        #expect(pricing.knows("DES5R003"))
        #expect(!pricing.knows("NOPE1"))
    }

    @Test func lineValueRoundsHalfUp() {
        // 33.55 x 1.50 = 50.325 -> 50.33
        #expect(ContractPricing.lineValue(unitPrice: Money(pence: 3355), quantity: .init(hundredths: 150)) == Money(pence: 5033))
    }

    @Test(arguments: [
        // estimate, priced, held?  (tolerance 10% and £50: held only when the excess is over both)
        (10_000, 16_000, true),  // £60 over £100: 60% and £60
        (10_000, 15_000, false),  // exactly £50 over: not more than the absolute
        (100_000, 110_000, false),  // £100 over £1,000: exactly 10%
        (100_000, 110_001, true),  // just over 10% and over £50
        (1_000, 5_000, false),  // 400% but only £40
    ] as [(Int64, Int64, Bool)])
    func toleranceNeedsBothPercentageAndAmountExceeded(estimate: Int64, priced: Int64, held: Bool) {
        let settings = SalesOrderReview.Settings(tolerancePercentBasisPoints: 1000, toleranceAbsolute: Money(pence: 5000), automaticApprovalLimit: Money(pence: 1_000_000))
        #expect(settings.exceedsTolerance(priced: Money(pence: priced), estimate: Money(pence: estimate)) == held)
    }

    @Test func quantities() {
        #expect(SalesOrder.Quantity(parsing: "2")?.hundredths == 200)
        #expect(SalesOrder.Quantity(parsing: "1.5")?.hundredths == 150)
        #expect(SalesOrder.Quantity(parsing: " 0.25 ")?.hundredths == 25)
        #expect(SalesOrder.Quantity(parsing: "1.234") == nil)
        #expect(SalesOrder.Quantity(parsing: "-1") == nil)
        #expect(SalesOrder.Quantity(parsing: "1.") == nil)
    }
}
