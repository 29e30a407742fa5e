import Foundation
import HousingFinance
import Postgres

/// Reads what a mandate's schedule is computed from: its terms, the weekly charges of its
/// account's property and the tenancy's dates (`hub dd schedule`, `dd-notices`).
public struct DDSchedules: Sendable {
    public let config: DirectDebitConfig

    public init(config: DirectDebitConfig) { self.config = config }

    /// The schedule of a mandate: charges of its property, collections limited to the tenancy.
    public func schedule(_ mandate: Mandate, on db: Connection) throws -> DDSchedule {
        let tenancy = try db.queryOne(
            """
            SELECT t.start_date, t.end_date, t.property_id FROM dd_mandates m JOIN rent_accounts a ON a.id = m.account_id
            JOIN tenancies t ON t.id = a.tenancy_id WHERE m.id = \(mandate.id)
            """)!
        let charges = try db.query(
            "SELECT weekly_pence, effective_from, effective_to FROM weekly_charges WHERE property_id = \(try tenancy.decode(Int64.self, 2)) ORDER BY effective_from"
        ).map { DDCharge(weekly: Money(pence: $0.int64(0)), from: try $0.decode(Day.self, 1), to: try $0.decode(Day?.self, 2)) }
        var terms = mandate.terms
        terms.start = max(terms.start, try tenancy.decode(Day.self, 0))
        terms.end = try tenancy.decode(Day?.self, 1)
        return DDSchedule(terms: terms, extra: Money(pence: mandate.extraPence), charges: charges, rule: config.amountRule, calendar: config.calendar)
    }

    /// The notices sent for a mandate.
    public static func notices(mandateId: Int64, on db: Connection) throws -> [DDNotice] {
        try db.query("SELECT amount_pence, first_date, sent_on FROM dd_notices WHERE mandate_id = \(mandateId) ORDER BY first_date, sent_on, id").map {
            DDNotice(amount: Money(pence: $0.int64(0)), firstDate: try $0.decode(Day.self, 1), sentOn: try $0.decode(Day.self, 2))
        }
    }
}
