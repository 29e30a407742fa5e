import ArgumentParser
import Foundation
import HousingFinance
import Hub

/// `hub arrears ...` and `hub writeoffs ...` (docs/arrears.md).
struct ArrearsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "arrears", abstract: "Arrears positions, recovery stages, agreements, the report and early warning (docs/arrears.md).",
        subcommands: [
            List.self, Show.self, Worklist.self, Act.self, Pause.self, Record.self, Agree.self, CancelAgreement.self, Report.self, AtRisk.self, BackTest.self,
        ])

    static func open(_ global: GlobalOptions) throws -> (HubEnvironment, ArrearsConfig) {
        let environment = try HubEnvironment.open(global)
        return (environment, try ArrearsConfig.load(for: environment.config))
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Current tenants in arrears, most weeks first, with their case's stage.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Only cases owing at least this many weeks of rent (2.5 allowed).") var minWeeks: String?
        @Option(help: "Only cases at this stage (none: cases with no stage yet).") var stage: String?
        @Option(help: "Only this patch (the property's postcode district, like NT5).") var patch: String?
        @Option(help: "The date (default: today).") var asOf: String?

        func run() throws {
            try reportingErrors {
                let (environment, policy) = try ArrearsCommand.open(global)
                let day = try environment.businessDate(asOf)
                var minimum: Int64?
                if let minWeeks {
                    guard let value = try? Money(parsing: minWeeks), value >= .zero else { throw ValidationError("--min-weeks '\(minWeeks)' is not a number of weeks, like 4 or 2.5") }
                    minimum = value.pence
                }
                if let stage, stage != "none", policy.stage(stage) == nil {
                    throw ValidationError("--stage '\(stage)' is not a stage of \(ArrearsConfig.fileName) (\(policy.stages.map(\.name).joined(separator: ", ")), or none)")
                }
                let db = try environment.database.connect()
                let cases = try ArrearsCases.load(on: day, db: db)
                let rows = try ArrearsPositions.load(on: day, config: policy, db: db).filter { account in
                    guard account.isCurrent(on: day), account.position.collectable > .zero else { return false }
                    if let minimum, (account.position.weeksHundredths ?? 0) < minimum { return false }
                    if let patch, account.patch.uppercased() != patch.uppercased() { return false }
                    if let stage { return (cases[account.accountId]?.stage ?? "none") == stage }
                    return true
                }.sorted { ($0.position.weeksHundredths ?? 0, $1.account) > ($1.position.weeksHundredths ?? 0, $0.account) }
                if global.json {
                    try printJSON(rows.map { Line(account: $0, stage: cases[$0.accountId]?.stage) })
                    return
                }
                if rows.isEmpty { print("No current tenant in arrears matches on \(day.iso)."); return }
                var table = TextTable([
                    .init("Account"), .init("Tenant", maxWidth: 24), .init("Patch"), .init("Arrears", .right), .init("Weeks", .right), .init("Weekly", .right),
                    .init("Method"), .init("Last paid"), .init("Missed", .right), .init("Stage"),
                ])
                for row in rows {
                    let p = row.position
                    table.add([
                        row.account, row.tenant, row.patch, p.collectable.formatted, p.weeksText, p.weeklyCharge.formatted, p.method.words,
                        row.lastPayment?.iso ?? "-", String(p.missedPayments), cases[row.accountId]?.stage ?? "-",
                    ])
                }
                print(table.render(), terminator: "")
                print("\(Wording.count(rows.count, "case")) on \(day.iso), arrears \(rows.reduce(Money.zero) { $0 + $1.position.collectable }.formatted)")
            }
        }

        struct Line: Encodable {
            var account: ArrearsAccount
            var stage: String?
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One account: its position, the case's history, the agreement, and the next action and why.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The rent account reference.") var account: String
        @Option(help: "The date (default: today).") var asOf: String?

        func run() throws {
            try reportingErrors {
                let (environment, policy) = try ArrearsCommand.open(global)
                let day = try environment.businessDate(asOf)
                let db = try environment.database.connect()
                let id = try ArrearsPositions.accountId(account, on: db)
                guard let position = try ArrearsPositions.load(on: day, accountId: id, config: policy, db: db).first else {
                    throw RunError(.notFound, "there is no rent account \(account)")
                }
                let state = try ArrearsCases.load(on: day, accountId: id, db: db)[id] ?? ArrearsCase()
                let recommendation = Arrears.recommend(position: position.position, state: state.state(on: day), stages: policy.stages, on: day)
                let history = try ArrearsCases.history(accountId: id, db: db)
                let agreements = try ArrearsCases.agreements(live: false, accountId: id, db: db)
                let days = try agreements.first.map { try ArrearsAgreements.history(agreementId: $0.id, db: db) } ?? []
                let warning = EarlyWarning.score(ArrearsEarlyWarning.signals(position, on: day))
                if global.json {
                    try printJSON(Detail(
                        position: position, stage: state.stage, nextStage: recommendation.stage?.name, why: recommendation.reason, history: history,
                        agreements: agreements, agreementDays: days, earlyWarning: warning))
                    return
                }
                let p = position.position
                print("\(position.account): \(position.tenant), \(position.addressLines.joined(separator: ", ")) \(position.postcode)")
                print("  On \(day.iso): balance \(p.balance.formatted), collectable arrears \(p.collectable.formatted), \(p.weeksText) weeks of a weekly charge of \(p.weeklyCharge.formatted)")
                print("  Pays by \(p.method.words); last payment \(position.lastPayment?.iso ?? "none"); payments missed in the last 13 weeks: \(p.missedPayments)\(p.freeWeek ? "; a free week is running" : "")")
                if let end = position.tenancyEnd { print("  Tenancy ended \(end.iso)") }
                print("  Stage: \(state.stage.map { "\($0) since \(state.stageDay?.iso ?? "?")" } ?? "none")" + (state.noticeServed.map { "; notice served \($0.iso), expires \(state.noticeExpires?.iso ?? "-")" } ?? ""))
                print("  Next: \(recommendation.stage.map { "\($0.name) (\($0.automatic ? "sent by the nightly review" : "an officer acts"))" } ?? "nothing") - \(recommendation.reason)")
                if !warning.reasons.isEmpty { print("  Early warning: \(warning.points) points - \(warning.reasons.joined(separator: "; "))") }
                if let agreement = agreements.first {
                    let g = agreement.agreement
                    print("  Agreement \(agreement.id) (\(agreement.status)): \(g.instalment.formatted) \(g.frequency.rawValue) from \(g.start.iso), starting balance \(g.startingBalance.formatted)"
                        + (g.lumpSum > .zero ? ", lump sum \(g.lumpSum.formatted)" : "") + (agreement.paymentWords.isEmpty ? "" : ", \(agreement.paymentWords)")
                        + ", made by \(agreement.madeBy)" + (agreement.endedOn.map { ", ended \($0.iso)" } ?? ""))
                    for d in days.suffix(7) { print("    \(d.day.iso): expected \(d.expected.formatted), actual \(d.actual.formatted), \(d.state)\(d.daysAbove > 0 ? " (\(d.daysAbove) days above)" : "")") }
                }
                if !history.isEmpty {
                    print("  History:")
                    var table = TextTable([.init("When"), .init("What"), .init("By")])
                    for event in history { table.add([event.at, event.what, event.by]) }
                    print(table.render(indent: 4), terminator: "")
                }
            }
        }

        struct Detail: Encodable {
            var position: ArrearsAccount
            var stage: String?
            var nextStage: String?
            var why: String
            var history: [ArrearsCases.Event]
            var agreements: [AgreementRecord]
            var agreementDays: [ArrearsAgreements.RecordedDay]
            var earlyWarning: EarlyWarning.Score
        }
    }

    struct Worklist: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The officers' worklist: the latest review's recommendations that need an officer and were not acted on since.")
        @OptionGroup var global: GlobalOptions

        func run() throws {
            try reportingErrors {
                let (environment, _) = try ArrearsCommand.open(global)
                let items = try ArrearsWorklist.load(db: try environment.database.connect())
                if global.json { try printJSON(items); return }
                if items.isEmpty { print("The worklist is empty."); return }
                var table = TextTable([.init("Account"), .init("Stage"), .init("Arrears", .right), .init("Weeks", .right), .init("Review"), .init("Why", maxWidth: 80)])
                for item in items { table.add([item.account, item.stage, item.arrears.formatted, item.weeks, item.reviewDay.iso, item.reason]) }
                print(table.render(), terminator: "")
                print(Wording.count(items.count, "case"))
            }
        }
    }

    struct Act: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Record that an officer took a stage (a notice records its service and expiry).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The rent account reference.") var account: String
        @Option(help: "The stage taken (a name from Config/arrears.yaml).") var stage: String
        @Option(help: "What was done.") var note: String
        @Option(help: "The day it was done (default: today).") var asOf: String?

        func run() throws {
            try reportingErrors {
                let (environment, policy) = try ArrearsCommand.open(global)
                let day = try environment.businessDate(asOf)
                let notice = try ArrearsCases.act(account: account, stage: stage, note: note, on: day, config: policy, db: try environment.database.connect())
                print("\(account): stage \(stage) recorded on \(day.iso)" + (notice.served.map { "; notice served \($0.iso), in force until \(notice.expires?.iso ?? "-")" } ?? "") + ".")
            }
        }
    }

    struct Pause: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Pause a case's recommendations until a day (a past day lifts the pause).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The rent account reference.") var account: String
        @Option(help: "The last day of the pause (YYYY-MM-DD).") var until: String
        @Option(help: "Why.") var reason: String

        func run() throws {
            try reportingErrors {
                guard let day = Day(iso: until) else { throw ValidationError("--until '\(until)' is not a date YYYY-MM-DD") }
                let (environment, _) = try ArrearsCommand.open(global)
                try ArrearsCases.pause(account: account, until: day, reason: reason, db: try environment.database.connect())
                print("\(account): paused until \(day.iso).")
            }
        }
    }

    struct Record: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record a court date, an eviction date, or a Housing Benefit or Universal Credit claim (--to ends a claim).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The rent account reference.") var account: String
        @Option(help: "court-date, eviction-date, hb-claim or uc-claim.") var kind: String
        @Option(help: "The date (of the hearing or eviction, or the claim's start).") var date: String
        @Option(help: "The day a claim ended, or a date was vacated.") var to: String?
        @Option(help: "A note.") var note: String = ""

        func run() throws {
            try reportingErrors {
                guard let from = Day(iso: date) else { throw ValidationError("--date '\(date)' is not a date YYYY-MM-DD") }
                let end = try day(to, "--to")
                let (environment, _) = try ArrearsCommand.open(global)
                try ArrearsCases.record(account: account, kind: kind, from: from, to: end, note: note, db: try environment.database.connect())
                print("\(account): \(kind) \(from.iso)\(end.map { " to \($0.iso)" } ?? "") recorded.")
            }
        }
    }

    struct Agree: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make an arrears agreement: an instalment on top of the rent, from a start day.",
            discussion: """
                The starting balance is the account's balance before the start. The nightly review keeps each day's state; a breach (the balance above \
                the expected one for longer than agreement-tolerance-days) returns the case to the stages. A live agreement is replaced. Where the \
                account has a live Direct Debit mandate, the instalment becomes the mandate's extra amount (converted to its frequency, rounded up \
                to the penny), collected after the advance notice that hub run dd-notices sends; --paid-separately keeps it off the mandate.
                """)
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The rent account reference.") var account: String
        @Option(help: "The instalment in pounds.") var amount: String
        @Option(help: "weekly, fortnightly, four-weekly or monthly.") var frequency: String
        @Option(help: "The first instalment's day (YYYY-MM-DD).") var start: String
        @Option(help: "A lump sum paid at the start, in pounds.") var lumpSum: String?
        @Flag(help: "A Direct Debit payer pays the instalment by other means: the mandate's extra amount is not changed (a replaced agreement's is removed).")
        var paidSeparately = false

        func run() throws {
            try reportingErrors {
                guard let instalment = try? Money(parsing: amount) else { throw ValidationError("--amount '\(amount)' is not an amount in pounds, like 5.00") }
                guard let every = ArrearsAgreement.Frequency(rawValue: frequency) else {
                    throw ValidationError("--frequency '\(frequency)' is not weekly, fortnightly, four-weekly or monthly")
                }
                guard let from = Day(iso: start) else { throw ValidationError("--start '\(start)' is not a date YYYY-MM-DD") }
                var lump = Money.zero
                if let lumpSum {
                    guard let value = try? Money(parsing: lumpSum) else { throw ValidationError("--lump-sum '\(lumpSum)' is not an amount in pounds") }
                    lump = value
                }
                let (environment, _) = try ArrearsCommand.open(global)
                let made = try ArrearsCases.agree(
                    account: account, instalment: instalment, frequency: every, start: from, lumpSum: lump, paidSeparately: paidSeparately,
                    today: try environment.businessDate(nil), directDebit: try DirectDebitConfig.load(environment.config), db: try environment.database.connect())
                if global.json { try printJSON(made); return }
                print("\(account): agreement \(made.id), \(instalment.formatted) \(every.rawValue) from \(from.iso)\(lump > .zero ? " after a lump sum of \(lump.formatted)" : "") on a balance of \(made.startingBalance.formatted).")
                if let carried = made.directDebit { print("  By Direct Debit: \(carried.words).") }
                if let released = made.releasedMandateId { print("  Paid separately: the replaced agreement's extra amount is removed from the Direct Debit (mandate \(released)).") }
            }
        }
    }

    struct CancelAgreement: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "cancel-agreement",
            abstract: "Cancel an account's live agreement: the case goes back into the stages; an extra amount it put on the Direct Debit is removed (with notice).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The rent account reference.") var account: String
        @Option(help: "Why (kept in the audit and the mandate's history).") var reason: String
        @Option(help: "The day it ends (default: today).") var asOf: String?

        func run() throws {
            try reportingErrors {
                let (environment, _) = try ArrearsCommand.open(global)
                let (id, mandate) = try ArrearsCases.cancelAgreement(
                    account: account, reason: reason, on: try environment.businessDate(asOf), directDebit: try DirectDebitConfig.load(environment.config),
                    db: try environment.database.connect())
                print("\(account): agreement \(id) cancelled." + (mandate.map { " The Direct Debit's extra amount is removed (mandate \($0.id)); the next hub run dd-notices tells the payer." } ?? ""))
            }
        }
    }

    struct Report: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Arrears by bands, tied to the ledger and the GL debtors control, with the week's movement.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "The date (default: today).") var asOf: String?

        func run() throws {
            try reportingErrors {
                let (environment, policy) = try ArrearsCommand.open(global)
                let map = try? ExportsConfig.load(environment.config).gl.map
                let report = try ArrearsReport.build(asOf: try environment.businessDate(asOf), config: policy, map: map, db: try environment.database.connect())
                if global.json { try printJSON(report) } else { print(report.render(), terminator: "") }
            }
        }
    }

    struct AtRisk: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "at-risk", abstract: "Current tenants not yet in arrears whose early-warning score flags them, with the reasons.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "The date (default: today).") var asOf: String?

        func run() throws {
            try reportingErrors {
                let (environment, policy) = try ArrearsCommand.open(global)
                let day = try environment.businessDate(asOf)
                let flags = try ArrearsEarlyWarning.atRisk(on: day, config: policy, db: try environment.database.connect())
                if global.json { try printJSON(flags); return }
                if flags.isEmpty { print("No account is at risk on \(day.iso) (threshold \(policy.atRiskScore))."); return }
                var table = TextTable([.init("Account"), .init("Tenant", maxWidth: 24), .init("Score", .right), .init("Balance", .right), .init("Method"), .init("Why")])
                for flag in flags { table.add([flag.account, flag.tenant, String(flag.score), flag.balance.formatted, flag.method, flag.reasons.joined(separator: "; ")]) }
                print(table.render(), terminator: "")
                print("\(Wording.count(flags.count, "account")) at risk on \(day.iso) (score \(policy.atRiskScore) or more)")
            }
        }
    }

    struct BackTest: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "back-test", abstract: "Replay the early-warning score as of each past Monday: precision and recall over the next 8 weeks.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "The last day of history to use (default: today).") var asOf: String?
        @Option(help: "The first Monday to score (default: 13 weeks after the first ledger entry).") var from: String?

        func run() throws {
            try reportingErrors {
                let (environment, policy) = try ArrearsCommand.open(global)
                let report = try ArrearsEarlyWarning.backTest(
                    through: try environment.businessDate(asOf), from: try day(from, "--from"), config: policy, db: try environment.database.connect())
                if global.json { try printJSON(report) } else { print(report.render(), terminator: "") }
            }
        }
    }
}

struct WriteOffsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "writeoffs", abstract: "Write off former tenants' arrears and small credits, or refund credits, with approval by band.",
        subcommands: [List.self, Propose.self, Approve.self, Reject.self, Bands.self])

    static func id(_ text: String) throws -> Int64 {
        guard let id = WriteOffRecord.id(text) else { throw ValidationError("'\(text)' is not a write-off (WO000001 or 1)") }
        return id
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write-offs, by status.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "proposed, approved or rejected.") var status: String?

        func run() throws {
            try reportingErrors {
                let environment = try HubEnvironment.open(global)
                let items = try WriteOffs.list(status: status, db: try environment.database.connect())
                if global.json { try printJSON(items); return }
                if items.isEmpty { print("No write-offs\(status.map { " \($0)" } ?? "")."); return }
                var table = TextTable([.init("Write-off"), .init("Account"), .init("Kind"), .init("Amount", .right), .init("Status"), .init("Proposed by"), .init("Decided by"), .init("Reason")])
                for w in items { table.add([w.reference, w.account, w.kind, w.amount.formatted, w.status, w.proposedBy, w.decidedBy ?? "-", w.reason]) }
                print(table.render(), terminator: "")
                print(Wording.count(items.count, "write-off"))
            }
        }
    }

    struct Propose: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Propose writing off a former tenant's balance (arrears or a credit), or refunding a credit (--refund).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The rent account reference.") var account: String
        @Option(help: "Why (uneconomic, untraced, deceased with no estate...).") var reason: String
        @Flag(help: "Refund the credit instead of writing it off.") var refund = false
        @Option(help: "The day (default: today).") var asOf: String?

        func run() throws {
            try reportingErrors {
                let environment = try HubEnvironment.open(global)
                let record = try WriteOffs.propose(account: account, reason: reason, refund: refund, on: try environment.businessDate(asOf), db: try environment.database.connect())
                if global.json { try printJSON(record); return }
                print("\(record.reference): \(record.kind) of \(record.amount.formatted) on \(record.account) proposed by \(record.proposedBy); it waits for approval.")
            }
        }
    }

    struct Approve: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Approve a proposed write-off: posts WOF (or REF for a refund).",
            discussion: "Only a member of a role whose band covers the amount may approve (the database refuses anyone else, exit 5), and never the person who proposed it.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The write-off (WO000001 or 1).") var id: String
        @Option(help: "A note recorded with the approval.") var note: String = "approved"
        @Option(help: "The posting day (default: today).") var asOf: String?

        func run() throws {
            try reportingErrors {
                let environment = try HubEnvironment.open(global)
                let day = try environment.businessDate(asOf)
                let outcome = try environment.runner.run(WriteOffApprovalJob(writeOffId: try WriteOffsCommand.id(id), note: note, day: day), businessDate: day)
                if global.json { try printJSON(RunJSON(run: outcome.record, preview: false, report: outcome.report)) } else { print(outcome.render()) }
            }
        }
    }

    struct Reject: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Reject a proposed write-off, with the reason.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The write-off (WO000001 or 1).") var id: String
        @Option(help: "Why.") var note: String

        func run() throws {
            try reportingErrors {
                let environment = try HubEnvironment.open(global)
                let record = try WriteOffs.reject(try WriteOffsCommand.id(id), note: note, db: try environment.database.connect())
                print("\(record.reference) rejected by \(record.decidedBy ?? "?").")
            }
        }
    }

    struct Bands: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the approval bands the database enforces beside Config/arrears.yaml's; --apply writes the file's (head of finance only).")
        @OptionGroup var global: GlobalOptions
        @Flag(help: "Write the configuration's bands to the database.") var apply = false

        func run() throws {
            try reportingErrors {
                let (environment, policy) = try ArrearsCommand.open(global)
                let db = try environment.database.connect()
                if apply { try WriteOffs.applyBands(policy.writeOffBands, db: db) }
                let enforced = try WriteOffs.databaseBands(db: db)
                var table = TextTable([.init("Role"), .init("In the database"), .init("In \(ArrearsConfig.fileName)")])
                let roles = Set(enforced.bands.map(\.role) + policy.writeOffBands.bands.map(\.role)).sorted()
                for role in roles {
                    table.add([
                        role, enforced.bands.first { $0.role == role }.map { WriteOffBands.words($0.upTo) } ?? "-",
                        policy.writeOffBands.bands.first { $0.role == role }.map { WriteOffBands.words($0.upTo) } ?? "-",
                    ])
                }
                print(table.render(), terminator: "")
            }
        }
    }
}
