internal import XML
internal import HousingFinance

/// One small element and its descendants, collected from a stream: an XML reader keeps a camt
/// entry or a balance (a few dozen elements) as a tree while it checks it, and never more than
/// one such tree at a time, so memory stays flat however many entries a file holds.
final class XMLSubtree {
    /// The element's local name.
    let name: String
    /// Its attributes by local name.
    let attributes: [String: String]
    /// The line of its start tag.
    let line: Int
    /// Its path in the document.
    let path: XMLPath
    /// Its own text (the text directly inside it, trimmed of surrounding whitespace).
    private(set) var text: String = ""
    /// Its child elements in document order.
    private(set) var children: [XMLSubtree] = []

    init(name: String, attributes: [String: String], line: Int, path: XMLPath) {
        self.name = name
        self.attributes = attributes
        self.line = line
        self.path = path
    }

    /// The most elements one collected subtree may hold: an entry with hundreds of transaction
    /// details fits; a hostile file cannot make the reader hold an unbounded tree.
    static let maxElements = 200_000

    /// Collects the element whose start event was just read, up to and including its end.
    /// - Throws: `XMLError` from the reader, or `SubtreeTooLarge` past `maxElements`.
    static func collect(start: XMLEvent, from reader: XMLStreamReader) throws -> XMLSubtree {
        guard let tag = start.startTag else { preconditionFailure("XMLSubtree.collect needs a start event") }
        let root = XMLSubtree(name: tag.localName, attributes: tag.attributes, line: start.line, path: start.path)
        var stack = [root]
        var count = 1
        var rawText = [""]
        while let event = try reader.next() {
            switch event.kind {
            case .startElement(let child):
                count += 1
                if count > maxElements { throw SubtreeTooLarge(path: root.path, line: root.line, limit: maxElements) }
                let node = XMLSubtree(name: child.localName, attributes: child.attributes, line: event.line, path: event.path)
                stack[stack.count - 1].children.append(node)
                stack.append(node)
                rawText.append("")
            case .text(let piece):
                if rawText[rawText.count - 1].isEmpty {
                    rawText[rawText.count - 1] = piece  // the usual case: one piece, kept as it is
                } else {
                    rawText[rawText.count - 1] += piece
                }
            case .endElement:
                let node = stack.removeLast()
                node.text = XMLSubtree.trimmed(rawText.removeLast())
                if stack.isEmpty { return node }
            }
        }
        throw SubtreeTooLarge(path: root.path, line: root.line, limit: 0)  // unreachable: the reader throws at a premature end
    }

    /// The first child with this name.
    func child(_ name: String) -> XMLSubtree? { children.first { $0.name == name } }

    /// Every child with this name.
    func children(_ name: String) -> [XMLSubtree] { children.filter { $0.name == name } }

    /// The first element down a path of child names, such as `"Amt"` or `"RltdPties/Dbtr/Nm"`.
    func first(_ path: String) -> XMLSubtree? {
        var node = self
        var failed = false
        forEachStep(path) { step in
            guard let found = node.child(step) else {
                failed = true
                return false
            }
            node = found
            return true
        }
        return failed ? nil : node
    }

    /// Every element reached by a path of child names (all branches).
    func all(_ path: String) -> [XMLSubtree] {
        var nodes = [self]
        forEachStep(path) { step in
            nodes = nodes.flatMap { $0.children.filter { $0.name == step } }
            return !nodes.isEmpty
        }
        return nodes
    }

    /// Calls `body` with each `/`-separated step of a path until it returns false. The steps are
    /// element names, short enough to be small strings (no allocation), compared as such.
    private func forEachStep(_ path: String, _ body: (String) -> Bool) {
        let utf8 = path.utf8
        guard utf8.contains(UInt8(ascii: "/")) else {
            if !path.isEmpty { _ = body(path) }
            return
        }
        var start = utf8.startIndex
        while start < utf8.endIndex {
            let end = utf8[start...].firstIndex(of: UInt8(ascii: "/")) ?? utf8.endIndex
            if end > start {
                guard body(String(Substring(path)[start..<end])) else { return }
            }
            start = end < utf8.endIndex ? utf8.index(after: end) : end
        }
    }

    /// Text without surrounding spaces, tabs and line breaks; the text itself when it has none
    /// (the usual case, checked on its first and last bytes).
    static func trimmed(_ text: String) -> String {
        let utf8 = text.utf8
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }
        guard let first = utf8.first, let last = utf8.last, isSpace(first) || isSpace(last) else { return text }
        guard let start = utf8.firstIndex(where: { !isSpace($0) }) else { return "" }
        let end = utf8.lastIndex(where: { !isSpace($0) })!
        return String(Substring(text)[start...end])
    }

    /// The text at a path, or nil when the element is absent or empty.
    func value(_ path: String) -> String? {
        guard let text = first(path)?.text, !text.isEmpty else { return nil }
        return text
    }
}

/// A collected element was larger than the limit.
struct SubtreeTooLarge: Error {
    var path: XMLPath
    var line: Int
    var limit: Int
}
