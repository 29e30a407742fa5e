import Foundation
import HousingFinance
import Hub

/// Every scheduled job, read from the job files in Jobs/, one job per file.
public struct JobCatalog: Hashable, Sendable {
    /// The jobs, ordered by name.
    public let jobs: [JobDefinition]

    /// Collects job definitions, refusing two with the same name.
    ///
    /// - Throws: `ConfigError` with code `.duplicateJob`, naming both files.
    public init(_ jobs: [JobDefinition]) throws {
        var seen: [String: JobDefinition] = [:]
        for job in jobs {
            if let first = seen[job.name] {
                throw ConfigError(
                    .duplicateJob, file: job.file, key: "job",
                    message: "\(Wording.shortQuote(job.name)) is already defined in \(first.file); each job needs exactly one file")
            }
            seen[job.name] = job
        }
        self.jobs = jobs.sorted { $0.name < $1.name }
    }

    /// The job with a name, if the catalog has it.
    public subscript(name: String) -> JobDefinition? { jobs.first { $0.name == name } }

    /// Reads every `*.yaml` file in a folder (other files, such as README.md, are ignored; `*.yml`
    /// is refused so that a misnamed job file is not silently left out).
    ///
    /// Files are read in name order and errors name each file as `<folder>/<file>`, like
    /// `Jobs/rent-debit.yaml`.
    ///
    /// - Parameter directory: the Jobs/ folder.
    /// - Throws: `ConfigError` for the first file that cannot be read, or for two files that define
    ///   the same job (naming both).
    public static func load(directory: URL) throws -> JobCatalog {
        let folder = directory.lastPathComponent
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        } catch {
            throw ConfigError(.unreadable, file: folder, key: nil, message: "the job folder \(directory.path) cannot be read (\(error.localizedDescription))")
        }
        var jobs: [JobDefinition] = []
        for name in names {
            if name.hasSuffix(".yml") {
                throw ConfigError(.unreadable, file: "\(folder)/\(name)", key: nil, message: "job files must end in .yaml; rename it")
            }
            guard name.hasSuffix(".yaml") else { continue }
            jobs.append(try JobDefinition(contentsOf: directory.appendingPathComponent(name), file: "\(folder)/\(name)"))
        }
        return try JobCatalog(jobs)
    }
}
