/// The Schedule of Rates and the contract's terms, and the price of a SOR code on a day
/// (DOMAIN.md, "Repairs").
///
/// Which row is in force on a day: among the rows whose range covers the day
/// (`effectiveFrom <= day <= effectiveTo`, no `effectiveTo` = open-ended), the one with the latest
/// `effectiveFrom`; between rows with the same `effectiveFrom`, the one loaded last (the greater
/// `order`). So a price change is loaded as a new row from its first day, without editing the old
/// one, and a correction is loaded as a row with the same start.
///
/// The contract price of a code is its override in force, if any; otherwise the base price in
/// force times (1 + the uplift in force), rounded half up to the penny. A line's value is the
/// contract price times the quantity, rounded half up to the penny, line by line.
public struct ContractPricing: Sendable {
    /// One Schedule of Rates row.
    public struct Rate: Hashable, Sendable, Codable {
        public var code: String
        public var description: String
        public var unit: String
        public var basePrice: Money
        public var effectiveFrom: Day
        public var effectiveTo: Day?
        /// Load order (the database id): later wins between rows with the same start.
        public var order: Int64

        public init(code: String, description: String, unit: String, basePrice: Money, effectiveFrom: Day, effectiveTo: Day?, order: Int64 = 0) {
            self.code = code
            self.description = description
            self.unit = unit
            self.basePrice = basePrice
            self.effectiveFrom = effectiveFrom
            self.effectiveTo = effectiveTo
            self.order = order
        }
    }

    /// The contract's percentage uplift on the base schedule, in hundredths of a percent
    /// (`1250` = 12.50%).
    public struct Uplift: Hashable, Sendable, Codable {
        public var basisPoints: Int64
        public var effectiveFrom: Day
        public var effectiveTo: Day?
        public var order: Int64

        public init(basisPoints: Int64, effectiveFrom: Day, effectiveTo: Day?, order: Int64 = 0) {
            self.basisPoints = basisPoints
            self.effectiveFrom = effectiveFrom
            self.effectiveTo = effectiveTo
            self.order = order
        }
    }

    /// The contract's own price for one code (no uplift applies to it).
    public struct Override: Hashable, Sendable, Codable {
        public var code: String
        public var price: Money
        public var effectiveFrom: Day
        public var effectiveTo: Day?
        public var order: Int64

        public init(code: String, price: Money, effectiveFrom: Day, effectiveTo: Day?, order: Int64 = 0) {
            self.code = code
            self.price = price
            self.effectiveFrom = effectiveFrom
            self.effectiveTo = effectiveTo
            self.order = order
        }
    }

    /// The price of a code on a day, and how it was reached.
    public struct Price: Hashable, Sendable {
        public var code: String
        public var description: String
        public var unit: String
        /// The contract price per unit.
        public var unitPrice: Money
        /// The base price in force (nil when an override gave the price and no base row is in force).
        public var basePrice: Money?
        /// The uplift applied, in hundredths of a percent (nil when an override gave the price).
        public var upliftBasisPoints: Int64?
        /// Whether a per-code override gave the price.
        public var isOverride: Bool
    }

    private let rates: [String: [Rate]]
    private let uplifts: [Uplift]
    private let overrides: [String: [Override]]

    public init(rates: [Rate], uplifts: [Uplift] = [], overrides: [Override] = []) {
        self.rates = Dictionary(grouping: rates, by: \.code)
        self.uplifts = uplifts
        self.overrides = Dictionary(grouping: overrides, by: \.code)
    }

    /// Whether the schedule has the code at all (on any day).
    public func knows(_ code: String) -> Bool { rates[code] != nil || overrides[code] != nil }

    /// The row in force on a day among rows with ranges and load order.
    static func inForce<T>(_ rows: [T], on day: Day, from: (T) -> Day, to: (T) -> Day?, order: (T) -> Int64) -> T? {
        rows.filter { from($0) <= day && (to($0).map { day <= $0 } ?? true) }
            .max { (from($0), order($0)) < (from($1), order($1)) }
    }

    /// The contract price of a code on a day, or nil if the code is not in force then.
    public func price(of code: String, on day: Day) -> Price? {
        let rate = Self.inForce(rates[code] ?? [], on: day, from: \.effectiveFrom, to: \.effectiveTo, order: \.order)
        if let override = Self.inForce(overrides[code] ?? [], on: day, from: \.effectiveFrom, to: \.effectiveTo, order: \.order) {
            let known = rate ?? rates[code]?.max { ($0.effectiveFrom, $0.order) < ($1.effectiveFrom, $1.order) }
            return Price(
                code: code, description: known?.description ?? code, unit: known?.unit ?? "item", unitPrice: override.price,
                basePrice: rate?.basePrice, upliftBasisPoints: nil, isOverride: true)
        }
        guard let rate else { return nil }
        let uplift = Self.inForce(uplifts, on: day, from: \.effectiveFrom, to: \.effectiveTo, order: \.order)?.basisPoints ?? 0
        let unit = Money.roundHalfUp(rate.basePrice.pence * (10_000 + uplift), dividedBy: 10_000)
        return Price(
            code: code, description: rate.description, unit: rate.unit, unitPrice: unit, basePrice: rate.basePrice,
            upliftBasisPoints: uplift, isOverride: false)
    }

    /// A line's value: unit price times quantity, rounded half up to the penny.
    public static func lineValue(unitPrice: Money, quantity: SalesOrder.Quantity) -> Money {
        Money.roundHalfUp(unitPrice.pence * quantity.hundredths, dividedBy: 100)
    }
}

extension SalesOrder.Quantity {
    /// Reads a quantity with up to two decimals (`2`, `2.5`, `2.50`), above zero.
    /// - Returns: nil when the text is not such a number.
    public init?(parsing text: some StringProtocol) {
        let trimmed = text.trimmingSpaces
        let parts = trimmed.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), !parts[0].isEmpty, parts[0].count <= 9, parts[0].allSatisfy(\.isASCIIDigit) else { return nil }
        var fraction = parts.count == 2 ? String(parts[1]) : ""
        guard fraction.count <= 2, fraction.allSatisfy(\.isASCIIDigit), parts.count == 1 || !fraction.isEmpty else { return nil }
        while fraction.count < 2 { fraction += "0" }
        guard let whole = Int64(parts[0]), let hundredths = Int64(fraction) else { return nil }
        self.init(hundredths: whole * 100 + hundredths)
    }
}
