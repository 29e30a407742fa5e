import Foundation
import HousingFinance
import Yams

/// A configuration file that cannot be used: names the file, the key and what is wrong.
///
/// The one error of every YAML file the hub reads (hub.yaml, payments.yaml, exports.yaml,
/// sales-order-review.yaml, rent-calendar.yaml, scheduler.yaml, the job files in Jobs/). Its
/// description reads like `Jobs/rent-debit.yaml: schedule: minute field '61': values must be 0-59`.
public struct ConfigError: Error, Hashable, Sendable, CustomStringConvertible {
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
    /// The file at fault (as the operator named it, or the folder and file name: `Jobs/rent-debit.yaml`).
    public var file: String
    /// The key at fault, nested keys joined by dots (`retry.attempts`); nil for the file as a whole.
    public var key: String?
    /// What is wrong and what to do.
    public var message: String

    /// Creates an error.
    /// - Parameters:
    ///   - code: the kind of problem (a value that is not allowed unless said otherwise).
    ///   - file: the file at fault.
    ///   - key: the key at fault, or nil for the whole file.
    ///   - message: what is wrong and what to do.
    public init(_ code: Code = .invalidValue, file: String, key: String?, message: String) {
        self.code = code
        self.file = file
        self.key = key
        self.message = message
    }

    /// The message: `<file>: <key>: <message>`, or `<file>: <message>` for the file as a whole.
    public var description: String { key.map { "\(file): \($0): \(message)" } ?? "\(file): \(message)" }
}

/// The limits of the configuration files (`Config/*.yaml`, `Config/financial-map.csv`, the job
/// files, the migration manifest): 1 MB a file, 1,000 characters a value. Documented in
/// Config/README.md.
public enum ConfigLimits {
    /// The largest configuration file, in bytes.
    public static let maxFileBytes = 1 << 20
    /// The longest value of a key, in characters.
    public static let maxValueCharacters = 1_000

    /// Reads a configuration file's UTF-8 text, refusing one larger than `maxFileBytes` before
    /// reading it.
    /// - Parameters:
    ///   - file: the file.
    ///   - name: the file as errors name it (its path by default).
    ///   - unreadable: what to say when the file cannot be read.
    /// - Throws: `ConfigError` (`.unreadable`) when it cannot be read, is not UTF-8 or is too large.
    public static func text(of file: URL, name: String? = nil, unreadable: String = "cannot read the file") throws(ConfigError) -> String {
        let name = name ?? file.path
        let size = (try? FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int) ?? nil
        if let size, size > maxFileBytes {
            throw ConfigError(.unreadable, file: name, key: nil, message: "the file is \(Wording.count(size, "byte")), more than the \(Wording.count(maxFileBytes, "byte")) a configuration file may be; check that it is the right file")
        }
        guard let data = FileManager.default.contents(atPath: file.path), data.count <= maxFileBytes,
              let text = String(data: data, encoding: .utf8)
        else {
            throw ConfigError(.unreadable, file: name, key: nil, message: unreadable)
        }
        return text
    }
}

/// Reads a YAML configuration file, the one way every configuration file of the hub is read:
/// text to a node tree (bad YAML is a `ConfigError` with its line and column), then dotted keys
/// with errors that name the file and the key.
public struct ConfigReader {
    /// The file, as errors name it.
    public let file: String
    /// The document's root node (an empty mapping for an empty file where that is allowed).
    public let root: Node

    /// A reader of a node tree already read.
    public init(file: String, root: Node) {
        self.file = file
        self.root = root
    }

    /// Parses a configuration file's text.
    /// - Parameters:
    ///   - text: the file's text.
    ///   - file: the file, as errors name it.
    ///   - allowEmpty: whether an empty file is legal (settings that all have defaults: an empty
    ///     file reads as an empty mapping, every setting at its default).
    ///   - emptyHint: for an empty file that is an error, what the file needs.
    /// - Throws: `ConfigError` (`.notYAML`) for bad YAML or an empty file that must not be empty.
    public init(yaml text: String, file: String, allowEmpty: Bool = false, emptyHint: String? = nil) throws {
        let root: Node
        do {
            if let node = try Yams.compose(yaml: text) {
                root = node
            } else if allowEmpty {
                root = .mapping(Node.Mapping([]))
            } else {
                throw ConfigError(.notYAML, file: file, key: nil, message: "the file is empty" + (emptyHint.map { "; \($0)" } ?? ""))
            }
        } catch let error as ConfigError {
            throw error
        } catch let error as YamlError {
            throw Self.describe(error, in: text, file: file)
        } catch {
            throw ConfigError(.notYAML, file: file, key: nil, message: "not valid YAML: \(error)")
        }
        self.init(file: file, root: root)
    }

    /// Reads and parses a configuration file.
    /// - Parameters:
    ///   - url: the file.
    ///   - name: the file as errors name it (its path by default).
    ///   - allowEmpty: whether an empty file means every setting at its default.
    ///   - unreadable: what to say when the file cannot be read.
    /// - Throws: `ConfigError` (`.unreadable`) when the file cannot be read, or as `init(yaml:file:)`.
    public static func load(
        _ url: URL, name: String? = nil, allowEmpty: Bool = false, unreadable: String = "cannot read the file"
    ) throws -> ConfigReader {
        let name = name ?? url.path
        let text = try ConfigLimits.text(of: url, name: name, unreadable: unreadable)
        return try ConfigReader(yaml: text, file: name, allowEmpty: allowEmpty)
    }

    /// A YAML error as a `ConfigError` with its line and column.
    static func describe(_ error: YamlError, in yaml: String, file: String) -> ConfigError {
        switch error {
        case let .scanner(_, problem, mark, _), let .parser(_, problem, mark, _), let .composer(_, problem, mark, _):
            let lines = yaml.split(separator: "\n", omittingEmptySubsequences: false)
            let line = mark.line >= 1 && mark.line <= lines.count ? lines[mark.line - 1] : ""
            let hint = line.contains(": *") ? "; a value that starts with * must be quoted, like schedule: \"*/15 * * * *\"" : ""
            return ConfigError(.notYAML, file: file, key: nil, message: "not valid YAML at line \(mark.line), column \(mark.column): \(problem)\(hint)")
        case let .duplicatedKeysInMapping(duplicates, _):
            return ConfigError(.notYAML, file: file, key: duplicates.sorted().joined(separator: ", "), message: "appears more than once; keep one")
        default:
            return ConfigError(.notYAML, file: file, key: nil, message: "not valid YAML: \(error)")
        }
    }

    /// The node at a dotted path (`gl-journal.unit4`), or nil when a key on the way is absent.
    public func node(_ path: String) -> Node? {
        var current: Node? = root
        for part in path.split(separator: ".") { current = current?.mapping?[String(part)] }
        return current
    }

    /// The single value at a dotted path; nil when absent or null.
    /// - Throws: `ConfigError` when the key holds a list or a mapping.
    public func string(_ path: String) throws -> String? {
        guard let node = node(path) else { return nil }
        if case .scalar(let scalar) = node {
            if scalar.string.count > ConfigLimits.maxValueCharacters {
                throw ConfigError(file: file, key: path, message: "the value \(Wording.shortQuote(scalar.string)) is longer than the \(Wording.count(ConfigLimits.maxValueCharacters, "character")) a value may be")
            }
            return scalar.string == "~" || scalar.string == "null" ? nil : scalar.string
        }
        throw ConfigError(file: file, key: path, message: "expected a single value")
    }

    /// The whole number at a dotted path; nil when absent.
    /// - Throws: `ConfigError` when the value is not a whole number.
    public func int(_ path: String) throws -> Int? {
        guard let text = try string(path) else { return nil }
        guard let value = Int(text) else { throw ConfigError(file: file, key: path, message: "\(Wording.shortQuote(text)) is not a whole number") }
        return value
    }

    /// Refuses a key of `node` that is not in `known`.
    /// - Throws: `ConfigError` (`.unknownKey`) naming the first unknown key and the known ones.
    public func refuseUnknownKeys(_ node: Node, _ known: Set<String>, prefix: String?) throws {
        guard let mapping = node.mapping else { throw ConfigError(file: file, key: prefix, message: "expected keys and values") }
        for key in mapping.keys {
            guard let name = key.string else { continue }
            if !known.contains(name) {
                throw ConfigError(
                    .unknownKey, file: file, key: prefix.map { "\($0).\(name)" } ?? name,
                    message: "unknown key (known keys: \(known.sorted().joined(separator: ", ")))")
            }
        }
    }
}
