/// One step of a streamed document: an element starts, an element ends, or some text.
public struct XMLEvent: Hashable, Sendable {
    /// What happened.
    public enum Kind: Hashable, Sendable {
        /// An element starts. Every start is followed, in time, by its matching `endElement`, also
        /// for an empty element such as `<Cd/>`.
        case startElement(XMLStartTag)
        /// An element ends.
        case endElement(localName: String, namespaceURI: String)
        /// Character data (text or CDATA, with entities and character references resolved) inside
        /// the element at `path`. One run of text may come as several events (around a CDATA
        /// section, for instance).
        case text(String)
    }

    /// What happened.
    public var kind: Kind
    /// How many elements are open around this event, counting the element itself for start and
    /// end events: 1 for the root element, 2 for the root's text and children, and so on.
    public var depth: Int
    /// The 1-based line of the node: for an element (start and end alike) the line where its
    /// start tag ends; for text the line libxml2 recorded for it, or its element's line for CDATA.
    /// Past line 65,534 libxml2 records no lines on nodes, and the reader gives the line the
    /// parser has reached, which may be a few lines further on.
    public var line: Int
    /// The element's path for start and end events; the enclosing element's path for text.
    public var path: XMLPath

    /// Creates an event.
    public init(kind: Kind, depth: Int, line: Int, path: XMLPath) {
        self.kind = kind
        self.depth = depth
        self.line = line
        self.path = path
    }

    /// The start tag, if this event starts an element.
    public var startTag: XMLStartTag? {
        if case .startElement(let tag) = kind { return tag }
        return nil
    }

    /// Whether this event starts an element with the given local name.
    public func isStart(of localName: String) -> Bool { startTag?.localName == localName }

    /// Whether this event ends an element with the given local name.
    public func isEnd(of localName: String) -> Bool {
        if case .endElement(let name, _) = kind { return name == localName }
        return false
    }
}

/// An element's start tag as the reader saw it.
public struct XMLStartTag: Hashable, Sendable {
    /// The local name, without any prefix.
    public var localName: String
    /// The namespace URI, or "" when the element is in no namespace.
    public var namespaceURI: String
    /// The attributes by local name (namespace declarations left out; of two attributes with the
    /// same local name in different namespaces, the last one written).
    public var attributes: [String: String]
    /// Whether the element was written empty (`<Cd/>`); its end event follows at once.
    public var isEmpty: Bool

    /// Creates a start tag.
    public init(localName: String, namespaceURI: String = "", attributes: [String: String] = [:], isEmpty: Bool = false) {
        self.localName = localName
        self.namespaceURI = namespaceURI
        self.attributes = attributes
        self.isEmpty = isEmpty
    }
}
