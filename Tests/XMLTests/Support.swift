import Foundation
import XML

/// Where the shared test data lives: `/work/shared` beside the repository.
enum TestData {
    static let shared = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // XMLTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()  // repository root
        .appendingPathComponent("../shared").standardizedFileURL

    static func path(_ relative: String) -> String { shared.appendingPathComponent(relative).path }

    /// A fresh path in the temporary directory; the caller deletes the file.
    static func temporaryFile(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("xmltests-\(UUID().uuidString)-\(name)")
    }
}

/// All events of a document, in order.
func events(of xml: String, options: XMLStreamReader.Options = .init()) throws -> [XMLEvent] {
    let reader = try XMLStreamReader(bytes: Array(xml.utf8), name: "test.xml", options: options)
    var events: [XMLEvent] = []
    while let event = try reader.next() { events.append(event) }
    return events
}

/// The error reading a whole document throws, or nil if it reads cleanly.
func readError(of xml: String, options: XMLStreamReader.Options = .init()) -> XMLError? {
    do {
        _ = try events(of: xml, options: options)
        return nil
    } catch {
        return error as? XMLError
    }
}

/// A compact line per event: `start Amt 4 /Document/Stmt[1]/Ntry[1]/Amt[1]`.
func summary(_ event: XMLEvent) -> String {
    switch event.kind {
    case .startElement(let tag): "start \(tag.localName) \(event.line) \(event.path)"
    case .endElement(let name, _): "end \(name) \(event.line) \(event.path)"
    case .text(let text): "text \(text) \(event.line) \(event.path)"
    }
}
