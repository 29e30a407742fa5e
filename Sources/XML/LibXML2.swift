internal import CLibXML2

#if canImport(Glibc)
internal import Glibc
#elseif canImport(Darwin)
internal import Darwin
#endif

/// The small amount of glue every libxml2 user in this module needs.
enum LibXML2 {
    /// Calls `xmlInitParser()` once per process, on first use. `xmlCleanupParser()` is never
    /// called: other threads may still be using the library.
    private static let initialised: Void = xmlInitParser()

    static func initialise() { _ = initialised }

    /// The options every document is parsed with: no network access. Never `XML_PARSE_NOENT`
    /// (entity expansion), `XML_PARSE_DTDLOAD` (external DTDs) or `XML_PARSE_HUGE` (no limits).
    static let parseOptions = Int32(XML_PARSE_NONET.rawValue)

    /// A Swift string from a libxml2 string that libxml2 keeps ownership of.
    static func string(_ text: UnsafePointer<xmlChar>?) -> String {
        guard let text else { return "" }
        return String(cString: text)
    }

    /// A Swift string from `count` bytes of a libxml2 string.
    static func string(_ text: UnsafePointer<xmlChar>, count: Int) -> String {
        String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self)
    }

    /// The length of a NUL-terminated libxml2 string, counted with the C library's `strlen`
    /// (libxml2's `xmlStrlen` counts a byte at a time).
    static func length(_ text: UnsafePointer<xmlChar>) -> Int {
        text.withMemoryRebound(to: CChar.self, capacity: 1) { strlen($0) }
    }

    /// Whether `count` bytes at two places are the same.
    static func equal(_ first: UnsafePointer<xmlChar>, _ second: UnsafePointer<xmlChar>, count: Int) -> Bool {
        memcmp(first, second, count) == 0
    }

    /// Opens a file for reading, or throws an `.io` error saying why it cannot be.
    static func openForReading(_ path: String) throws(XMLError) -> Int32 {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let reason = String(cString: strerror(errno))
            throw XMLError(code: .io, file: path, message: "cannot open the file: \(reason); check the path and its permissions")
        }
        return fd
    }

    static func close(_ fd: Int32) {
        #if canImport(Glibc)
        _ = Glibc.close(fd)
        #else
        _ = Darwin.close(fd)
        #endif
    }
}

/// Collects the first error libxml2 reports through a structured error handler.
///
/// One instance belongs to one reader or one schema parse and is touched only on the thread
/// using it; libxml2 gets an unretained pointer to it, so its owner must keep it alive for as long
/// as the libxml2 object that reports into it.
final class LibXML2Diagnostics {
    /// What libxml2 said.
    struct Report {
        var domain: Int32
        var code: Int32
        var line: Int?
        var message: String
    }

    /// The first error (not warning) reported, if any.
    @exclusivity(unchecked) private(set) var first: Report?

    /// The pointer to hand libxml2 as the handler's user data.
    var context: UnsafeMutableRawPointer { Unmanaged.passUnretained(self).toOpaque() }

    /// The body of the C handler: `{ context, error in LibXML2Diagnostics.receive(context, error?.pointee) }`.
    static func receive(_ context: UnsafeMutableRawPointer?, _ error: xmlError?) {
        guard let context, let error else { return }
        Unmanaged<LibXML2Diagnostics>.fromOpaque(context).takeUnretainedValue().record(error)
    }

    private func record(_ error: xmlError) {
        guard first == nil, error.level.rawValue >= XML_ERR_ERROR.rawValue else { return }
        var message = error.message.map { String(cString: $0) } ?? "unknown libxml2 error \(error.code)"
        message = String(message.map { $0.isNewline ? " " : $0 })
        while let last = message.last, last.isWhitespace || last == "." { message.removeLast() }
        first = Report(domain: error.domain, code: error.code, line: error.line > 0 ? Int(error.line) : nil, message: message)
    }

    /// The first error as an `XMLError`, classified and with advice on what to do.
    func firstError(file: String, path: String?, schemaParse: Bool = false) -> XMLError? {
        guard let report = first else { return nil }
        let (code, advice) = schemaParse
            ? (.schema, "the XSD schema could not be compiled; check the schema file")
            : Self.classify(report)
        return XMLError(code: code, file: file, line: report.line, path: path, message: "\(report.message); \(advice)")
    }

    private static func classify(_ report: Report) -> (XMLError.Code, String) {
        if report.domain == Int32(XML_FROM_SCHEMASV.rawValue) {
            return (.invalid, "the document does not satisfy its XSD schema")
        }
        if report.domain == Int32(XML_FROM_IO.rawValue) {
            return (.io, "the file could not be read")
        }
        switch UInt32(bitPattern: report.code) {
        case XML_ERR_ENTITY_LOOP.rawValue:
            return (.hostile, "entity expansion is refused as unsafe input; ask the sender for the document without a DOCTYPE")
        case XML_ERR_NO_MEMORY.rawValue:
            // What libxml2 reports when one text node passes its 10 MB limit.
            return (.hostile, "libxml2 refuses a single text over 10 MB as unsafe input; check that this is the expected file")
        case XML_ERR_INTERNAL_ERROR.rawValue:
            // What libxml2 reports when elements nest past its 256-level limit.
            return (.hostile, "refused as unsafe input; check that this is the expected file")
        case XML_ERR_DOCUMENT_END.rawValue:
            // The streaming reader's report for a truncated or empty document as well.
            return (.malformed, "the document is empty, ends before its root element is closed (truncated?) or has content after it")
        default:
            return (.malformed, "the document is not well-formed XML; it may be damaged or truncated")
        }
    }
}
