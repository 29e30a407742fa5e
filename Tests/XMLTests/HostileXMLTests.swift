import Foundation
import Testing
import XML

@Suite struct HostileXMLTests {
    @Test func billionLaughsIsRefused() {
        var xml = "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n <!ENTITY lol \"lol\">\n"
        for level in 1...9 {
            xml += " <!ENTITY lol\(level) \"" + String(repeating: "&lol\(level == 1 ? "" : String(level - 1));", count: 10) + "\">\n"
        }
        xml += "]>\n<lolz>&lol9;</lolz>\n"
        let error = readError(of: xml)
        #expect(error?.code == .hostile)
        #expect(error?.file == "test.xml")
        // The line named is inside the document (the DTD's node has no line of its own).
        let lines = xml.split(separator: "\n").count
        #expect((1...lines).contains(error?.line ?? 0), "line \(error?.line ?? 0) of \(lines)")
    }

    @Test func externalEntityIsRefusedAndNeverRead() throws {
        let xml = #"<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>"#
        let reader = try XMLStreamReader(bytes: Array(xml.utf8))
        var seen: [XMLEvent] = []
        var thrown: XMLError?
        do {
            while let event = try reader.next() { seen.append(event) }
        } catch {
            thrown = error
        }
        let error = try #require(thrown)
        #expect(error.code == .hostile)
        #expect(error.message.contains("DOCTYPE"))
        #expect(error.line == 1)

        let passwd = try String(contentsOfFile: "/etc/passwd", encoding: .utf8)
        let firstLine = try #require(passwd.split(separator: "\n").first)
        let everything = seen.map { "\($0)" }.joined() + error.description
        #expect(!everything.contains(firstLine))
        #expect(!everything.contains("root:"))
        // Once refused, the reader keeps refusing.
        #expect(throws: error) { try reader.next() }
    }

    @Test(arguments: [
        #"<!DOCTYPE x SYSTEM "file:///etc/passwd"><x/>"#,
        #"<!DOCTYPE x PUBLIC "-//X//DTD X//EN" "http://127.0.0.1:9/x.dtd"><x/>"#,
        "<!DOCTYPE x><x/>",
    ])
    func anyDoctypeIsRefused(xml: String) {
        let error = readError(of: xml)
        #expect(error?.code == .hostile)
        #expect(error?.message.contains("DOCTYPE") == true)
    }

    @Test func deepNestingIsRefused() {
        let xml = String(repeating: "<a>", count: 10_000) + String(repeating: "</a>", count: 10_000)
        let error = readError(of: xml)
        #expect(error?.code == .hostile)
        #expect(error?.message.contains("limit of 64") == true)
        #expect(error?.path?.hasPrefix("/a/a[1]/a[1]") == true)
    }

    @Test func theDepthLimitIsConfigurable() throws {
        let xml = "<a><b><c><d/></c></b></a>"
        #expect(try events(of: xml, options: .init(maxDepth: 4)).count == 8)
        #expect(readError(of: xml, options: .init(maxDepth: 3))?.code == .hostile)
    }

    @Test func textOverTheLimitIsRefused() throws {
        let text = String(repeating: "x", count: 2_000)
        let xml = "<r>\n<long>\(text)</long></r>"
        let error = try #require(readError(of: xml, options: .init(maxTextLength: 1_000)))
        #expect(error.code == .hostile)
        #expect(error.line == 2)
        #expect(error.message.contains("2000 bytes"))
        #expect(error.path == "/r/long[1]")
        #expect(try events(of: xml, options: .init(maxTextLength: 2_000)).count == 5)

        let attribute = "<r a=\"\(text)\"/>"
        #expect(readError(of: attribute, options: .init(maxTextLength: 1_000))?.message.contains("attribute a") == true)
    }

    @Test func readTextRefusesTooMuchTextInTotal() throws {
        let piece = String(repeating: "y", count: 600)
        let xml = "<r><t>\(piece)<![CDATA[\(piece)]]></t></r>"
        let reader = try XMLStreamReader(bytes: Array(xml.utf8), options: .init(maxTextLength: 1_000))
        _ = try reader.next()
        _ = try reader.next()
        #expect { try reader.readText() } throws: { ($0 as? XMLError)?.code == .hostile }
    }

    @Test(.timeLimit(.minutes(2)))
    func aHundredMegabyteTextNodeIsRefusedQuickly() throws {
        let url = TestData.temporaryFile("huge-text.xml")
        defer { try? FileManager.default.removeItem(at: url) }
        #expect(FileManager.default.createFile(atPath: url.path, contents: Data("<?xml version=\"1.0\"?>\n<Document>\n<Nm>".utf8)))
        let handle = try FileHandle(forWritingTo: url)
        try handle.seekToEnd()
        let megabyte = Data(repeating: UInt8(ascii: "x"), count: 1 << 20)
        for _ in 0..<100 { try handle.write(contentsOf: megabyte) }
        try handle.write(contentsOf: Data("</Nm>\n</Document>\n".utf8))
        try handle.close()
        let size = try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int
        #expect(size ?? 0 > 100 << 20)

        let reader = try XMLStreamReader(path: url.path)
        var thrown: XMLError?
        do {
            while try reader.next() != nil {}
        } catch {
            thrown = error
        }
        let error = try #require(thrown)
        #expect(error.code == .hostile)
        #expect(error.file == url.path)
        #expect(error.line == 3)
        #expect(error.message.contains("huge text node") || error.message.contains("over the limit"))
    }

    @Test func aTruncatedDocumentNamesTheLine() {
        let xml = "<?xml version=\"1.0\"?>\n<Document>\n  <Stmt>\n    <Id>1</Id>\n    <Ntry><Amt>10"
        let error = readError(of: xml)
        #expect(error?.code == .malformed)
        #expect(error?.line == 5)
        #expect(error?.description.hasPrefix("test.xml, line 5") == true)
    }

    @Test func aMismatchedTagNamesTheLineAndWhatLibxml2Said() {
        let xml = "<Document>\n  <Stmt>\n    <Id>1</Idd>\n  </Stmt>\n</Document>\n"
        let error = readError(of: xml)
        #expect(error?.code == .malformed)
        #expect(error?.line == 3)
        #expect(error?.message.contains("Opening and ending tag mismatch: Id") == true)
    }

    @Test(arguments: ["", "not xml at all", "<a>&undeclared;</a>", "<a></a><b/>", "<a b='1' b='2'/>"])
    func malformedDocumentsAreRefused(xml: String) {
        #expect(readError(of: xml)?.code == .malformed)
    }
}
