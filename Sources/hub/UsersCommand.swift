import ArgumentParser
import Console
import Foundation
import HousingFinance
import Hub

#if canImport(Glibc)
import Glibc
#endif

/// `hub users add|password|disable|list`: the web console's people.
struct UsersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "users",
        abstract: "The web console's people: add one with a role, set a password, disable, list.",
        discussion: """
            The password is asked for twice at the terminal (not shown), or read as one line from standard input when it is
            not a terminal. Passwords are stored as bcrypt hashes. A person's changes are recorded under their name and done
            under their role's database grants (docs/console.md). Runs on the administrator's connection (the one that
            migrates), since only the console's own login and the administrator may write the console's people.
            """,
        subcommands: [Add.self, Password.self, Disable.self, List.self])

    /// The password from the terminal (twice, not echoed) or from standard input.
    static func readPassword() throws -> String {
        if isatty(STDIN_FILENO) == 1 {
            guard let first = getpass("Password: ").map({ String(cString: $0) }), let second = getpass("Again: ").map({ String(cString: $0) }) else {
                throw ValidationError("no password was given")
            }
            guard first == second else { throw ValidationError("the two passwords differ; nothing was changed") }
            return first
        }
        guard let line = readLine(strippingNewline: true), !line.isEmpty else { throw ValidationError("give the password as one line on standard input") }
        return line
    }

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a person who may sign in to the console.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Their name: lower-case letters, digits, '.', '_' or '-' (like j.smith).") var name: String
        @Option(help: "Their role: finance, payments, repairs, auditor, income, income_manager or head_of_finance.") var role: String
        @Option(help: "The most they may approve of a held sales order, in pounds (repairs; default: their role's limit).") var limit: String?

        func validate() throws {
            guard ActingPerson.Role(rawValue: role) != nil else { throw ValidationError("--role is \(ActingPerson.Role.words)") }
            if let limit, (try? Money(parsing: limit)) == nil { throw ValidationError("--limit '\(limit)' is not an amount in pounds, like 2500.00") }
        }

        func run() throws {
            try reportingErrors {
                let environment = try HubEnvironment.open(global)
                let password = try UsersCommand.readPassword()
                let user = try ConsoleUsers.add(
                    name: name, role: ActingPerson.Role(rawValue: role)!, limit: try limit.map { try Money(parsing: $0) }, password: password,
                    on: try environment.database.connectAdmin())
                if global.json { try printJSON(user) } else {
                    print("Added \(user.name) (\(user.role.rawValue)\(user.approvalLimit.map { ", approval limit \($0.formatted)" } ?? "")).")
                }
            }
        }
    }

    struct Password: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Set a person's password; their sessions end.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Their name.") var name: String

        func run() throws {
            try reportingErrors {
                let environment = try HubEnvironment.open(global)
                try ConsoleUsers.setPassword(name: name, password: try UsersCommand.readPassword(), on: try environment.database.connectAdmin())
                print("The password of \(name) is changed; their sessions have ended.")
            }
        }
    }

    struct Disable: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Disable a person: they cannot sign in and their sessions end at once.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Their name.") var name: String

        func run() throws {
            try reportingErrors {
                let environment = try HubEnvironment.open(global)
                try ConsoleUsers.disable(name: name, on: try environment.database.connectAdmin())
                print("\(name) is disabled; their sessions have ended.")
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the console's people.")
        @OptionGroup var global: GlobalOptions

        func run() throws {
            try reportingErrors {
                let environment = try HubEnvironment.open(global)
                let users = try ConsoleUsers.list(on: try environment.database.connectAdmin())
                if global.json { try printJSON(users); return }
                if users.isEmpty { print("No users (hub users add NAME --role ROLE)."); return }
                var table = TextTable([.init("Name"), .init("Role"), .init("Approval limit", .right), .init("Disabled")])
                for user in users { table.add([user.name, user.role.rawValue, user.approvalLimit?.formatted ?? "role's", user.disabled ? "yes" : ""]) }
                print(table.render(), terminator: "")
            }
        }
    }
}
