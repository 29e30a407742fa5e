import Foundation
import HousingFinance

/// Checks the values that go into one record of an outbound file, so that a writer refuses what
/// its format cannot carry instead of writing a file the receiver rejects.
struct FieldChecker {
    /// The interface, for errors.
    let interface: String
    /// The record being written, for errors.
    var record: String

    func fail(_ field: String?, _ message: String, code: OutboundFileError.Code = .invalidValue) -> OutboundFileError {
        OutboundFileError(code, interface: interface, record: record, field: field, message)
    }

    /// Free text: no control characters (line breaks included), at most `max` characters
    /// (Unicode scalars), not empty unless `required` is false.
    @discardableResult
    func text(_ value: String, _ field: String, max: Int, required: Bool = true) throws(OutboundFileError) -> String {
        if required && value.isEmpty { throw fail(field, "is empty") }
        if value.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            throw fail(field, "has a line break or control character; the file cannot carry it")
        }
        if value.unicodeScalars.count > max {
            throw fail(field, "\(Wording.shortQuote(value)) is \(value.unicodeScalars.count) characters long; at most \(max) fit")
        }
        return value
    }

    /// A code or reference: 1 to `max` printable ASCII characters with no spaces.
    @discardableResult
    func code(_ value: String, _ field: String, max: Int) throws(OutboundFileError) -> String {
        guard !value.isEmpty, value.unicodeScalars.count <= max,
              value.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F })
        else { throw fail(field, "\(Wording.shortQuote(value)) must be 1 to \(max) printable ASCII characters without spaces") }
        return value
    }
}

extension Day {
    /// `YYYYMMDD`.
    var compact: String { iso.replacingOccurrences(of: "-", with: "") }

    /// `YYYY/MM/DD`, as Oracle's interface files write dates.
    var slashed: String { iso.replacingOccurrences(of: "-", with: "/") }
}

extension Date {
    /// The instant in UTC to the whole second, as `YYYY-MM-DDTHH:MM:SSZ`, computed in integers so
    /// that no locale, calendar setting or time zone of the machine can change it. Fractions of a
    /// second are dropped (rounded towards the past).
    var utcTimestamp: String {
        let seconds = Int64(timeIntervalSince1970.rounded(.down))
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let ofDay = seconds - days * 86_400
        func two(_ n: Int64) -> String { n < 10 ? "0" + String(n) : String(n) }
        return Day(daysSinceEpoch: Int(days)).iso + "T" + two(ofDay / 3600) + ":" + two(ofDay / 60 % 60) + ":" + two(ofDay % 60) + "Z"
    }
}
