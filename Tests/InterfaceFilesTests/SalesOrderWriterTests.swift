import Foundation
import HousingFinance
import InterfaceFiles
import Testing
#if canImport(FoundationXML)
import FoundationXML
#endif

/// The orders of the ods-sales-orders sample.
enum SampleSalesOrders {
    static func at(_ iso: String) -> Date { ISO8601DateFormatter().date(from: iso)! }

    static let orders: [SalesOrder] = [
        SalesOrder(
            salesOrderId: "SO0000501", jobNumber: "J2025-10442", propertyReference: "P004512", priority: .urgent,
            completionDate: Day(year: 2025, month: 4, day: 3)!, approvedValue: Money(pence: 14_436),
            approvedBy: "AUTO-REVIEW", approvedAt: at("2025-04-04T06:15:00Z"),
            lines: [
                .init(sorCode: "DES5R003", description: "Renew WC pan & seat <close-coupled>", quantity: .init(1),
                      unitPrice: Money(pence: 11_236), value: Money(pence: 11_236)),
                .init(sorCode: "PLU2R011", description: "Renew flexible tap connector, \"hot\" and cold", quantity: .init(hundredths: 250),
                      unitPrice: Money(pence: 1_280), value: Money(pence: 3_200)),
            ]),
        SalesOrder(
            salesOrderId: "SO0000502", jobNumber: "J2025-10450", propertyReference: "P000877", priority: .emergency,
            completionDate: Day(year: 2025, month: 4, day: 5)!, approvedValue: Money(pence: 53_000),
            approvedBy: "Priya Shah (Repairs Manager)", approvedAt: at("2025-04-07T13:42:09Z"),
            lines: [
                .init(sorCode: "ELE1E020", description: "Make safe and renew consumer unit, 10 way", quantity: .init(1),
                      unitPrice: Money(pence: 53_000), value: Money(pence: 53_000)),
            ]),
    ]

    static let header = SalesOrderWriter.FileHeader(sequenceNumber: 9, created: at("2025-04-07T18:30:00Z"), councilId: "EASTHAM-BC")
}

@Suite struct SalesOrderWriterTests {
    let writer = SalesOrderWriter(header: SampleSalesOrders.header)

    @Test func sampleIsRegeneratedByteForByte() throws {
        let written = try writer.write(SampleSalesOrders.orders)
        let sample = try RepositoryFile.sample("Interfaces/outbound/ods-sales-orders/sample.xml", regeneratingFrom: written)
        #expect(written == sample)
    }

    @Test func theRunTimeSchemaIsTheDocumentedOne() throws {
        let url = try #require(SalesOrderWriter.schemaURL)
        #expect(try Array(Data(contentsOf: url)) == RepositoryFile.bytes("Interfaces/outbound/ods-sales-orders/sales-orders.xsd"))
    }

    @Test func specialCharactersAreEscaped() throws {
        let text = String(decoding: try writer.write(SampleSalesOrders.orders), as: UTF8.self)
        #expect(text.contains("<Description>Renew WC pan &amp; seat &lt;close-coupled&gt;</Description>"))
        #expect(text.contains("<Description>Renew flexible tap connector, \"hot\" and cold</Description>"))
        #expect(text.hasPrefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<SalesOrderFile xmlns=\"\(SalesOrderWriter.namespace)\">\n"))
        #expect(text.hasSuffix("</SalesOrderFile>\n"))
        #expect(!text.contains("\r"))
    }

    @Test func theFileParsesBackToItsOrdersAndControlTotals() throws {
        let bytes = try writer.write(SampleSalesOrders.orders)
        let elements = try ElementCollector.parse(bytes)
        let orders = SampleSalesOrders.orders
        #expect(elements.texts("SalesOrderId") == orders.map(\.salesOrderId))
        #expect(elements.texts("ApprovedValue") == orders.map(\.approvedValue.plain))
        #expect(elements.texts("Description") == orders.flatMap { $0.lines.map(\.description) })
        #expect(elements.texts("LineNumber") == ["1", "2", "1"])
        #expect(elements.texts("Quantity") == ["1.00", "2.50", "1.00"])
        #expect(elements.texts("ApprovedAt") == ["2025-04-04T06:15:00Z", "2025-04-07T13:42:09Z"])
        #expect(elements.texts("Created") == ["2025-04-07T18:30:00Z"])
        #expect(elements.texts("OrderCount") == [String(orders.count)])
        #expect(elements.texts("TotalValue") == [orders.reduce(Money.zero) { $0 + $1.approvedValue }.plain])
        #expect(elements.namespaces == [SalesOrderWriter.namespace])
    }

    @Test func anOrderWhoseLinesDoNotAddUpIsRefused() throws {
        var order = SampleSalesOrders.orders[0]
        order.approvedValue += Money(pence: 1)
        let error = try #require(throws: OutboundFileError.self) { try writer.write([order]) }
        #expect(error.code == .totalsDoNotTie)
        #expect(error.record.contains("SO0000501"))
    }

    @Test func valuesTheSchemaRefusesAreRefused() throws {
        var order = SampleSalesOrders.orders[0]
        order.lines[1].sorCode = "plu2r011"
        #expect(try #require(throws: OutboundFileError.self) { try writer.write([order]) }.field == "SORCode")
        order = SampleSalesOrders.orders[0]
        order.jobNumber = "J 2025"
        #expect(try #require(throws: OutboundFileError.self) { try writer.write([order]) }.field == "JobNumber")
        order = SampleSalesOrders.orders[1]
        order.lines[0].quantity = .init(0)
        #expect(try #require(throws: OutboundFileError.self) { try writer.write([order]) }.field == "Quantity")
        order.lines = []
        order.approvedValue = .zero
        #expect(try #require(throws: OutboundFileError.self) { try writer.write([order]) }.field == "Lines")
        #expect(throws: OutboundFileError.self) { try writer.write([SampleSalesOrders.orders[1], SampleSalesOrders.orders[1]]) }
    }

    @Test func fractionsOfASecondDoNotChangeTheFile() throws {
        var orders = SampleSalesOrders.orders
        orders[0].approvedAt += 0.75
        #expect(try writer.write(orders) == writer.write(SampleSalesOrders.orders))
    }
}

/// Parses XML with Foundation's parser and collects each element's text by name.
final class ElementCollector: NSObject, XMLParserDelegate {
    private var stack: [String] = []
    private var text = ""
    private var collected: [(String, String)] = []
    private(set) var namespaces: Set<String> = []

    static func parse(_ bytes: [UInt8]) throws -> ElementCollector {
        let collector = ElementCollector()
        let parser = XMLParser(data: Data(bytes))
        parser.shouldProcessNamespaces = true
        parser.delegate = collector
        #expect(parser.parse(), "the file is not well-formed: \(String(describing: parser.parserError))")
        return collector
    }

    func texts(_ name: String) -> [String] { collected.filter { $0.0 == name }.map(\.1) }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        stack.append(name)
        text = ""
        if let namespaceURI { namespaces.insert(namespaceURI) }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        stack.removeLast()
        collected.append((name, text.trimmingCharacters(in: .whitespacesAndNewlines)))
        text = ""
    }
}
