import Foundation
import Testing
import XML

@Suite struct XMLSchemaTests {
    static let camt053v2 = TestData.path("iso20022/camt.053.001.02.xsd")
    static let samples = "samples/camt053/genkgo-camt/"

    @Test(arguments: ["camt053.v2.minimal.xml", "camt053.v2.multi.statement.xml", "camt053.v2.with-party-ids.xml"])
    func officialSamplesValidateWhileStreaming(sample: String) throws {
        let schema = try XMLSchema(path: Self.camt053v2)
        let reader = try XMLStreamReader(path: TestData.path(Self.samples + sample), options: .init(schema: schema))
        var entries = 0
        while let event = try reader.next() {
            if event.isStart(of: "Ntry") { entries += 1 }
        }
        let source = try String(contentsOfFile: TestData.path(Self.samples + sample), encoding: .utf8)
        #expect(entries == source.components(separatedBy: "<Ntry>").count - 1)
    }

    @Test func theWrongSampleFailsWithLineAndMessage() throws {
        let schema = try XMLSchema(path: Self.camt053v2)
        let path = TestData.path(Self.samples + "camt053.v2.wrong.xml")
        #expect {
            try schema.validate(path: path)
        } throws: { error in
            guard let error = error as? XMLError else { return false }
            return error.code == .invalid && error.file == path && error.line == 8
                && error.message.contains("BkToCstmrStmt") && error.message.contains("Missing child element(s)")
                && error.message.contains("Stmt")
        }
    }

    @Test func aBrokenCopyFailsWhereItIsBroken() throws {
        let schema = try XMLSchema(path: Self.camt053v2)
        let source = try String(contentsOfFile: TestData.path(Self.samples + "camt053.v2.minimal.xml"), encoding: .utf8)
        let brokenLine = try #require(source.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.contains("<CreDtTm>") }) + 1
        let broken = source.replacingOccurrences(of: "<CreDtTm>2015-03-10T18:43:50+00:00</CreDtTm>", with: "<CreDtTm>yesterday</CreDtTm>")
        #expect(broken != source)

        let reader = try XMLStreamReader(bytes: Array(broken.utf8), name: "broken.xml", options: .init(schema: schema))
        var thrown: XMLError?
        do {
            while try reader.next() != nil {}
        } catch {
            thrown = error
        }
        let error = try #require(thrown)
        #expect(error.code == .invalid)
        #expect(error.file == "broken.xml")
        #expect(error.line == brokenLine)
        #expect(error.message.contains("CreDtTm"))
        #expect(error.message.contains("yesterday"))
    }

    @Test func validateBytesAcceptsAValidDocument() throws {
        let schema = try XMLSchema(path: Self.camt053v2)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: TestData.path(Self.samples + "camt053.v2.minimal.xml")))
        try schema.validate(bytes: bytes)
    }

    @Test func aSchemaFromBytesValidatesWriterOutput() throws {
        let xsd = """
            <xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:example:orders"
                       xmlns="urn:example:orders" elementFormDefault="qualified">
              <xs:element name="Orders">
                <xs:complexType><xs:sequence>
                  <xs:element name="Order" maxOccurs="unbounded">
                    <xs:complexType><xs:sequence>
                      <xs:element name="Id" type="xs:positiveInteger"/>
                      <xs:element name="Note" type="xs:string" minOccurs="0"/>
                    </xs:sequence>
                    <xs:attribute name="kind" type="xs:string" use="required"/></xs:complexType>
                  </xs:element>
                </xs:sequence></xs:complexType>
              </xs:element>
            </xs:schema>
            """
        let schema = try XMLSchema(bytes: Array(xsd.utf8), name: "orders.xsd")

        func document(id: String) -> [UInt8] {
            var writer = XMLWriter()
            writer.declaration()
            writer.start("Orders", attributes: [("xmlns", "urn:example:orders")])
            writer.start("Order", attributes: [("kind", "repair & \"gas\"")])
            writer.element("Id", text: id)
            writer.element("Note", text: "<b>bold</b> & co")
            writer.end()
            writer.end()
            return writer.bytes
        }
        try schema.validate(bytes: document(id: "42"))
        #expect {
            try schema.validate(bytes: document(id: "-1"), name: "orders.xml")
        } throws: { error in
            let error = error as? XMLError
            return error?.code == .invalid && error?.line == 4 && error?.message.contains("'-1'") == true
        }
    }

    @Test func oneSchemaValidatesOnManyThreadsAtOnce() async throws {
        let schema = try XMLSchema(path: Self.camt053v2)
        let valid = try Data(contentsOf: URL(fileURLWithPath: TestData.path(Self.samples + "camt053.v2.multi.statement.xml")))
        let wrong = try Data(contentsOf: URL(fileURLWithPath: TestData.path(Self.samples + "camt053.v2.wrong.xml")))
        let outcomes = await withTaskGroup(of: Bool.self) { group in
            for round in 0..<8 {
                group.addTask {
                    do {
                        try schema.validate(bytes: round.isMultiple(of: 2) ? valid : wrong)
                        return true
                    } catch {
                        return false
                    }
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 }.count == 4)
    }

    @Test func aBadSchemaIsRefused() {
        #expect {
            _ = try XMLSchema(bytes: Array("<xs:schema xmlns:xs='http://www.w3.org/2001/XMLSchema'><xs:element name='a' type='nope'/></xs:schema>".utf8), name: "bad.xsd")
        } throws: { ($0 as? XMLError)?.code == .schema && ($0 as? XMLError)?.file == "bad.xsd" }
        #expect {
            _ = try XMLSchema(path: "/nonexistent/schema.xsd")
        } throws: { ($0 as? XMLError)?.code == .io }
    }
}
