/// Why an XML document or schema was refused, and where.
///
/// The `description` reads as one line a person can act on, for example
/// `statement.xml, line 12, at /Document/BkToCstmrStmt/Stmt[1]: ... (malformed)`.
public struct XMLError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The kind of failure.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }

        /// The bytes are not well-formed XML: a syntax error, a wrong encoding or a truncated file.
        public static let malformed = Code("malformed")
        /// The document uses a construct refused as an attack or exceeds a safety limit: a DOCTYPE
        /// or entity, nesting deeper than the maximum depth, text longer than the maximum length.
        public static let hostile = Code("hostile")
        /// The document is well-formed but does not satisfy its XSD schema.
        public static let invalid = Code("invalid")
        /// The XSD schema itself could not be loaded or compiled.
        public static let schema = Code("schema")
        /// The file could not be opened or read.
        public static let io = Code("io")

        /// The code's name, e.g. `hostile`.
        public var description: String { name }
    }

    /// The kind of failure.
    public var code: Code
    /// The file name given to the reader or schema (`(memory)` for unnamed bytes).
    public var file: String
    /// The 1-based line the failure was found on, when known.
    public var line: Int?
    /// The element path where the failure was found, e.g. `/Document/BkToCstmrStmt[1]/Stmt[1]`.
    /// Exact for the reader's own refusals (DOCTYPE, depth, length); for errors libxml2 reports
    /// (syntax, schema) it is the element the reader had reached, which can be a little before
    /// the faulty spot because libxml2 parses ahead; nil when not known.
    public var path: String?
    /// What was wrong and what to do about it.
    public var message: String

    /// Creates an error.
    public init(code: Code, file: String, line: Int? = nil, path: String? = nil, message: String) {
        self.code = code
        self.file = file
        self.line = line
        self.path = path
        self.message = message
    }

    /// The error in one line: file, line, path, message and code.
    public var description: String {
        var place = file
        if let line { place += ", line \(line)" }
        if let path, !path.isEmpty { place += ", at \(path)" }
        return "\(place): \(message) (\(code))"
    }
}
