import Testing
import XML

@Suite struct XMLWriterTests {
    /// A small sales-order document with awkward text.
    static func orders(indent: String? = "  ") -> XMLWriter {
        var writer = XMLWriter(indent: indent)
        writer.declaration()
        writer.start("SalesOrders", attributes: [("xmlns", "urn:example:orders"), ("run", "2024-04-01")])
        writer.start("Order", attributes: [("kind", "Tom & \"Jerry\" <repairs>\tnow\nlater")])
        writer.element("Id", text: "42")
        writer.element("Note", text: "a < b && c > d ]]> 'quoted'\r\nnext\tline")
        writer.element("Empty", text: "")
        writer.element("Missing", optional: nil)
        writer.element("Present", optional: "£12.50 – café")
        writer.end()
        writer.end()
        return writer
    }

    @Test func writesTheExactLayout() {
        let writer = Self.orders()
        #expect(writer.isComplete)
        #expect(String(decoding: writer.bytes, as: UTF8.self) == """
            <?xml version="1.0" encoding="UTF-8"?>
            <SalesOrders xmlns="urn:example:orders" run="2024-04-01">
              <Order kind="Tom &amp; &quot;Jerry&quot; &lt;repairs&gt;&#9;now&#10;later">
                <Id>42</Id>
                <Note>a &lt; b &amp;&amp; c &gt; d ]]&gt; 'quoted'&#13;
            next\tline</Note>
                <Empty></Empty>
                <Present>£12.50 – café</Present>
              </Order>
            </SalesOrders>

            """)
    }

    @Test func theSameCallsGiveTheSameBytes() {
        #expect(Self.orders().bytes == Self.orders().bytes)
        #expect(Self.orders(indent: nil).bytes == Self.orders(indent: nil).bytes)
        // Without indentation the only newline is the one inside the note's text.
        #expect(Self.orders(indent: nil).bytes.filter { $0 == UInt8(ascii: "\n") }.count == 1)
        #expect(String(decoding: Self.orders(indent: nil).bytes, as: UTF8.self).hasPrefix(#"<?xml version="1.0" encoding="UTF-8"?><SalesOrders "#))
    }

    @Test(arguments: [
        ("plain", false, "plain"),
        ("<&>", false, "&lt;&amp;&gt;"),
        ("\"'", false, "\"'"),
        ("\"'", true, "&quot;'"),
        ("a\nb", false, "a\nb"),
        ("a\nb", true, "a&#10;b"),
        ("a\rb", false, "a&#13;b"),
        ("a\u{0}b\u{1B}c\u{FFFE}", false, "a\u{FFFD}b\u{FFFD}c\u{FFFD}"),
    ])
    func escapes(text: String, attribute: Bool, expected: String) {
        #expect(XMLWriter.escape(text, attribute: attribute) == expected)
    }

    @Test(arguments: ["  ", nil] as [String?])
    func itsOutputParsesBackToTheSameValues(indent: String?) throws {
        let reader = try XMLStreamReader(bytes: Self.orders(indent: indent).bytes, name: "orders.xml")
        var texts: [String: String] = [:]
        var kind: String?
        var namespaces: Set<String> = []
        while let event = try reader.next() {
            guard let tag = event.startTag else { continue }
            namespaces.insert(tag.namespaceURI)
            if tag.localName == "Order" {
                kind = tag.attributes["kind"]
            } else if tag.localName != "SalesOrders" {
                texts[tag.localName] = try reader.readText()
            }
        }
        #expect(kind == "Tom & \"Jerry\" <repairs>\tnow\nlater")
        #expect(texts == [
            "Id": "42", "Note": "a < b && c > d ]]> 'quoted'\r\nnext\tline", "Empty": "", "Present": "£12.50 – café",
        ])
        #expect(namespaces == ["urn:example:orders"])
    }

    @Test func controlCharactersStillGiveWellFormedXML() throws {
        var writer = XMLWriter()
        writer.start("r", attributes: [("a", "x\u{7}y")])
        writer.element("t", text: "bell\u{7} nul\u{0}")
        writer.end()
        let events = try events(of: String(decoding: writer.bytes, as: UTF8.self))
        #expect(events.first?.startTag?.attributes["a"] == "x\u{FFFD}y")
        #expect(events.contains { $0.kind == .text("bell\u{FFFD} nul\u{FFFD}") })
    }

    @Test func tracksOpenElements() {
        var writer = XMLWriter()
        writer.start("a")
        #expect(!writer.isComplete)
        writer.end()
        #expect(writer.isComplete)
    }
}
