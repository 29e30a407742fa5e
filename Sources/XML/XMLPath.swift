/// Where an element sits in a document: the local names of it and its ancestors, each with its
/// 1-based position among same-named siblings, written like `/Document/BkToCstmrStmt[1]/Stmt[1]/Ntry[3]`.
///
/// The root element is written without an index (there is only ever one). A path shares its
/// ancestors with the paths of its parent and siblings, so keeping one costs one small allocation
/// per element.
public struct XMLPath: Hashable, Sendable, CustomStringConvertible {
    /// One element of a path.
    public struct Step: Hashable, Sendable {
        /// The element's local name (no prefix).
        public var name: String
        /// Its 1-based position among its parent's children of the same name.
        public var index: Int
    }

    private final class Node: Sendable {
        let parent: Node?
        let step: Step
        let depth: Int

        init(parent: Node?, step: Step) {
            self.parent = parent
            self.step = step
            self.depth = (parent?.depth ?? 0) + 1
        }
    }

    private let node: Node?

    private init(node: Node?) { self.node = node }

    /// The path of the document itself, above the root element (written `/`).
    public static let document = XMLPath(node: nil)

    /// The path of a child of this element.
    /// - Parameters:
    ///   - name: the child's local name.
    ///   - index: its 1-based position among same-named siblings.
    public func appending(_ name: String, index: Int) -> XMLPath {
        XMLPath(node: Node(parent: node, step: Step(name: name, index: index)))
    }

    /// The path of the parent element (`document` for the root element and the document).
    public var parent: XMLPath { XMLPath(node: node?.parent) }

    /// How many elements the path names: 1 for the root element, 0 for the document.
    public var depth: Int { node?.depth ?? 0 }

    /// The last step, or nil for the document.
    public var last: Step? { node?.step }

    /// The steps from the root element down.
    public var steps: [Step] {
        var steps: [Step] = []
        steps.reserveCapacity(depth)
        var current = node
        while let step = current?.step {
            steps.append(step)
            current = current?.parent
        }
        return steps.reversed()
    }

    /// The path as text, e.g. `/Document/BkToCstmrStmt[1]/Stmt[1]`; `/` for the document.
    public var description: String {
        guard let node else { return "/" }
        // The nodes leaf first; written root first as bytes, in one buffer.
        var nodes: [Node] = []
        nodes.reserveCapacity(node.depth)
        var length = 0
        var current: Node? = node
        while let next = current {
            nodes.append(next)
            length += next.step.name.utf8.count + 22  // "/", "[", "]" and up to 19 digits
            current = next.parent
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(length)
        let root = nodes.count - 1
        for position in stride(from: root, through: 0, by: -1) {
            let step = nodes[position].step
            bytes.append(UInt8(ascii: "/"))
            bytes.append(contentsOf: step.name.utf8)
            if position != root {
                bytes.append(UInt8(ascii: "["))
                Self.appendDecimal(step.index, to: &bytes)
                bytes.append(UInt8(ascii: "]"))
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends an index in decimal, as `String(index)` writes it.
    private static func appendDecimal(_ value: Int, to bytes: inout [UInt8]) {
        guard value > 0 else {
            bytes.append(contentsOf: String(value).utf8)  // 0 or negative: never an index the reader gives
            return
        }
        let start = bytes.count
        var rest = value
        while rest > 0 {
            bytes.append(UInt8(ascii: "0") + UInt8(rest % 10))
            rest /= 10
        }
        bytes[start...].reverse()
    }

    /// Whether two paths name the same steps.
    public static func == (lhs: XMLPath, rhs: XMLPath) -> Bool {
        var left = lhs.node, right = rhs.node
        while let l = left, let r = right {
            if l === r { return true }
            guard l.step == r.step else { return false }
            left = l.parent
            right = r.parent
        }
        return left == nil && right == nil
    }

    /// Hashes the steps.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(depth)
        var current = node
        while let node = current {
            hasher.combine(node.step)
            current = node.parent
        }
    }
}
