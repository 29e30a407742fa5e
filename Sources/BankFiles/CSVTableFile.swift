/// A comma-separated file read into numbered records (RFC 4180 quoting, LF or CRLF, UTF-8 or
/// Windows-1252, blank lines skipped), for readers and loaders outside this module that check
/// the fields themselves: the hub's reference-data loaders (schedule of rates, repair orders).
public struct CSVTableFile: Sendable {
    /// One record and the line it starts on.
    public struct Record: Hashable, Sendable {
        /// The 1-based line number the record starts on.
        public var line: Int
        /// The fields, unquoted.
        public var fields: [String]
    }

    /// The file's name as given.
    public let name: String
    /// The records in file order, the header row included.
    public let records: [Record]

    /// Reads a file's bytes.
    /// - Throws: `FileReadError` naming the line: a control byte, a misplaced quote, a quoted
    ///   field still open at the end (the file was cut off), a file, line or field beyond `limits`.
    public init(bytes: [UInt8], name: String, limits: InputLimits = .text) throws(FileReadError) {
        self.name = name
        self.records = try CSVRecords(TextFile(bytes: bytes, name: name, limits: limits), limits: limits).records.map { Record(line: $0.line, fields: $0.fields) }
    }
}
