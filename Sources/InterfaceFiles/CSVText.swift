import Foundation

/// Builds CSV text record by record: fields separated by commas, a field quoted (with inner
/// quotes doubled) only when it holds a comma, a quote, a carriage return or a line feed
/// (RFC 4180), each record ended by `lineEnding`.
struct CSVText {
    /// The record separator.
    let lineEnding: String
    /// The text so far.
    private(set) var text = ""

    init(lineEnding: String) { self.lineEnding = lineEnding }

    /// Appends one record.
    mutating func record(_ fields: [String]) {
        text += fields.map(CSVText.escape).joined(separator: ",") + lineEnding
    }

    /// The text as UTF-8 bytes.
    var bytes: [UInt8] { Array(text.utf8) }

    /// A field as it is written.
    static func escape(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\r" || $0 == "\n" || $0 == "\r\n" }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
