internal import CLibXML2

/// A compiled W3C XML Schema (XSD), for validating documents as they stream
/// (``XMLStreamReader/Options/schema``) or in one call (``validate(bytes:name:)``).
///
/// Sharing: an `XMLSchema` is `Sendable`. libxml2 only reads a compiled schema while validating,
/// and every reader makes its own validation context, so one schema may validate many documents
/// on many threads at once. Compile a schema once and keep it.
///
/// Schemas are trusted input (shipped with the program): libxml2 resolves their `xs:include` and
/// `xs:import` locations itself, relative to the schema file.
public final class XMLSchema: @unchecked Sendable {
    // @unchecked: the only state is the compiled schema, which libxml2 never changes after
    // xmlSchemaParse; it is freed once, in deinit, when no reader can be using it (each reader
    // holds a strong reference to its schema).

    /// The compiled schema.
    let pointer: xmlSchemaPtr
    /// The schema's file name, used in errors.
    public let name: String

    /// Loads and compiles an XSD file.
    /// - Parameter path: the `.xsd` file; includes and imports are resolved relative to it.
    /// - Throws: `XMLError` with code `.io` if the file cannot be opened, `.schema` if it is not
    ///   a valid XSD.
    public convenience init(path: String) throws(XMLError) {
        LibXML2.initialise()
        LibXML2.close(try LibXML2.openForReading(path))  // a clear error for a missing file
        try self.init(pointer: Self.compile(xmlSchemaNewParserCtxt(path), name: path), name: path)
    }

    /// Compiles an XSD held in memory. The bytes are needed only during the call.
    /// - Parameters:
    ///   - bytes: the XSD document.
    ///   - name: a name for the schema in errors.
    /// - Throws: `XMLError` with code `.schema` if the bytes are not a valid XSD.
    public convenience init(bytes: some Collection<UInt8>, name: String = "(memory schema)") throws(XMLError) {
        LibXML2.initialise()
        let copy = Array(bytes)
        let compiled = copy.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { chars in
                Result { () throws(XMLError) in
                    try Self.compile(xmlSchemaNewMemParserCtxt(chars.baseAddress, Int32(clamping: chars.count)), name: name)
                }
            }
        }
        try self.init(pointer: compiled.get(), name: name)
    }

    private init(pointer: xmlSchemaPtr, name: String) {
        self.pointer = pointer
        self.name = name
    }

    deinit { xmlSchemaFree(pointer) }

    /// Compiles a schema from a parser context, freeing the context.
    private static func compile(_ context: xmlSchemaParserCtxtPtr?, name: String) throws(XMLError) -> xmlSchemaPtr {
        guard let context else {
            throw XMLError(code: .schema, file: name, message: "libxml2 could not start reading the schema")
        }
        defer { xmlSchemaFreeParserCtxt(context) }
        let diagnostics = LibXML2Diagnostics()
        let schema = clibxml2_schema_parse(context, { context, error in LibXML2Diagnostics.receive(context, error?.pointee) }, diagnostics.context)
        if let error = diagnostics.firstError(file: name, path: nil, schemaParse: true) {
            if let schema { xmlSchemaFree(schema) }
            throw error
        }
        guard let schema else {
            throw XMLError(code: .schema, file: name, message: "libxml2 could not compile the schema; check that it is a valid XSD")
        }
        return schema
    }

    /// Checks a whole document against this schema, streaming it with the usual limits and
    /// refusals of ``XMLStreamReader``.
    /// - Parameters:
    ///   - bytes: the document, for example one just written with ``XMLWriter``.
    ///   - name: a name for the document in errors.
    /// - Throws: `XMLError` with code `.invalid` (with the line and libxml2's message) for the
    ///   first violation, or `.malformed` / `.hostile` as the reader does.
    public func validate(bytes: some Collection<UInt8>, name: String = "(memory)") throws(XMLError) {
        try Self.drain(XMLStreamReader(bytes: bytes, name: name, options: .init(schema: self)))
    }

    /// Checks a whole file against this schema; see ``validate(bytes:name:)``.
    /// - Parameter path: the document to check.
    /// - Throws: `XMLError` as ``validate(bytes:name:)`` does, or `.io` if the file cannot be read.
    public func validate(path: String) throws(XMLError) {
        try Self.drain(XMLStreamReader(path: path, options: .init(schema: self)))
    }

    private static func drain(_ reader: XMLStreamReader) throws(XMLError) {
        while try reader.next() != nil {}
    }
}
