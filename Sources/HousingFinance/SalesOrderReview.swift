/// The council's review of a job ODS reports complete (DOMAIN.md, "Repairs"): price it, then
/// reject, hold or approve it, with reasons. Pure: the caller looks up the raised order, the
/// property's ownership and earlier sales orders.
public enum SalesOrderReview {
    /// The review's tolerances and limits (`Config/sales-order-review.yaml`).
    public struct Settings: Hashable, Sendable, Codable {
        /// How far over the estimate a job may come, as hundredths of a percent of the estimate.
        public var tolerancePercentBasisPoints: Int64
        /// How far over the estimate a job may come, in money.
        public var toleranceAbsolute: Money
        /// The highest priced value the review approves on its own.
        public var automaticApprovalLimit: Money

        public init(tolerancePercentBasisPoints: Int64, toleranceAbsolute: Money, automaticApprovalLimit: Money) {
            self.tolerancePercentBasisPoints = tolerancePercentBasisPoints
            self.toleranceAbsolute = toleranceAbsolute
            self.automaticApprovalLimit = automaticApprovalLimit
        }

        /// Whether a priced value is over the estimate by more than the tolerance: the excess is
        /// more than BOTH the percentage of the estimate and the absolute amount, that is
        /// `excess > max(percent × estimate, absolute)`. Exactly at the tolerance is within it.
        public func exceedsTolerance(priced: Money, estimate: Money) -> Bool {
            let excess = priced.pence - estimate.pence
            guard excess > 0 else { return false }
            // excess > estimate × bp / 10000, in integers.
            let overPercent = excess * 10_000 > estimate.pence * tolerancePercentBasisPoints
            return overPercent && excess > toleranceAbsolute.pence
        }
    }

    /// Why a job was rejected or held.
    public struct Reason: Hashable, Sendable, Codable, CustomStringConvertible {
        /// A stable code for scripts and tests (`unknown-job`, `over-tolerance`).
        public var code: String
        /// The reason in words.
        public var text: String
        public init(_ code: String, _ text: String) {
            self.code = code
            self.text = text
        }
        public var description: String { text }

        public static let unknownJob = "unknown-job"
        public static let notCouncilOwned = "not-council-owned"
        public static let unknownSOR = "unknown-sor-code"
        public static let alreadyBilled = "already-billed"
        public static let claimMismatch = "claimed-not-priced"
        public static let beforeRaised = "completed-before-raised"
        public static let inTheFuture = "completed-in-future"
        public static let overTolerance = "over-tolerance"
        public static let overApprovalLimit = "over-approval-limit"
    }

    /// The review's verdict.
    public enum Decision: String, Hashable, Sendable, Codable {
        case approved, held, rejected
    }

    /// The order as it was raised.
    public struct RaisedOrder: Hashable, Sendable {
        public var jobNumber: String
        public var propertyReference: String
        public var priority: SalesOrder.Priority
        public var raisedDate: Day
        public var estimate: Money
        public init(jobNumber: String, propertyReference: String, priority: SalesOrder.Priority, raisedDate: Day, estimate: Money) {
            self.jobNumber = jobNumber
            self.propertyReference = propertyReference
            self.priority = priority
            self.raisedDate = raisedDate
            self.estimate = estimate
        }
    }

    /// What ODS reports for the job.
    public struct Completion: Hashable, Sendable {
        public var jobNumber: String
        public var completionDate: Day
        public var claimed: Money
        public var lines: [(code: String, quantity: SalesOrder.Quantity)]
        public init(jobNumber: String, completionDate: Day, claimed: Money, lines: [(code: String, quantity: SalesOrder.Quantity)]) {
            self.jobNumber = jobNumber
            self.completionDate = completionDate
            self.claimed = claimed
            self.lines = lines
        }
        public static func == (a: Completion, b: Completion) -> Bool {
            a.jobNumber == b.jobNumber && a.completionDate == b.completionDate && a.claimed == b.claimed
                && a.lines.map(\.code) == b.lines.map(\.code) && a.lines.map(\.quantity) == b.lines.map(\.quantity)
        }
        public func hash(into hasher: inout Hasher) { hasher.combine(jobNumber) }
    }

    /// The review of one job.
    public struct Outcome: Hashable, Sendable {
        public var decision: Decision
        public var reasons: [Reason]
        /// The priced lines (those whose code is in force).
        public var lines: [SalesOrder.Line]
        /// The priced value, when every line could be priced.
        public var pricedValue: Money?
    }

    /// Reviews one completed job.
    /// - Parameters:
    ///   - completion: what ODS reports.
    ///   - order: the order as raised, nil if the hub has no such job.
    ///   - councilOwned: whether the order's property is council-owned on the completion date.
    ///   - billedAs: the earlier sales order that already billed (or is holding) this job, if any.
    ///   - pricing: the schedule of rates and contract terms.
    ///   - businessDate: the review's business date (a completion after it is in the future).
    ///   - settings: tolerances and the automatic approval limit.
    public static func review(
        _ completion: Completion, order: RaisedOrder?, councilOwned: Bool, billedAs: String?,
        pricing: ContractPricing, businessDate: Day, settings: Settings
    ) -> Outcome {
        var rejects: [Reason] = []
        var lines: [SalesOrder.Line] = []
        var allPriced = true
        for line in completion.lines {
            if let price = pricing.price(of: line.code, on: completion.completionDate) {
                lines.append(SalesOrder.Line(
                    sorCode: line.code, description: price.description, quantity: line.quantity, unitPrice: price.unitPrice,
                    value: ContractPricing.lineValue(unitPrice: price.unitPrice, quantity: line.quantity)))
            } else {
                allPriced = false
                rejects.append(Reason(
                    Reason.unknownSOR,
                    pricing.knows(line.code)
                        ? "SOR code \(line.code) is not in force on the completion date \(completion.completionDate.iso)"
                        : "SOR code \(line.code) is not in the schedule of rates"))
            }
        }
        let priced: Money? = allPriced ? lines.reduce(.zero) { $0 + $1.value } : nil
        guard let order else {
            rejects.insert(Reason(Reason.unknownJob, "job \(completion.jobNumber) is not a repair order the council raised"), at: 0)
            return Outcome(decision: .rejected, reasons: rejects, lines: lines, pricedValue: priced)
        }
        if !councilOwned {
            rejects.append(Reason(
                Reason.notCouncilOwned,
                "property \(order.propertyReference) is not council-owned on the completion date \(completion.completionDate.iso)"))
        }
        if let billedAs { rejects.append(Reason(Reason.alreadyBilled, "job \(completion.jobNumber) is already billed: \(billedAs)")) }
        if completion.completionDate < order.raisedDate {
            rejects.append(Reason(
                Reason.beforeRaised,
                "completion date \(completion.completionDate.iso) is before the order was raised (\(order.raisedDate.iso))"))
        }
        if completion.completionDate > businessDate {
            rejects.append(Reason(
                Reason.inTheFuture, "completion date \(completion.completionDate.iso) is after the business date \(businessDate.iso)"))
        }
        if let priced, priced != completion.claimed {
            rejects.append(Reason(
                Reason.claimMismatch,
                "claimed value \(completion.claimed.formatted) is not the priced value \(priced.formatted) (difference \((completion.claimed - priced).formatted))"))
        }
        if !rejects.isEmpty { return Outcome(decision: .rejected, reasons: rejects, lines: lines, pricedValue: priced) }
        let value = priced ?? .zero
        var holds: [Reason] = []
        if settings.exceedsTolerance(priced: value, estimate: order.estimate) {
            holds.append(Reason(
                Reason.overTolerance,
                "priced value \(value.formatted) is \((value - order.estimate).formatted) over the estimate \(order.estimate.formatted), more than the tolerance (\(percentText(settings.tolerancePercentBasisPoints)) and \(settings.toleranceAbsolute.formatted))"))
        }
        if value > settings.automaticApprovalLimit {
            holds.append(Reason(
                Reason.overApprovalLimit,
                "priced value \(value.formatted) is above the automatic approval limit \(settings.automaticApprovalLimit.formatted)"))
        }
        if !holds.isEmpty { return Outcome(decision: .held, reasons: holds, lines: lines, pricedValue: value) }
        return Outcome(decision: .approved, reasons: [], lines: lines, pricedValue: value)
    }

    /// `12.5%` from 1250.
    public static func percentText(_ basisPoints: Int64) -> String {
        let whole = basisPoints / 100
        let rest = basisPoints % 100
        if rest == 0 { return "\(whole)%" }
        return "\(whole).\(rest < 10 ? "0" : "")\(rest)".replacingTrailingZero() + "%"
    }
}

extension String {
    fileprivate func replacingTrailingZero() -> String {
        var text = self
        while text.hasSuffix("0") && text.contains(".") { text.removeLast() }
        return text
    }
}
