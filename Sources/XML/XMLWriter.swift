/// A streaming XML writer: elements, attributes and text go straight to a byte sink, escaped,
/// with a fixed layout so that the same calls always give the same bytes.
///
/// ```swift
/// var writer = XMLWriter()
/// writer.declaration()
/// writer.start("SalesOrders", attributes: [("xmlns", "urn:example")])
/// writer.element("Id", text: "42")
/// writer.end()
/// let bytes = writer.bytes
/// ```
public struct XMLWriter: Sendable {
    /// The bytes written so far (UTF-8).
    public private(set) var bytes: [UInt8] = []
    private var open: [String] = []
    private let indent: String?

    /// Creates a writer.
    /// - Parameter indent: the text of one level of indentation (two spaces by default); nil
    ///   writes everything on one line.
    public init(indent: String? = "  ") { self.indent = indent }

    /// Writes `<?xml version="1.0" encoding="UTF-8"?>`.
    public mutating func declaration() {
        append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>")
        newline()
    }

    /// Opens an element; close it with `end()`.
    public mutating func start(_ name: String, attributes: [(String, String)] = []) {
        pad()
        append("<" + name)
        writeAttributes(attributes)
        append(">")
        newline()
        open.append(name)
    }

    /// Closes the innermost open element.
    public mutating func end() {
        guard let name = open.popLast() else { preconditionFailure("XMLWriter.end() with no open element") }
        pad()
        append("</" + name + ">")
        newline()
    }

    /// Writes an element holding only text: `<Name>text</Name>`.
    public mutating func element(_ name: String, text: String, attributes: [(String, String)] = []) {
        pad()
        append("<" + name)
        writeAttributes(attributes)
        append(">")
        append(XMLWriter.escape(text, attribute: false))
        append("</" + name + ">")
        newline()
    }

    /// Writes an element only when the text is not nil.
    public mutating func element(_ name: String, optional text: String?) {
        if let text { element(name, text: text) }
    }

    /// Whether every opened element has been closed.
    public var isComplete: Bool { open.isEmpty }

    /// Escapes text for XML content or an attribute value. Characters that XML 1.0 does not allow
    /// (control characters other than tab, newline, carriage return) are replaced by U+FFFD.
    /// Carriage returns, and in attributes also quotes, newlines and tabs, are written as
    /// character references so that a parser gives them back unchanged.
    public static func escape(_ text: String, attribute: Bool) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"" where attribute: out += "&quot;"
            case "\n" where attribute: out += "&#10;"
            case "\t" where attribute: out += "&#9;"
            case "\r": out += "&#13;"
            case "\t", "\n": out.unicodeScalars.append(scalar)
            default:
                if scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF {
                    out += "\u{FFFD}"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

    private mutating func writeAttributes(_ attributes: [(String, String)]) {
        for (name, value) in attributes {
            append(" " + name + "=\"" + XMLWriter.escape(value, attribute: true) + "\"")
        }
    }

    private mutating func pad() {
        if let indent { for _ in open { append(indent) } }
    }

    private mutating func newline() {
        if indent != nil { bytes.append(0x0A) }
    }

    private mutating func append(_ text: String) { bytes.append(contentsOf: text.utf8) }
}
