import Foundation

/// Where the tests find files: the repository's own Interfaces folder and the shared real samples.
enum SampleFiles {
    /// The repository root, found from this source file's path.
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The shared folder of real bank files (outside the repository; read by tests only).
    static let realSamples = repositoryRoot.appendingPathComponent("../shared/samples").standardizedFileURL

    /// A file under `Interfaces/inbound/`.
    static func inbound(_ path: String) throws -> [UInt8] {
        try bytes(repositoryRoot.appendingPathComponent("Interfaces/inbound/\(path)"))
    }

    static func bytes(_ url: URL) throws -> [UInt8] {
        Array(try Data(contentsOf: url))
    }
}
