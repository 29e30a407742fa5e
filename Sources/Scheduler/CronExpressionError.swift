import HousingFinance
/// Why a cron expression could not be read: which field, the offending text, and what is allowed.
///
/// Its description reads like `minute field '61': values must be 0-59`, or for the wrong number of
/// fields `cron expression '0 2 * *': needs 5 fields (minute hour day-of-month month day-of-week), found 4`.
public struct CronExpressionError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The whole expression as written.
    public var expression: String
    /// The field at fault, or nil when the expression does not have five fields.
    public var field: CronField?
    /// The offending part of the field (one list item), or the whole expression when `field` is nil.
    public var text: String
    /// What is wrong and what is allowed instead.
    public var problem: String

    /// Creates an error; the parser fills every part.
    public init(expression: String, field: CronField?, text: String, problem: String) {
        self.expression = expression
        self.field = field
        self.text = text
        self.problem = problem
    }

    /// The message: `<field> field '<text>': <problem>`.
    public var description: String {
        if let field { "\(field) field \(Wording.shortQuote(text)): \(problem)" } else { "cron expression \(Wording.shortQuote(text)): \(problem)" }
    }
}
