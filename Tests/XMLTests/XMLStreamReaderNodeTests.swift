import Foundation
import Testing
import XML

/// `nextNode()`: the events of `next()` without their paths, which the reader builds only when
/// asked for through `currentPath`.
@Suite struct XMLStreamReaderNodeTests {
    @Test func nodesAreTheEventsWithoutPaths() throws {
        let all = try events(of: XMLStreamReaderTests.statement)
        let reader = try XMLStreamReader(bytes: Array(XMLStreamReaderTests.statement.utf8))
        var nodes: [(kind: XMLEvent.Kind, line: Int)] = []
        while let node = try reader.nextNode() { nodes.append(node) }
        #expect(nodes.map(\.kind) == all.map(\.kind))
        #expect(nodes.map(\.line) == all.map(\.line))
    }

    @Test func currentPathIsBuiltOnDemandAndMatchesTheEventPaths() throws {
        let all = try events(of: XMLStreamReaderTests.statement)
        let reader = try XMLStreamReader(bytes: Array(XMLStreamReaderTests.statement.utf8))
        var starts: [String] = []
        var index = 0
        // Paths asked for at every other start only: the ones skipped must still come out right.
        while let node = try reader.nextNode() {
            if case .startElement = node.kind {
                if index % 2 == 0 { starts.append(reader.currentPath.description) }
                index += 1
            }
        }
        let expected = all.filter { $0.startTag != nil }.enumerated().filter { $0.offset % 2 == 0 }.map(\.element.path.description)
        #expect(starts == expected)
        #expect(starts.contains("/Document/Stmt[1]/Ntry[3]/Amt[1]"))
    }

    @Test func errorsWhileReadingNodesNameTheElementAsEventsDo() throws {
        let document = "<a><b><c/><c>x</c></b><b><c><d>"
        let reader = try XMLStreamReader(bytes: Array(document.utf8), name: "cut.xml")
        var caught: XMLError?
        do {
            while try reader.nextNode() != nil {}
        } catch {
            caught = error
        }
        let expected = try #require(readError(of: document))
        #expect(caught?.file == "cut.xml")
        #expect(caught?.path == expected.path)
        #expect(caught?.path?.hasPrefix("/a/b[2]/c[1]") == true)
    }
}
