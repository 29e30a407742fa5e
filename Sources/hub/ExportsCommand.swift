import ArgumentParser
import Foundation
import HousingFinance
import Hub
import Postgres

/// Delivers every stored outbound file not yet written to the outbox (a file whose run committed
/// but whose process died before the rename), and says so on standard error.
/// - Returns: the paths written.
@discardableResult
func deliverPendingFiles(_ environment: HubEnvironment, quiet: Bool = false) throws -> [String] {
    let paths = try OutboundDelivery(outbox: environment.config.outbox).deliverPending(on: try environment.database.connect())
    if !quiet {
        for path in paths { FileHandle.standardError.write(Data("delivered pending file \(path)\n".utf8)) }
    }
    return paths
}

/// Test hook: `HUB_TEST_CRASH_AFTER_COMMIT=1` ends the process right after a run has committed and
/// before its file is delivered or its report printed, as a crash there would (the kill tests use it).
func crashAfterCommitIfAsked() {
    if ProcessInfo.processInfo.environment["HUB_TEST_CRASH_AFTER_COMMIT"] == "1" { _exit(9) }
}

/// An export run with the files it delivered, as JSON.
struct ExportRunJSON<Report: Encodable>: Encodable {
    var run: RunRecord
    var preview: Bool
    var report: Report
    var delivered: [String]
}

extension RunCommand {
    struct GLExport: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "gl-export",
            abstract: "Send every posting not yet exported, dated up to a day or a period's end, to the general ledger as one balanced journal.",
            discussion: """
                Settings: Config/exports.yaml (gl-journal: format unit4 or oracle, names) and Config/financial-map.csv. \
                An unmapped transaction code refuses the whole export (exit 2) and marks nothing. The file is stored \
                with the run and written to the outbox after commit; a file not delivered is written at the next start.
                """)
        @OptionGroup var global: GlobalOptions
        @Option(help: "The accounting period YYYY-MM: postings dated up to its last day (and every earlier unexported one).") var period: String?
        @Option(help: "Export postings dated up to this day YYYY-MM-DD (default: the business date).") var through: String?
        @Option(help: "The business date of the run (default: today in Europe/London).") var asOf: String?
        @Flag(help: "Run the same code and roll it back: print the report, export and mark nothing.") var dryRun = false

        func validate() throws {
            if period != nil && through != nil { throw ValidationError("give either --period or --through, not both") }
            if let through, Day(iso: through) == nil { throw ValidationError("--through '\(through)' is not a date YYYY-MM-DD") }
        }

        func run() throws {
            try reportingErrors {
                let environment = try HubEnvironment.open(global)
                try deliverPendingFiles(environment)
                let settings = try ExportsConfig.load(environment.config)
                let businessDate = try environment.businessDate(asOf)
                let job = try period.map { try GLExportJob.period($0, settings: settings.gl) }
                    ?? GLExportJob(through: through.flatMap { Day(iso: $0) } ?? businessDate, settings: settings.gl)
                let outcome = try environment.runner.run(job, businessDate: businessDate, preview: dryRun)
                if !dryRun { crashAfterCommitIfAsked() }
                let delivered = dryRun ? [] : try deliverPendingFiles(environment, quiet: true)
                try printExport(outcome, delivered: delivered, json: global.json)
            }
        }
    }

    struct CouncilTaxExport: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "council-tax-export",
            abstract: "Send council tax billing every tenancy, void and ownership change not yet sent and due, in one file.",
            discussion: """
                Events more than 14 days ahead are held back until due; events more than 21 days old are sent with a \
                warning; a changed date goes as an AMENDMENT and a vanished event as a CANCELLATION naming the original. \
                Settings: Config/exports.yaml (council-tax).
                """)
        @OptionGroup var global: GlobalOptions
        @Option(help: "The business date: the file is made as of this day (default: today in Europe/London).") var asOf: String?
        @Flag(help: "Run the same code and roll it back: print the report, send nothing.") var dryRun = false

        func run() throws {
            try reportingErrors {
                let environment = try HubEnvironment.open(global)
                try deliverPendingFiles(environment)
                let settings = try ExportsConfig.load(environment.config)
                let businessDate = try environment.businessDate(asOf)
                let outcome = try environment.runner.run(
                    CouncilTaxExportJob(asOf: businessDate, settings: settings.councilTax), businessDate: businessDate, preview: dryRun)
                if !dryRun { crashAfterCommitIfAsked() }
                let delivered = dryRun ? [] : try deliverPendingFiles(environment, quiet: true)
                try printExport(outcome, delivered: delivered, json: global.json)
            }
        }
    }
}

func printExport<Report: JobReport>(_ outcome: RunOutcome<Report>, delivered: [String], json: Bool) throws {
    if json {
        try printJSON(ExportRunJSON(run: outcome.record, preview: outcome.isPreview, report: outcome.report, delivered: delivered))
        return
    }
    print(outcome.render(), terminator: "")
    for path in delivered { print("Delivered: \(path)") }
}

struct ExportsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exports",
        abstract: "List, show and deliver again the outbound interface files (general-ledger journals, council tax changes...).",
        discussion: "Every command first delivers any file whose run committed but which was never written to the outbox.",
        subcommands: [List.self, Show.self, Redeliver.self, Deliver.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List stored outbound files, newest first within each interface.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Only this interface (gl-journal, council-tax, ods-sales-orders...).") var interface: String?

        func run() throws {
            try reportingErrors {
                let environment = try HubEnvironment.open(global)
                try deliverPendingFiles(environment)
                let files = try OutboundFile.list(interface: interface, on: try environment.database.connect())
                if global.json { try printJSON(files); return }
                if files.isEmpty { print("No outbound files."); return }
                var table = TextTable([
                    .init("Interface"), .init("Sequence", .right), .init("File"), .init("Run", .right), .init("Bytes", .right),
                    .init("SHA-256"), .init("Delivered to"),
                ])
                for file in files {
                    table.add([
                        file.interface, String(file.sequence), file.fileName, String(file.runId), Wording.number(file.size),
                        Wording.shortHash(file.sha256), file.deliveredPath ?? "NOT DELIVERED",
                    ])
                }
                print(table.render(), terminator: "")
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one outbound file: its record, control totals, deliveries and content.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The file's sequence number within its interface.") var sequence: Int64
        @Option(help: "The interface (needed when more than one interface has a file with this number).") var interface: String?
        @Flag(help: "Print only the record, not the file's content.") var noContent = false

        func run() throws {
            try reportingErrors {
                let environment = try HubEnvironment.open(global)
                try deliverPendingFiles(environment)
                let db = try environment.database.connect()
                let file = try findFile(sequence: sequence, interface: interface, on: db)
                if global.json { try printJSON(file); return }
                print("Interface:  \(file.interface)\nSequence:   \(file.sequence)\nFile:       \(file.fileName)\nRun:        \(file.runId)")
                print("Bytes:      \(Wording.number(file.size))\nSHA-256:    \(file.sha256)\nDelivered:  \(file.deliveredPath ?? "not yet")")
                print("Control totals:")
                for total in file.controlTotalsText { print("  \(total.key): \(total.value)") }
                if !noContent {
                    let content = try OutboundFile.content(id: file.id, on: db)
                    print("Content:")
                    print(String(decoding: content, as: UTF8.self), terminator: "")
                }
            }
        }
    }

    struct Redeliver: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write one stored file to the outbox again, byte for byte as stored (temporary name, fsync, rename).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The file's sequence number within its interface.") var sequence: Int64
        @Option(help: "The interface (needed when more than one interface has a file with this number).") var interface: String?

        func run() throws {
            try reportingErrors {
                let environment = try HubEnvironment.open(global)
                try deliverPendingFiles(environment)
                let db = try environment.database.connect()
                let file = try findFile(sequence: sequence, interface: interface, on: db)
                let path = try OutboundDelivery(outbox: environment.config.outbox).deliver(fileId: file.id, on: db)
                if global.json { try printJSON(["path": path, "sha256": file.sha256]) } else {
                    print("Wrote \(file.interface) #\(file.sequence) to \(path) (SHA-256 \(file.sha256)).")
                }
            }
        }
    }

    struct Deliver: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Deliver every stored file that was never written to the outbox.")
        @OptionGroup var global: GlobalOptions

        func run() throws {
            try reportingErrors {
                let environment = try HubEnvironment.open(global)
                let paths = try deliverPendingFiles(environment, quiet: true)
                if global.json { try printJSON(paths); return }
                if paths.isEmpty { print("Every file is delivered.") }
                for path in paths { print("Delivered: \(path)") }
            }
        }
    }
}

/// The file with a sequence number, in the given interface or the only interface that has it.
func findFile(sequence: Int64, interface: String?, on db: Connection) throws -> OutboundFile {
    if let interface {
        guard let file = try OutboundFile.find(interface: interface, sequence: sequence, on: db) else {
            throw RunError(.notFound, "there is no \(interface) file with sequence number \(sequence)")
        }
        return file
    }
    let matches = try OutboundFile.list(interface: nil, on: db).filter { $0.sequence == sequence }
    guard let file = matches.first else { throw RunError(.notFound, "there is no outbound file with sequence number \(sequence)") }
    guard matches.count == 1 else {
        throw RunError(
            .badInput,
            "\(matches.count) interfaces have a file with sequence number \(sequence) (\(matches.map(\.interface).joined(separator: ", "))): add --interface NAME")
    }
    return file
}
