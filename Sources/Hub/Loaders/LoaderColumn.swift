import Foundation
import HousingFinance

/// A column of a loader file: its header name, whether the header must have it, whether a value
/// is required, and the format its values are read in.
public struct LoaderColumn: Sendable {
    /// How a column's values are written.
    public enum Format: Sendable, Equatable {
        /// Free text (surrounding spaces trimmed).
        case text
        /// A whole number in a range.
        case integer(ClosedRange<Int64>)
        /// A date `YYYY-MM-DD`.
        case date
        /// Pounds with up to two decimals (`412.50`, `-12.00`); staged as pence.
        case money(allowNegative: Bool)
        /// `yes`/`no` (also `y`/`n`, `true`/`false`).
        case boolean
        /// Items separated by `;`, each non-empty.
        case list
        /// A rent account reference with the configured check digit; staged in canonical form.
        case accountReference
        /// A UK postcode (`AB1 2CD`); staged in capitals with one space.
        case postcode
        /// A payment card number: 16 to 19 digits.
        case cardNumber
        /// A transaction code: 2 to 6 capitals or digits, starting with a capital.
        case code
        /// One of the words given (compared without case; staged in lower case).
        case choice([String])
        /// A Schedule of Rates code: capital letters and digits.
        case sorCode
        /// An identifier from another system: printable characters without spaces.
        case identifier
        /// A number with at most two decimals (`12.5`, a percentage or a quantity); staged in hundredths.
        case hundredths(allowNegative: Bool)
    }

    /// The header name.
    public var name: String
    /// Whether the header must have this column (the issue's minimum layout).
    public var inHeader: Bool
    /// Whether every row must have a value.
    public var required: Bool
    /// The format of its values.
    public var format: Format
    /// What it means, for the README and the help.
    public var meaning: String
    /// The longest value accepted, in characters (surrounding spaces trimmed); a longer one is
    /// refused, quoting only its start. By default `defaultMaxLength(format)`.
    public var maxLength: Int

    public init(_ name: String, inHeader: Bool = true, required: Bool, _ format: Format, maxLength: Int? = nil, _ meaning: String) {
        self.name = name
        self.inHeader = inHeader
        self.required = required
        self.format = format
        self.meaning = meaning
        self.maxLength = maxLength ?? LoaderColumn.defaultMaxLength(format)
    }

    /// The longest value of a format unless a column says otherwise: references and other text
    /// 50 characters, lists 500, dates 10, amounts and whole numbers 20, the rest 30.
    public static func defaultMaxLength(_ format: Format) -> Int {
        switch format {
        case .text: 50
        case .code, .choice, .accountReference, .postcode, .boolean: 30
        case .list: 500
        case .date: 10
        case .integer, .money: 20
        case .cardNumber: 19
        case .sorCode: 16
        case .identifier: 30
        case .hundredths: 16
        }
    }

    /// The column's staging type in SQL.
    var sqlType: String {
        switch format {
        case .integer, .money, .hundredths: return "bigint"
        case .date: return "date"
        case .boolean: return "boolean"
        default: return "text"
        }
    }
}

/// A field or line read, or why it cannot be.
public enum Reading<Value> {
    case success(Value)
    case failure(String)
}

/// A value read from a loader file, typed for staging.
enum LoadValue: Sendable, Equatable {
    case null
    case text(String)
    case integer(Int64)
    case date(Day)
    case boolean(Bool)

    var text: String? { if case .text(let t) = self { t } else { nil } }
    var integer: Int64? { if case .integer(let i) = self { i } else { nil } }
    var day: Day? { if case .date(let d) = self { d } else { nil } }
}

extension LoaderColumn {
    /// Reads one field.
    /// - Returns: the value, or the reason it is refused.
    func read(_ raw: String, scheme: AccountReferenceScheme) -> Reading<LoadValue> {
        let field = raw.trimmingSpaces
        if field.isEmpty {
            return required ? .failure("a value is required") : .success(.null)
        }
        if field.utf8.count > maxLength, field.count > maxLength {
            return .failure("\(Wording.count(field.count, "character")), more than the \(Wording.number(maxLength)) the column \(name) allows: shorten it at the source (each load's limits are in its README under Interfaces/inbound/)")
        }
        switch format {
        case .text:
            return .success(.text(field))
        case .integer(let range):
            guard let value = Int64(field), range.contains(value) else {
                return .failure("expected a whole number from \(range.lowerBound) to \(range.upperBound)")
            }
            return .success(.integer(value))
        case .date:
            guard field.count == 10, let day = Day(iso: field) else { return .failure("expected a date written YYYY-MM-DD") }
            return .success(.date(day))
        case .money(let allowNegative):
            let money: Money
            do { money = try Money(parsing: field) } catch let error as MoneyParseError {
                return .failure("not an amount in pounds with two decimals: \(error.reason)")
            } catch { return .failure("not an amount in pounds with two decimals") }
            if field.contains(",") || field.contains("£") { return .failure("write the amount as plain pounds and pence, like 1234.56") }
            if !allowNegative && money.pence < 0 { return .failure("the amount may not be negative") }
            return .success(.integer(money.pence))
        case .boolean:
            switch field.lowercased() {
            case "yes", "y", "true": return .success(.boolean(true))
            case "no", "n", "false": return .success(.boolean(false))
            default: return .failure("expected yes or no")
            }
        case .list:
            let items = field.split(separator: ";", omittingEmptySubsequences: false).map { String($0).trimmingSpaces }
            if items.contains(where: \.isEmpty) { return .failure("an item of the ';'-separated list is empty") }
            return .success(.text(items.joined(separator: ";")))
        case .accountReference:
            guard field.allSatisfy({ $0.isASCII && $0.isNumber }) else { return .failure("an account reference is digits only") }
            guard let reference = AccountReference(field, scheme: scheme) else {
                return .failure("not a valid rent account reference: \(scheme.length) digits with a \(scheme.checkDigit.rawValue) check digit")
            }
            return .success(.text(reference.digits))
        case .postcode:
            let compact = field.uppercased().filter { $0 != " " }
            guard LoaderColumn.isPostcode(compact) else { return .failure("not a UK postcode (like AB1 2CD)") }
            return .success(.text(String(compact.dropLast(3)) + " " + String(compact.suffix(3))))
        case .cardNumber:
            guard (16...19).contains(field.count), field.allSatisfy({ $0.isASCII && $0.isNumber }) else {
                return .failure("a payment card number is 16 to 19 digits")
            }
            return .success(.text(field))
        case .code:
            let isCode = (2...6).contains(field.count) && field.first!.isASCII && field.first!.isUppercase
                && field.allSatisfy { $0.isASCII && ($0.isUppercase || $0.isNumber) }
            guard isCode else {
                return .failure("a charge code is 2 to 6 capital letters or digits, like DBR")
            }
            return .success(.text(field))
        case .choice(let words):
            guard words.contains(field.lowercased()) else { return .failure("expected one of: \(words.joined(separator: ", "))") }
            return .success(.text(field.lowercased()))
        case .sorCode:
            guard field.allSatisfy({ $0.isASCII && ($0.isUppercase || $0.isNumber) }) else {
                return .failure("a SOR code is capital letters and digits, like DES5R003")
            }
            return .success(.text(field))
        case .identifier:
            guard field.allSatisfy({ $0.isASCII && $0.asciiValue! > 0x20 && $0.asciiValue! < 0x7F }) else {
                return .failure("printable characters without spaces")
            }
            return .success(.text(field))
        case .hundredths(let allowNegative):
            let negative = field.hasPrefix("-")
            guard let number = SalesOrder.Quantity(parsing: negative ? field.dropFirst() : field[...]) else {
                return .failure("expected a number with at most two decimals, like 12.5")
            }
            if negative && !allowNegative { return .failure("the number may not be negative") }
            return .success(.integer(negative ? -number.hundredths : number.hundredths))
        }
    }
}

extension LoaderColumn {
    /// Whether capitals and digits without spaces make a UK postcode: outward code (A9, A99,
    /// AA9, AA99, A9A, AA9A) then inward code (9AA).
    static func isPostcode(_ text: String) -> Bool {
        let chars = Array(text)
        guard (5...7).contains(chars.count) else { return false }
        func letter(_ c: Character) -> Bool { c.isASCII && c.isUppercase }
        func digit(_ c: Character) -> Bool { c.isASCII && c.isNumber }
        let inward = chars.suffix(3)
        guard digit(inward[inward.startIndex]), letter(inward[inward.startIndex + 1]), letter(inward[inward.startIndex + 2]) else { return false }
        let outward = Array(chars.dropLast(3))
        guard letter(outward[0]) else { return false }
        var rest = outward.dropFirst()
        if let c = rest.first, letter(c) { rest = rest.dropFirst() }
        guard let d = rest.first, digit(d) else { return false }
        rest = rest.dropFirst()
        if let c = rest.first, digit(c) || letter(c) { rest = rest.dropFirst() }
        return rest.isEmpty
    }
}

extension String {
    /// The text without surrounding spaces and tabs (fast when there are none).
    var trimmingSpaces: String {
        guard let first = utf8.first, let last = utf8.last else { return self }
        let blank: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 }
        guard blank(first) || blank(last) else { return self }
        return trimmingCharacters(in: .whitespaces)
    }
}
