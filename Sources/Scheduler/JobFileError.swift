/// Why a job file (or the Jobs/ folder) could not be read: the file, the key and what is wrong.
///
/// Its description reads like `Jobs/rent-debit.yaml: schedule: minute field '61': values must be 0-59`.
public struct JobFileError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The kind of problem.
    public enum Code: Hashable, Sendable {
        /// The file or folder could not be read.
        case unreadable
        /// The text is not YAML, or not a mapping of keys to values.
        case notYAML
        /// A key the format does not have.
        case unknownKey
        /// A required key is absent.
        case missingKey
        /// A key's value is not what the format allows.
        case invalidValue
        /// Two files define the same job.
        case duplicateJob
    }

    /// The kind of problem.
    public var code: Code
    /// The file at fault, as the folder and file name (`Jobs/rent-debit.yaml`).
    public var file: String
    /// The key at fault, nested keys joined by dots (`retry.attempts`); nil for the file as a whole.
    public var key: String?
    /// What is wrong and what to do.
    public var problem: String

    /// Creates an error; the reader fills every part.
    public init(_ code: Code, file: String, key: String?, problem: String) {
        self.code = code
        self.file = file
        self.key = key
        self.problem = problem
    }

    /// The message: `<file>: <key>: <problem>`, or `<file>: <problem>` for the file as a whole.
    public var description: String {
        if let key { "\(file): \(key): \(problem)" } else { "\(file): \(problem)" }
    }
}
