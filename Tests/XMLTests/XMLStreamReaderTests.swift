import Foundation
import Testing
import XML

@Suite struct XMLStreamReaderTests {
    static let statement = """
        <?xml version="1.0" encoding="UTF-8"?>
        <Document>
          <Stmt>
            <Ntry><Amt Ccy="GBP">10.00</Amt></Ntry>
            <Ntry><Amt Ccy="GBP">20.00</Amt><Cd/></Ntry>
            <!-- a comment -->
            <Ntry>
              <Amt Ccy="EUR"><![CDATA[30 & 5]]></Amt>
            </Ntry>
          </Stmt>
        </Document>
        """

    @Test func eventsCarryPathsLinesAndDepths() throws {
        let events = try events(of: Self.statement)
        #expect(events.map(summary) == [
            "start Document 2 /Document",
            "start Stmt 3 /Document/Stmt[1]",
            "start Ntry 4 /Document/Stmt[1]/Ntry[1]",
            "start Amt 4 /Document/Stmt[1]/Ntry[1]/Amt[1]",
            "text 10.00 4 /Document/Stmt[1]/Ntry[1]/Amt[1]",
            "end Amt 4 /Document/Stmt[1]/Ntry[1]/Amt[1]",
            "end Ntry 4 /Document/Stmt[1]/Ntry[1]",
            "start Ntry 5 /Document/Stmt[1]/Ntry[2]",
            "start Amt 5 /Document/Stmt[1]/Ntry[2]/Amt[1]",
            "text 20.00 5 /Document/Stmt[1]/Ntry[2]/Amt[1]",
            "end Amt 5 /Document/Stmt[1]/Ntry[2]/Amt[1]",
            "start Cd 5 /Document/Stmt[1]/Ntry[2]/Cd[1]",
            "end Cd 5 /Document/Stmt[1]/Ntry[2]/Cd[1]",
            "end Ntry 5 /Document/Stmt[1]/Ntry[2]",
            "start Ntry 7 /Document/Stmt[1]/Ntry[3]",
            "start Amt 8 /Document/Stmt[1]/Ntry[3]/Amt[1]",
            "text 30 & 5 8 /Document/Stmt[1]/Ntry[3]/Amt[1]",
            "end Amt 8 /Document/Stmt[1]/Ntry[3]/Amt[1]",
            "end Ntry 7 /Document/Stmt[1]/Ntry[3]",
            "end Stmt 3 /Document/Stmt[1]",
            "end Document 2 /Document",
        ])
        #expect(events.map(\.depth) == [1, 2, 3, 4, 4, 4, 3, 3, 4, 4, 4, 4, 4, 3, 3, 4, 4, 4, 3, 2, 1])
        #expect(events.allSatisfy { $0.depth == $0.path.depth })
    }

    @Test func startTagsGiveAttributesAndEmptiness() throws {
        let events = try events(of: Self.statement)
        let amounts = events.compactMap(\.startTag).filter { $0.localName == "Amt" }
        #expect(amounts.map { $0.attributes["Ccy"] } == ["GBP", "GBP", "EUR"])
        #expect(events.compactMap(\.startTag).filter(\.isEmpty).map(\.localName) == ["Cd"])
    }

    @Test func readTextCollectsALeafAndMovesPastItsEnd() throws {
        let reader = try XMLStreamReader(bytes: Array(Self.statement.utf8))
        var amounts: [String] = []
        var codes: [String] = []
        var after: [String] = []
        while let event = try reader.next() {
            if event.isStart(of: "Amt") {
                amounts.append(try reader.readText())
                after.append(reader.currentPath.description)
            } else if event.isStart(of: "Cd") {
                codes.append(try reader.readText())
            }
        }
        #expect(amounts == ["10.00", "20.00", "30 & 5"])
        #expect(codes == [""])
        #expect(after == ["/Document/Stmt[1]/Ntry[1]", "/Document/Stmt[1]/Ntry[2]", "/Document/Stmt[1]/Ntry[3]"])
    }

    @Test func readTextIncludesNestedTextAndSkipElementSkipsASubtree() throws {
        let reader = try XMLStreamReader(bytes: Array("<a><b>x<c>y</c>z</b><d>kept</d></a>".utf8))
        _ = try reader.next()  // <a>
        #expect(try reader.next()?.isStart(of: "b") == true)
        #expect(try reader.readText() == "xyz")
        #expect(try reader.next()?.isStart(of: "d") == true)
        #expect(try reader.readText() == "kept")
        #expect(try reader.next()?.isEnd(of: "a") == true)
        #expect(try reader.next() == nil)

        let skipping = try XMLStreamReader(bytes: Array("<a><b><c>y</c></b><d/></a>".utf8))
        _ = try skipping.next()
        _ = try skipping.next()  // <b>
        try skipping.skipElement()
        #expect(try skipping.next()?.path.description == "/a/d[1]")
    }

    @Test func namespacesAreResolvedAndDeclarationsAreNotAttributes() throws {
        let xml = """
            <Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02" xmlns:x="urn:example:x">
              <x:Ext x:kind="note" plain="1">hi</x:Ext>
              <Stmt/>
            </Document>
            """
        let tags = try events(of: xml).compactMap(\.startTag)
        #expect(tags.map(\.localName) == ["Document", "Ext", "Stmt"])
        #expect(tags.map(\.namespaceURI) == [
            "urn:iso:std:iso:20022:tech:xsd:camt.053.001.02", "urn:example:x", "urn:iso:std:iso:20022:tech:xsd:camt.053.001.02",
        ])
        #expect(tags[0].attributes.isEmpty)
        #expect(tags[1].attributes == ["kind": "note", "plain": "1"])
        #expect(tags[1].localName == "Ext")
    }

    @Test func noNamespaceGivesAnEmptyURI() throws {
        let tags = try events(of: "<r a='1'/>").compactMap(\.startTag)
        #expect(tags == [XMLStartTag(localName: "r", namespaceURI: "", attributes: ["a": "1"], isEmpty: true)])
    }

    @Test func entitiesAndCharacterReferencesAreDecoded() throws {
        let texts = try events(of: "<r a=\"&quot;&#65;\">&lt;&amp;&gt;&#163;&#x20AC;</r>").compactMap { event -> String? in
            if case .text(let text) = event.kind { return text }
            return event.startTag?.attributes["a"]
        }
        #expect(texts == ["\"A", "<&>£€"])
    }

    @Test func readsAFileAndASampleStatementStreamed() throws {
        let path = TestData.path("samples/camt053/genkgo-camt/camt053.v2.multi.statement.xml")
        let reader = try XMLStreamReader(path: path)
        var statementPaths: [String] = []
        var ibans: [String] = []
        while let event = try reader.next() {
            if event.isStart(of: "Stmt") { statementPaths.append(event.path.description) }
            if event.isStart(of: "IBAN") { ibans.append(try reader.readText()) }
        }
        let source = try String(contentsOfFile: path, encoding: .utf8)
        #expect(statementPaths.count == source.components(separatedBy: "<Stmt>").count - 1)
        #expect(statementPaths.first == "/Document/BkToCstmrStmt[1]/Stmt[1]")
        #expect(statementPaths.last == "/Document/BkToCstmrStmt[1]/Stmt[\(statementPaths.count)]")
        #expect(ibans.count == source.components(separatedBy: "<IBAN>").count - 1)
        #expect(ibans.allSatisfy { !$0.isEmpty && source.contains("<IBAN>\($0)</IBAN>") })
    }

    @Test func aMissingFileIsAnIOError() {
        #expect {
            _ = try XMLStreamReader(path: "/nonexistent/statement.xml")
        } throws: { error in
            let error = error as? XMLError
            return error?.code == .io && error?.file == "/nonexistent/statement.xml"
                && error?.message.contains("No such file") == true
        }
    }

    @Test func pathsRenderAndCompare() {
        let root = XMLPath.document.appending("Document", index: 1)
        let entry = root.appending("Stmt", index: 1).appending("Ntry", index: 3)
        #expect(entry.description == "/Document/Stmt[1]/Ntry[3]")
        #expect(entry.depth == 3)
        #expect(entry.parent.parent == root)
        #expect(entry == XMLPath.document.appending("Document", index: 1).appending("Stmt", index: 1).appending("Ntry", index: 3))
        #expect(entry != root.appending("Stmt", index: 2).appending("Ntry", index: 3))
        #expect(XMLPath.document.description == "/")
        #expect(entry.steps.map(\.name) == ["Document", "Stmt", "Ntry"])
    }
}
