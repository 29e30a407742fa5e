internal import CLibXML2

/// A pull reader over libxml2's streaming `xmlTextReader`: it reads a file (or bytes) a chunk at
/// a time and never builds the whole document, so memory stays flat however large the file.
///
/// ```swift
/// let reader = try XMLStreamReader(path: "statement.xml")
/// while let event = try reader.next() {
///     if event.isStart(of: "Amt") {
///         let currency = event.startTag?.attributes["Ccy"]
///         let amount = try reader.readText()
///     }
/// }
/// ```
///
/// Hostile input is refused with an ``XMLError``: any DOCTYPE (so no DTDs, entity declarations
/// or external entities), any entity reference, nesting deeper than ``Options/maxDepth``, text or
/// an attribute value longer than ``Options/maxTextLength``. libxml2 itself stops at 10 MB of text
/// in one node, before the reader sees it. Documents are parsed without network access.
///
/// With ``Options/schema`` set, the document is validated against the XSD as it streams and the
/// first violation is thrown, with its line.
///
/// Comments and processing instructions are skipped, and so is whitespace-only text in
/// ``next()`` (``readText()`` keeps it).
///
/// A reader is not `Sendable`: use it from one thread (or task) at a time. Once it has thrown,
/// every further call throws the same error.
public final class XMLStreamReader {
    /// Limits and validation for a reader.
    public struct Options: Sendable {
        /// The deepest element nesting accepted (the root element is at depth 1).
        public var maxDepth: Int
        /// The most bytes (UTF-8) accepted in one text node, one attribute value, or the text
        /// collected by ``XMLStreamReader/readText()``.
        public var maxTextLength: Int
        /// An XSD to validate the document against while it streams, or nil.
        public var schema: XMLSchema?

        /// Creates options.
        /// - Parameters:
        ///   - maxDepth: the deepest nesting accepted; 64 by default.
        ///   - maxTextLength: the longest text accepted, in bytes; 1 MB by default.
        ///   - schema: an XSD to validate against while reading; none by default.
        public init(maxDepth: Int = 64, maxTextLength: Int = 1 << 20, schema: XMLSchema? = nil) {
            self.maxDepth = maxDepth
            self.maxTextLength = maxTextLength
            self.schema = schema
        }
    }

    private enum Source {
        case file(Int32)
        case memory(UnsafeMutableRawBufferPointer)
    }

    /// The file name used in errors: the path, or the name given for bytes.
    public let fileName: String
    /// The limits and schema this reader applies.
    public let options: Options

    private let reader: xmlTextReaderPtr
    private let source: Source
    private let diagnostics: LibXML2Diagnostics
    /// The path of the innermost open element (`XMLPath.document` outside the root element).
    public var currentPath: XMLPath { path(at: levels.count) }
    /// One open element: its name and sibling index, and its path once something asked for it
    /// (paths are built lazily: ``nextNode()``, ``readText()`` and ``skipElement()`` build none).
    private struct Level {
        var name: String
        var index: Int
        var path: XMLPath?
    }
    /// The open elements, the root element first.
    @exclusivity(unchecked) private var levels: [Level] = []
    /// For each open element, and the document below them, how many children of each name have
    /// started so far: the source of the sibling indices in paths. One flat list for all open
    /// levels (`levelStarts` says where each level's names begin), names compared as interned
    /// libxml2 strings (pointers), so counting a child allocates and hashes nothing; a level with
    /// more than `linearNames` distinct child names counts the rest in `wideCounts`.
    @exclusivity(unchecked) private var childCounts: [(name: UnsafePointer<xmlChar>?, count: Int)] = []
    @exclusivity(unchecked) private var levelStarts: [Int] = [0]
    @exclusivity(unchecked) private var wideCounts: [Int: [UnsafePointer<xmlChar>?: Int]] = [:]
    private static let linearNames = 16
    /// Swift strings of the names (and namespace URIs) met so far, by their interned libxml2
    /// string: each distinct name is decoded once per document.
    @exclusivity(unchecked) private var names: [UnsafePointer<xmlChar>: String] = [:]
    /// The names met most recently, by their interned pointer in a slot chosen from its bits: the
    /// usual name is found here without hashing.
    /// The namespace URI of the last element, as bytes and as a string.
    @exclusivity(unchecked) private var lastNamespace: (bytes: [xmlChar], string: String) = ([], "")
    @exclusivity(unchecked) private var recentNames = [(name: UnsafePointer<xmlChar>?, string: String)](repeating: (nil, ""), count: 64)
    /// The end event of an empty element, delivered by the next read.
    @exclusivity(unchecked) private var pendingEnd: (kind: XMLEvent.Kind, line: Int)?
    @exclusivity(unchecked) private var failure: XMLError?
    @exclusivity(unchecked) private var atEnd = false

    /// Opens a file for streaming.
    /// - Parameters:
    ///   - path: the file to read.
    ///   - options: limits and an optional schema.
    /// - Throws: `XMLError` with code `.io` if the file cannot be opened.
    public convenience init(path: String, options: Options = Options()) throws(XMLError) {
        LibXML2.initialise()
        let fd = try LibXML2.openForReading(path)
        guard let reader = xmlReaderForFd(fd, path, nil, LibXML2.parseOptions) else {
            LibXML2.close(fd)
            throw XMLError(code: .io, file: path, message: "libxml2 could not start reading the file")
        }
        try self.init(reader: reader, source: .file(fd), fileName: path, options: options)
    }

    /// Reads a document held in memory. The bytes are copied, so the caller may drop them.
    /// - Parameters:
    ///   - bytes: the document.
    ///   - name: a name for the document in errors.
    ///   - options: limits and an optional schema.
    /// - Throws: `XMLError` with code `.io` if the bytes are 2 GB or more (read such a document
    ///   from a file instead).
    public convenience init(bytes: some Collection<UInt8>, name: String = "(memory)", options: Options = Options()) throws(XMLError) {
        LibXML2.initialise()
        guard bytes.count < Int(Int32.max) else {
            throw XMLError(code: .io, file: name, message: "the document is too large to read from memory; read it from a file")
        }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 1)
        buffer.copyBytes(from: bytes)
        let start = buffer.baseAddress!.assumingMemoryBound(to: CChar.self)
        guard let reader = xmlReaderForMemory(start, Int32(bytes.count), nil, nil, LibXML2.parseOptions) else {
            buffer.deallocate()
            throw XMLError(code: .io, file: name, message: "libxml2 could not start reading the document")
        }
        try self.init(reader: reader, source: .memory(buffer), fileName: name, options: options)
    }

    /// Takes ownership of a new libxml2 reader and its input, freeing both if setup fails.
    private init(reader: xmlTextReaderPtr, source: Source, fileName: String, options: Options) throws(XMLError) {
        let diagnostics = LibXML2Diagnostics()
        // The handler goes on first: setting a schema hands it on to the validation context.
        xmlTextReaderSetStructuredErrorHandler(reader, { context, error in LibXML2Diagnostics.receive(context, error?.pointee) }, diagnostics.context)
        if let schema = options.schema, xmlTextReaderSetSchema(reader, schema.pointer) != 0 {
            xmlFreeTextReader(reader)
            Self.release(source)
            throw XMLError(code: .schema, file: fileName, message: "libxml2 could not attach the XSD schema to the reader")
        }
        self.reader = reader
        self.source = source
        self.fileName = fileName
        self.options = options
        self.diagnostics = diagnostics
    }

    deinit {
        // The reader first: it frees the validation context that uses the schema, which
        // `options` keeps alive until after this body has run.
        xmlFreeTextReader(reader)
        Self.release(source)
    }

    private static func release(_ source: Source) {
        switch source {
        case .file(let fd): LibXML2.close(fd)
        case .memory(let buffer): buffer.deallocate()
        }
    }

    /// The next event, or nil at the end of the document. Whitespace-only text is skipped.
    /// - Throws: `XMLError` if the document is malformed, hostile, invalid against the schema,
    ///   or cannot be read.
    public func next() throws(XMLError) -> XMLEvent? {
        guard let node = try read(.events, withPath: true) else { return nil }
        return XMLEvent(kind: node.kind, depth: node.depth, line: node.line, path: node.path!)
    }

    /// The next event without its path, which is not built (cheaper than ``next()``, for a reader
    /// that needs paths rarely: ``currentPath`` still gives it on demand, after a start event the
    /// path of the element started); nil at the end of the document. Whitespace-only text is skipped.
    /// - Throws: as ``next()``.
    public func nextNode() throws(XMLError) -> (kind: XMLEvent.Kind, line: Int)? {
        guard let node = try read(.events, withPath: false) else { return nil }
        return (node.kind, node.line)
    }

    /// One node as `read` hands it on: an event whose path is built only when asked for.
    private struct Node {
        var kind: XMLEvent.Kind
        var depth: Int
        var line: Int
        var path: XMLPath?
    }

    /// The path of the open element at a depth (the document at 0), built from the nearest
    /// ancestor whose path is built, and kept.
    private func path(at depth: Int) -> XMLPath {
        guard depth > 0 else { return .document }
        if let path = levels[depth - 1].path { return path }
        var built = depth - 1
        while built > 0, levels[built - 1].path == nil { built -= 1 }
        var path = built > 0 ? levels[built - 1].path! : .document
        while built < depth {
            path = path.appending(levels[built].name, index: levels[built].index)
            levels[built].path = path
            built += 1
        }
        return path
    }

    /// Collects the text of the innermost open element — after a start-element event, that
    /// element — and moves past its end: the next event follows the element's end tag.
    ///
    /// The text of nested elements is included (as in the DOM's `textContent`), whitespace is
    /// kept as written, and an empty element gives "". Call it only inside an element (it is a
    /// programming error before the root element starts or after it ends).
    /// - Throws: `XMLError` as ``next()`` does, and with code `.hostile` if the text is longer
    ///   than ``Options/maxTextLength``.
    public func readText() throws(XMLError) -> String {
        try finishElement(collectingText: true)
    }

    /// Moves past the end of the innermost open element without collecting anything; the
    /// element's content is still checked (and validated) as it streams past. Call it only inside
    /// an element.
    /// - Throws: `XMLError` as ``next()`` does.
    public func skipElement() throws(XMLError) {
        _ = try finishElement(collectingText: false)
    }

    private func finishElement(collectingText: Bool) throws(XMLError) -> String {
        let depth = levels.count
        precondition(depth > 0, "XMLStreamReader: readText() or skipElement() outside any element")
        var text = ""
        while let event = try read(collectingText ? .allText : .noText, withPath: false) {
            switch event.kind {
            case .text(let piece) where collectingText:
                text += piece
                if text.utf8.count > options.maxTextLength {
                    throw fail(.hostile, line: event.line, "the text of <\(levels.last?.name ?? "")> is longer than \(options.maxTextLength) bytes; the limit guards against hostile input")
                }
            case .endElement where event.depth == depth:
                return text
            default:
                continue
            }
        }
        throw fail(.malformed, line: nil, "the document ended inside an element")
    }

    /// What `read` passes on of text.
    private enum TextMode {
        /// Text that is not whitespace only (``next()``).
        case events
        /// All text, whitespace included (``readText()``).
        case allText
        /// Text events with "" for their text, checked but never copied (``skipElement()``).
        case noText
    }

    /// The next node libxml2 reports that the reader passes on.
    private func read(_ mode: TextMode, withPath: Bool) throws(XMLError) -> Node? {
        if let failure { throw failure }
        if let end = pendingEnd {
            pendingEnd = nil
            let node = Node(kind: end.kind, depth: levels.count, line: end.line, path: withPath ? currentPath : nil)
            closeElement()
            return node
        }
        while !atEnd {
            let status = xmlTextReaderRead(reader)
            if diagnostics.first != nil {
                // libxml2 parses ahead of the nodes handed out, so the path is where the reader
                // had got to (none before the root element); libxml2's line is exact.
                let reached = levels.isEmpty ? nil : currentPath.description
                let error = diagnostics.firstError(file: fileName, path: reached)!
                failure = error
                throw error
            }
            guard status == 1 else {
                if status == 0 {
                    atEnd = true
                    return nil
                }
                throw fail(.malformed, line: Int(xmlTextReaderGetParserLineNumber(reader)), "libxml2 could not read the document; it is not well-formed XML")
            }
            let type = xmlTextReaderNodeType(reader)
            guard type >= 0 else { continue }
            switch xmlReaderTypes(rawValue: UInt32(type)) {
            case XML_READER_TYPE_ELEMENT:
                return try startElement(withPath: withPath)
            case XML_READER_TYPE_END_ELEMENT:
                let end = Node(kind: .endElement(localName: name(xmlTextReaderConstLocalName(reader)).string, namespaceURI: elementNamespace()),
                               depth: levels.count, line: nodeLine(), path: withPath ? currentPath : nil)
                closeElement()
                return end
            case XML_READER_TYPE_TEXT, XML_READER_TYPE_CDATA:
                return try textEvent(copying: mode != .noText, withPath: withPath)
            case XML_READER_TYPE_WHITESPACE, XML_READER_TYPE_SIGNIFICANT_WHITESPACE:
                switch mode {
                case .events: try checkTextLength()
                case .allText: return try textEvent(copying: true, withPath: withPath)
                case .noText: return try textEvent(copying: false, withPath: withPath)
                }
            case XML_READER_TYPE_DOCUMENT_TYPE:
                throw fail(.hostile, line: nodeLine(), "the document has a DOCTYPE declaration; DTDs are refused because their entities can expand without limit or read local files; ask the sender for the document without a DOCTYPE")
            case XML_READER_TYPE_ENTITY_REFERENCE, XML_READER_TYPE_ENTITY, XML_READER_TYPE_NOTATION:
                let name = LibXML2.string(xmlTextReaderConstName(reader))
                throw fail(.hostile, line: nodeLine(), "the document uses the entity '\(name)'; entities are refused as unsafe input")
            default:
                continue  // comments, processing instructions, the XML declaration
            }
        }
        return nil
    }

    private func startElement(withPath: Bool) throws(XMLError) -> Node {
        let line = nodeLine()
        let (interned, localName) = name(xmlTextReaderConstLocalName(reader))
        let depth = levels.count + 1
        guard depth <= options.maxDepth else {
            throw fail(.hostile, line: line, "element <\(localName)> is nested \(depth) deep, deeper than the limit of \(options.maxDepth); the limit guards against hostile input")
        }
        let isEmpty = xmlTextReaderIsEmptyElement(reader) == 1
        let namespaceURI = elementNamespace()
        let attributes = try readAttributes(of: localName, line: line)

        levels.append(Level(name: localName, index: countChild(interned), path: nil))
        levelStarts.append(childCounts.count)

        let tag = XMLStartTag(localName: localName, namespaceURI: namespaceURI, attributes: attributes, isEmpty: isEmpty)
        if isEmpty { pendingEnd = (.endElement(localName: localName, namespaceURI: namespaceURI), line) }
        return Node(kind: .startElement(tag), depth: depth, line: line, path: withPath ? currentPath : nil)
    }

    private func readAttributes(of element: String, line: Int) throws(XMLError) -> [String: String] {
        var attributes: [String: String] = [:]
        guard xmlTextReaderHasAttributes(reader) == 1 else { return attributes }
        var status = xmlTextReaderMoveToFirstAttribute(reader)
        while status == 1 {
            if xmlTextReaderIsNamespaceDecl(reader) != 1 {
                let attribute = name(xmlTextReaderConstLocalName(reader)).string
                attributes[attribute] = try boundedValue(line: line, what: "attribute \(attribute) of <\(element)>")
            }
            status = xmlTextReaderMoveToNextAttribute(reader)
        }
        xmlTextReaderMoveToElement(reader)
        return attributes
    }

    /// A text event; with `copying` false its text is "" (the length limit is still checked).
    private func textEvent(copying: Bool, withPath: Bool) throws(XMLError) -> Node {
        let line = nodeLine()
        let text: String
        if copying {
            text = try boundedValue(line: line, what: "a text node in <\(levels.last?.name ?? "")>")
        } else {
            try checkTextLength(line: line)
            text = ""
        }
        return Node(kind: .text(text), depth: levels.count, line: line, path: withPath ? currentPath : nil)
    }

    /// Checks the length of the current text node without copying it, as `textEvent` would.
    private func checkTextLength(line: Int? = nil) throws(XMLError) {
        guard let value = xmlTextReaderConstValue(reader) else { return }
        let length = LibXML2.length(value)
        guard length <= options.maxTextLength else {
            throw fail(.hostile, line: line ?? nodeLine(), "a text node in <\(levels.last?.name ?? "")> is \(length) bytes long, over the limit of \(options.maxTextLength); the limit guards against hostile input")
        }
    }

    /// A name (or namespace URI) from libxml2 as its interned pointer, which identifies it within
    /// this reader, and as a Swift string, decoded once per distinct name.
    private func name(_ text: UnsafePointer<xmlChar>?) -> (interned: UnsafePointer<xmlChar>?, string: String) {
        guard let text else { return (nil, "") }
        let bits = UInt(bitPattern: text)
        let slot = Int(truncatingIfNeeded: (bits ^ (bits >> 6)) & 63)
        if recentNames[slot].name == text { return (text, recentNames[slot].string) }
        if let string = names[text] {
            recentNames[slot] = (text, string)
            return (text, string)
        }
        // Only strings owned by the reader's dictionary are kept: they live as long as the reader,
        // so their pointers are never reused for another name.
        guard let interned = xmlTextReaderConstString(reader, text) else { return (nil, LibXML2.string(text)) }
        let string: String
        if let known = names[interned] {
            string = known
        } else {
            string = LibXML2.string(interned)
            names[interned] = string
        }
        if interned == text { recentNames[slot] = (text, string) }
        return (interned, string)
    }

    /// The namespace URI of the current element (as `xmlTextReaderConstNamespaceUri` gives it),
    /// read from its node; the last URI's string is reused while its bytes stay the same.
    private func elementNamespace() -> String {
        guard let node = xmlTextReaderCurrentNode(reader), let namespace = node.pointee.ns, let href = namespace.pointee.href else { return "" }
        let count = LibXML2.length(href)
        let same = count == lastNamespace.bytes.count
            && lastNamespace.bytes.withUnsafeBufferPointer { bytes in
                bytes.baseAddress.map { LibXML2.equal(href, $0, count: count) } ?? true  // no address: both empty
            }
        if !same {
            lastNamespace = (Array(UnsafeBufferPointer(start: href, count: count)), LibXML2.string(href, count: count))
        }
        return lastNamespace.string
    }

    /// Counts a child of the innermost open element (or the document) with this interned name
    /// and returns its 1-based index among its same-named siblings.
    private func countChild(_ name: UnsafePointer<xmlChar>?) -> Int {
        let level = levelStarts.count - 1
        var position = levelStarts[level]
        while position < childCounts.count {
            if childCounts[position].name == name {
                childCounts[position].count += 1
                return childCounts[position].count
            }
            position += 1
        }
        if childCounts.count - levelStarts[level] < Self.linearNames {
            childCounts.append((name, 1))
            return 1
        }
        let count = (wideCounts[level]?[name] ?? 0) + 1
        wideCounts[level, default: [:]][name] = count
        return count
    }

    /// The value of the current node, refused without copying it if it is over the limit.
    private func boundedValue(line: Int, what: @autoclosure () -> String) throws(XMLError) -> String {
        guard let value = xmlTextReaderConstValue(reader) else { return "" }
        let length = LibXML2.length(value)
        guard length <= options.maxTextLength else {
            throw fail(.hostile, line: line, "\(what()) is \(length) bytes long, over the limit of \(options.maxTextLength); the limit guards against hostile input")
        }
        return LibXML2.string(value, count: length)
    }

    private func closeElement() {
        levels.removeLast()
        let level = levelStarts.removeLast()
        childCounts.removeLast(childCounts.count - level)
        if !wideCounts.isEmpty { wideCounts[levelStarts.count] = nil }
    }

    /// The line libxml2 recorded on the current node, or on its element for a node without one
    /// (CDATA); past line 65,534, where libxml2 stops recording, the line the parser has reached,
    /// which may be a few lines further on.
    private func nodeLine() -> Int {
        // A DTD node is a differently shaped C struct with no line field: ask the parser instead.
        if xmlTextReaderNodeType(reader) == Int32(XML_READER_TYPE_DOCUMENT_TYPE.rawValue) {
            return Int(xmlTextReaderGetParserLineNumber(reader))
        }
        var node = xmlTextReaderCurrentNode(reader)
        while let current = node {
            switch Int(current.pointee.line) {
            case 1..<Int(UInt16.max): return Int(current.pointee.line)
            case 0: node = current.pointee.parent
            default: node = nil
            }
        }
        return Int(xmlTextReaderGetParserLineNumber(reader))
    }

    /// Records a failure so that later calls throw it too, and returns it for throwing.
    private func fail(_ code: XMLError.Code, line: Int?, _ message: String) -> XMLError {
        let error = XMLError(code: code, file: fileName, line: line, path: currentPath.description, message: message)
        failure = error
        return error
    }
}

@available(*, unavailable, message: "an XMLStreamReader is confined to one thread")
extension XMLStreamReader: Sendable {}
