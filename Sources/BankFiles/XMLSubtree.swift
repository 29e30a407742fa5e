internal import XML
internal import HousingFinance

/// One small element and its descendants, collected from a stream: an XML reader keeps a camt
/// entry or a balance (a few dozen elements) as a tree while it checks it, and never more than
/// one such tree at a time, so memory stays flat however many entries a file holds.
///
/// The tree's elements sit in one array (children linked by index), so collecting an entry
/// allocates one block rather than an object per element; an `XMLSubtree` is a handle on one
/// element of it.
struct XMLSubtree {
    /// The elements of one collected tree, in document order.
    final class Storage {
        struct Node {
            var name: String
            var attributes: [String: String]
            var line: Int
            var parent: Int
            var text = ""
            var firstChild = -1
            var lastChild = -1
            var nextSibling = -1

            init(name: String, attributes: [String: String], line: Int, parent: Int) {
                self.name = name
                self.attributes = attributes
                self.line = line
                self.parent = parent
            }
        }

        let nodes: [Node]
        /// The path of the tree's root element; the others' paths are built from it when asked for.
        let rootPath: XMLPath

        init(nodes: [Node], rootPath: XMLPath) {
            self.nodes = nodes
            self.rootPath = rootPath
        }

        /// The path of an element: its parent's, and its position among its same-named siblings.
        func path(of index: Int) -> XMLPath {
            guard index > 0 else { return rootPath }
            let node = nodes[index]
            var position = 1
            var sibling = nodes[node.parent].firstChild
            while sibling != index {
                if nodes[sibling].name == node.name { position += 1 }
                sibling = nodes[sibling].nextSibling
            }
            return path(of: node.parent).appending(node.name, index: position)
        }
    }

    private let storage: Storage
    private let index: Int

    private init(storage: Storage, index: Int) {
        self.storage = storage
        self.index = index
    }

    /// A lone element (no children, no text), for the checks that take a subtree.
    init(name: String, attributes: [String: String], line: Int, path: XMLPath) {
        self.init(storage: Storage(nodes: [Storage.Node(name: name, attributes: attributes, line: line, parent: -1)], rootPath: path), index: 0)
    }

    /// The element's local name.
    var name: String { storage.nodes[index].name }
    /// Its attributes by local name.
    var attributes: [String: String] { storage.nodes[index].attributes }
    /// The line of its start tag.
    var line: Int { storage.nodes[index].line }
    /// Its path in the document.
    var path: XMLPath { storage.path(of: index) }
    /// Its own text (the text directly inside it, trimmed of surrounding whitespace).
    var text: String { storage.nodes[index].text }
    /// Its child elements in document order.
    var children: [XMLSubtree] {
        var result: [XMLSubtree] = []
        var child = storage.nodes[index].firstChild
        while child >= 0 {
            result.append(XMLSubtree(storage: storage, index: child))
            child = storage.nodes[child].nextSibling
        }
        return result
    }

    /// The most elements one collected subtree may hold: an entry with hundreds of transaction
    /// details fits; a hostile file cannot make the reader hold an unbounded tree.
    static let maxElements = 200_000

    /// Collects the element whose start event was just read, up to and including its end.
    /// - Throws: `XMLError` from the reader, or `SubtreeTooLarge` past `maxElements`.
    static func collect(start: XMLEvent, from reader: XMLStreamReader) throws -> XMLSubtree {
        guard let tag = start.startTag else { preconditionFailure("XMLSubtree.collect needs a start event") }
        var nodes: [Storage.Node] = []
        nodes.reserveCapacity(32)
        nodes.append(Storage.Node(name: tag.localName, attributes: tag.attributes, line: start.line, parent: -1))
        var stack: [Int] = [0]
        stack.reserveCapacity(16)
        while let event = try reader.nextNode() {
            switch event.kind {
            case .startElement(let child):
                guard nodes.count < maxElements else { throw SubtreeTooLarge(path: start.path, line: start.line, limit: maxElements) }
                let node = nodes.count
                let parent = stack[stack.count - 1]
                nodes.append(Storage.Node(name: child.localName, attributes: child.attributes, line: event.line, parent: parent))
                if nodes[parent].lastChild >= 0 {
                    nodes[nodes[parent].lastChild].nextSibling = node
                } else {
                    nodes[parent].firstChild = node
                }
                nodes[parent].lastChild = node
                stack.append(node)
            case .text(let piece):
                let node = stack[stack.count - 1]
                if nodes[node].text.isEmpty {
                    nodes[node].text = piece  // the usual case: one piece, kept as it is
                } else {
                    nodes[node].text += piece
                }
            case .endElement:
                let node = stack.removeLast()
                nodes[node].text = XMLSubtree.trimmed(nodes[node].text)
                if stack.isEmpty { return XMLSubtree(storage: Storage(nodes: nodes, rootPath: start.path), index: 0) }
            }
        }
        throw SubtreeTooLarge(path: start.path, line: start.line, limit: 0)  // unreachable: the reader throws at a premature end
    }

    /// The first child with this name.
    func child(_ name: String) -> XMLSubtree? {
        let nodes = storage.nodes
        var child = nodes[index].firstChild
        while child >= 0 {
            if nodes[child].name == name { return XMLSubtree(storage: storage, index: child) }
            child = nodes[child].nextSibling
        }
        return nil
    }

    /// Every child with this name.
    func children(_ name: String) -> [XMLSubtree] {
        let nodes = storage.nodes
        var result: [XMLSubtree] = []
        var child = nodes[index].firstChild
        while child >= 0 {
            if nodes[child].name == name { result.append(XMLSubtree(storage: storage, index: child)) }
            child = nodes[child].nextSibling
        }
        return result
    }

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
            nodes = nodes.flatMap { $0.children(step) }
            return !nodes.isEmpty
        }
        return nodes
    }

    /// Calls `body` with each `/`-separated step of a path until it returns false. The steps are
    /// element names, short enough to be small strings (no allocation), compared as such.
    private func forEachStep(_ path: String, _ body: (String) -> Bool) {
        let whole = path
        var path = path
        path.withUTF8 { bytes in
            var start = 0
            while start < bytes.count {
                var end = start
                while end < bytes.count, bytes[end] != UInt8(ascii: "/") { end += 1 }
                if end == bytes.count, start == 0 {
                    _ = body(whole)  // a single step: the path itself
                    return
                }
                if end > start {
                    guard body(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)) else { return }
                }
                start = end + 1
            }
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
