import ArgumentParser

@main
struct HubCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hub",
        abstract: "The council housing finance hub: rent debits, payment imports, sales orders and interface files.",
        discussion: """
            Exit codes: 0 success; 1 unexpected failure; 2 bad input (a file, a parameter, the configuration);
            3 refused as a duplicate or already done; 4 database failure; 5 refused by a business rule; 64 usage.
            With no database configured, commands use the embedded demo cluster (see `hub demo`).
            """,
        subcommands: [
            DbCommand.self, DemoCommand.self, RunCommand.self, RunsCommand.self, AccountsCommand.self, LoadCommand.self,
            ToolsCommand.self, ImportCommand.self, SuspenseCommand.self, ReconcileCommand.self, ExportsCommand.self,
            SalesOrdersCommand.self, ServeCommand.self, ScheduleCommand.self, JobsCommand.self, CheckpointCommand.self, MigrationCommand.self,
            UsersCommand.self,
        ])
}
