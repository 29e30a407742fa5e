import Foundation
import Mustache

/// The page templates and the stylesheet, shipped as the product's resources (never read from
/// the source tree): `layout` (every page), `signin`.
enum ConsoleTemplates {
    static func folder() throws -> URL {
        guard let folder = Bundle.module.url(forResource: "Templates", withExtension: nil) else {
            throw ConsoleError("the console's templates are missing from its resources")
        }
        return folder
    }

    static func load() throws -> MustacheLibrary {
        var library = MustacheLibrary()
        for name in ["layout", "signin"] {
            let text = try String(contentsOf: try folder().appendingPathComponent("\(name).mustache"), encoding: .utf8)
            try library.register(text, named: name)
        }
        return library
    }

    static let stylesheet: String = {
        (try? folder()).flatMap { try? String(contentsOf: $0.appendingPathComponent("console.css"), encoding: .utf8) } ?? ""
    }()
}

/// The console could not start.
public struct ConsoleError: Error, CustomStringConvertible, Sendable {
    public var description: String
    init(_ description: String) { self.description = description }
}
