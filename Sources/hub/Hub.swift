import ArgumentParser
import Foundation

@main
struct HubCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hub",
        abstract: "The council housing finance hub: rent debits, payment imports, sales orders and interface files.",
        discussion: """
            Exit codes: 0 success; 1 unexpected failure; 2 bad input (a file, a parameter, the configuration, a run,
            account or other record that does not exist); 3 refused as a duplicate or already done; 4 database failure;
            5 refused by a business rule; 64 usage. With no database configured, commands use the embedded demo
            cluster (see `hub demo`, `hub db status`).
            """,
        subcommands: [
            DbCommand.self, DemoCommand.self, RunCommand.self, RunsCommand.self, AccountsCommand.self, LoadCommand.self,
            ToolsCommand.self, ImportCommand.self, SuspenseCommand.self, ReconcileCommand.self, ExportsCommand.self,
            SalesOrdersCommand.self, ServeCommand.self, ScheduleCommand.self, JobsCommand.self, CheckpointCommand.self, MigrationCommand.self,
            DirectDebitCommand.self,
            ArrearsCommand.self, WriteOffsCommand.self,
            UsersCommand.self,
        ])

    /// Parses and runs a command, speaking with one voice when it fails: every error starts
    /// `error: `; a usage error shows the usage of the command given, not the top level's; a
    /// misspelled command suggests the nearest; the exit code is the README's.
    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if let unknown = CommandLineWords.unknownSubcommand(in: arguments, root: HubCommand.self) {
            CommandLineWords.failUsage(unknown.message, command: unknown.parent)
        }
        var command: any ParsableCommand
        do {
            command = try parseAsRoot(arguments)
        } catch {
            CommandLineWords.fail(error)
        }
        do {
            try command.run()
        } catch let error as ValidationError {
            // Thrown while running (a date that is not one): the usage of the command that ran.
            CommandLineWords.failUsage(error.message, command: type(of: command))
        } catch {
            CommandLineWords.fail(error)
        }
    }
}

/// The command line's words: the path of a command, the nearest name to a misspelled one, and
/// the one way errors are printed.
enum CommandLineWords {
    /// A word where a subcommand was expected that names none.
    struct Unknown {
        var parent: any ParsableCommand.Type
        var message: String
    }

    /// The first word that should name a subcommand and does not, with the nearest names.
    static func unknownSubcommand(in arguments: [String], root: any ParsableCommand.Type) -> Unknown? {
        var current = root
        for word in arguments {
            if word.hasPrefix("-") || word == "help" { return nil }
            let subcommands = current.configuration.subcommands
            if subcommands.isEmpty { return nil }
            if let next = subcommands.first(where: { $0._commandName == word }) {
                current = next
                continue
            }
            let names: [String] = subcommands.map { $0._commandName }
            let limit = max(2, word.count / 3)
            var scored: [(name: String, distance: Int)] = names.map { (name: $0, distance: distance($0, word)) }
            scored.sort { $0.distance != $1.distance ? $0.distance < $1.distance : $0.name < $1.name }
            let near: [String] = scored.filter { $0.distance <= limit || $0.name.hasPrefix(word) }.map { $0.name }
            let where_ = path(to: current, from: root).joined(separator: " ")
            var message = "'\(word)' is not a command of `\(where_)`"
            if let best = near.first {
                message += "; did you mean '\(best)'?" + (near.count > 1 ? " (or \(near.dropFirst().prefix(2).map { "'\($0)'" }.joined(separator: ", ")))" : "")
            } else {
                message += "; its commands: \(names.joined(separator: ", "))"
            }
            return Unknown(parent: current, message: message)
        }
        return nil
    }

    /// The names from the root to a command (`hub run rent-debit`).
    static func path(to target: any ParsableCommand.Type, from root: any ParsableCommand.Type) -> [String] {
        if ObjectIdentifier(target) == ObjectIdentifier(root) { return [root._commandName] }
        for child in root.configuration.subcommands {
            let below = path(to: target, from: child)
            if !below.isEmpty { return [root._commandName] + below }
        }
        return []
    }

    /// The edit distance between two words (insertions, deletions, substitutions, and swaps of
    /// neighbours each count one).
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var d = Array(repeating: Array(repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { d[i][0] = i }
        for j in 0...b.count { d[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] { d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1) }
            }
        }
        return d[a.count][b.count]
    }

    /// Prints a usage error with the command's own usage and exits 64.
    static func failUsage(_ message: String, command: any ParsableCommand.Type) -> Never {
        let name = path(to: command, from: HubCommand.self).joined(separator: " ")
        let usage = HubCommand.usageString(for: command)
        FileHandle.standardError.write(Data("error: \(message)\nUsage: \(usage)\n  See '\(name) --help' for more information.\n".utf8))
        exit(ExitCode.validationFailure.rawValue)
    }

    /// Prints any other error (a parse error with its command's usage; help to standard output)
    /// with the one prefix, and exits with its code.
    static func fail(_ error: any Error) -> Never {
        let code = HubCommand.exitCode(for: error)
        if code == .success || error is ExitCode { HubCommand.exit(withError: error) }
        var text = HubCommand.fullMessage(for: error)
        if text.hasPrefix("Error: ") { text = "error: " + text.dropFirst("Error: ".count) }
        if !text.isEmpty { FileHandle.standardError.write(Data((text.hasSuffix("\n") ? text : text + "\n").utf8)) }
        exit(code.rawValue)
    }
}
