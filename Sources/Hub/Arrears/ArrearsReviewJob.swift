import Foundation
import HousingFinance
import InterfaceFiles
import Postgres

/// The nightly arrears review (`hub run arrears-review`, Jobs/arrears-review.yaml), one run per
/// business day: brings every live agreement's daily history up to the day (breached or completed
/// agreements end, and a breach returns the case to the stages), then recommends each current
/// tenant's next stage with the rule that made it. Automatic stages are taken at once and sent as
/// one letters-and-messages file (made in the run's transaction, delivered after commit, so sent
/// exactly once); the others wait on the officers' worklist.
public struct ArrearsReviewJob: Job {
    public static let name = "arrears-review"
    public static var reversal: ReversalRule { .never("its letters and messages were sent to the provider") }

    public let day: Day
    public let config: ArrearsConfig
    /// For agreements collected by Direct Debit: the collections' schedule and notice rules.
    public let directDebit: DirectDebitConfig

    public init(day: Day, config: ArrearsConfig, directDebit: DirectDebitConfig) {
        self.day = day
        self.config = config
        self.directDebit = directDebit
    }

    public var businessKey: String { day.iso }
    public var parameters: [String: String] { ["day": day.iso] }

    public struct Line: Codable, Sendable {
        public var account: String
        public var tenant: String
        public var stage: String
        public var automatic: Bool
        public var arrears: Money
        public var weeks: String
        public var reason: String
        enum CodingKeys: String, CodingKey {
            case account, tenant, stage, automatic, weeks, reason
            case arrears = "arrearsPence"
        }
    }

    public struct StageCount: Codable, Sendable {
        public var stage: String
        public var cases: Int
    }

    public struct Report: JobReport {
        public var day: Day
        public var accounts: Int
        public var inArrears: Int
        public var paused: Int
        /// Cases recommended each stage, in the ladder's order.
        public var byStage: [StageCount]
        public var sent: [Line]
        public var worklist: [Line]
        public var agreementsKept: Int
        public var agreementsBreached: [String]
        public var agreementsCompleted: [String]
        public var lettersFile: String?
        public var lettersFileSequence: Int64?
        /// The date the positions' balances were carried forward from (nil: the whole ledger was summed).
        public var carriedThrough: Day?
        public var counts: [String: Int] {
            ["accounts": accounts, "in-arrears": inArrears, "paused": paused, "sent": sent.count, "worklist": worklist.count,
             "agreements-breached": agreementsBreached.count]
        }
        public var warnings: [String] { [] }

        public func render() -> String {
            var text = "Arrears review of \(day.iso): \(Wording.number(accounts)) accounts, \(Wording.number(inArrears)) current tenants in arrears, \(Wording.number(paused)) paused.\n"
            text += "Agreements: \(agreementsKept) kept, \(agreementsBreached.count) breached"
            text += agreementsBreached.isEmpty ? "" : " (\(agreementsBreached.joined(separator: ", ")): back in the stages)"
            text += ", \(agreementsCompleted.count) completed.\n"
            text += carriedThrough.map { "Balances carried forward to \($0.iso); each account's entries since were read.\n" }
                ?? "Every account's whole ledger was summed (the balances carried forward serve only later days).\n"
            if byStage.isEmpty { text += "No stage is due for any case.\n" }
            var table = TextTable([.init("Stage"), .init("Cases", .right), .init("How")])
            for count in byStage {
                let automatic = sent.contains { $0.stage == count.stage }
                table.add([count.stage, Wording.number(count.cases), automatic ? "sent in the letters file" : "on the officers' worklist"])
            }
            if !table.isEmpty { text += table.render(indent: 2) }
            if let lettersFile { text += "Letters and messages: \(lettersFile) (sequence \(lettersFileSequence ?? 0)), \(Wording.count(sent.count, "letter or message", "letters and messages")).\n" }
            if !worklist.isEmpty {
                text += "Worklist (an officer acts: hub arrears act ACCOUNT --stage S --note TEXT):\n"
                var list = TextTable([.init("Account"), .init("Tenant", maxWidth: 24), .init("Stage"), .init("Arrears", .right), .init("Weeks", .right), .init("Why", maxWidth: 70)])
                for line in worklist.prefix(20) { list.add([line.account, line.tenant, line.stage, line.arrears.formatted, line.weeks, line.reason]) }
                text += list.render(indent: 2)
                if worklist.count > 20 { text += "  ... and \(worklist.count - 20) more: hub arrears worklist\n" }
            }
            return text
        }
    }

    public func run(in context: RunContext) throws -> Report {
        let db = context.connection
        // The positions query aggregates every account's ledger in one hash table per worker; with
        // the server's default work_mem (4MB) 100,000 accounts spill it to disk in batches. The
        // run's transaction alone gets more (SET LOCAL ends at commit).
        try db.execute("SELECT set_config('work_mem', \(ArrearsPositions.reviewWorkMem), true)")
        // Balances carried forward to `margin` days before the day: each account's entries since
        // are all the positions read (the first review sums the ledger to that date once).
        let through = try CarriedBalances.carryForward(through: day - CarriedBalances.margin, on: db)
        let accounts = try ArrearsPositions.load(on: day, detail: .review, config: config, db: db)
        var cases = try ArrearsCases.load(on: day, db: db)
        let (kept, breached, completed) = try ArrearsAgreements.advance(
            cases: &cases, through: day, config: config, directDebit: directDebit, runId: context.runId, db: db)
        let phones = Dictionary(uniqueKeysWithValues: try db.query("SELECT account_id, phone FROM tenant_phones").map { (try $0.decode(Int64.self, 0), try $0.decode(String.self, 1)) })
        var sent: [Line] = []
        var worklist: [Line] = []
        var letters: [ArrearsLettersWriter.Record] = []
        var recommendations: [[String: String]] = []
        var actions: [[String: String]] = []
        var paused = 0
        var inArrears = 0
        var byStage: [String: Int] = [:]
        for account in accounts where account.isCurrent(on: day) && account.position.collectable > .zero {
            inArrears += 1
            let state = cases[account.accountId]?.state(on: day) ?? Arrears.CaseState()
            let recommendation = Arrears.recommend(position: account.position, state: state, stages: config.stages, on: day)
            if recommendation.paused { paused += 1 }
            guard let stage = recommendation.stage else { continue }
            byStage[stage.name, default: 0] += 1
            let line = Line(
                account: account.account, tenant: account.tenant, stage: stage.name, automatic: stage.automatic, arrears: account.position.collectable,
                weeks: account.position.weeksText, reason: recommendation.reason)
            recommendations.append([
                "account_id": String(account.accountId), "stage": stage.name, "automatic": String(stage.automatic), "reason": recommendation.reason,
                "collectable_pence": String(account.position.collectable.pence), "weeks_hundredths": account.position.weeksHundredths.map(String.init) ?? "",
            ])
            guard stage.automatic else {
                worklist.append(line)
                continue
            }
            sent.append(line)
            actions.append(["account_id": String(account.accountId), "stage": stage.name])
            let phone = phones[account.accountId] ?? ""
            let bySMS = stage.channel == "sms" && !phone.isEmpty
            letters.append(
                ArrearsLettersWriter.Record(
                    template: stage.template ?? stage.name, channel: bySMS ? "sms" : "letter", recipient: account.tenant,
                    addressLines: bySMS ? [] : account.addressLines, postcode: bySMS ? "" : account.postcode, phone: bySMS ? phone : "",
                    account: account.account, arrears: account.position.collectable, weeklyRent: account.position.weeklyCharge, stage: stage.name))
        }
        var file: OutboundFile?
        if !letters.isEmpty {
            let content = ArrearsLettersWriter.write(letters)
            file = try OutboundFile.store(interface: config.lettersInterface, in: context) { sequence in
                (String(format: "ARREARS-LETTERS-%@-%06lld.csv", day.iso.replacingOccurrences(of: "-", with: ""), sequence), content,
                 ["records": String(letters.count), "total": Money(pence: letters.reduce(0) { $0 + $1.arrears.pence }).plain])
            }
        }
        try db.execute(
            """
            INSERT INTO arrears_actions (account_id, stage, action_date, automatic, note, run_id)
            SELECT (r->>'account_id')::bigint, r->>'stage', \(day), true, 'sent in the letters file', \(context.runId)
            FROM jsonb_array_elements(\(try HubJSON.text(actions))::jsonb) r
            """)
        try db.execute(
            """
            INSERT INTO arrears_recommendations (run_id, account_id, stage, automatic, reason, collectable_pence, weeks_hundredths, sent_file_id)
            SELECT \(context.runId), (r->>'account_id')::bigint, r->>'stage', (r->>'automatic')::boolean, r->>'reason',
                   (r->>'collectable_pence')::bigint, NULLIF(r->>'weeks_hundredths', '')::bigint,
                   CASE WHEN (r->>'automatic')::boolean THEN \(file?.id)::bigint END
            FROM jsonb_array_elements(\(try HubJSON.text(recommendations))::jsonb) r
            """)
        return Report(
            day: day, accounts: accounts.count, inArrears: inArrears, paused: paused,
            byStage: config.stages.compactMap { stage in byStage[stage.name].map { StageCount(stage: stage.name, cases: $0) } }, sent: sent, worklist: worklist,
            agreementsKept: kept, agreementsBreached: breached, agreementsCompleted: completed, lettersFile: file?.fileName,
            lettersFileSequence: file?.sequence, carriedThrough: CarriedBalances.serves([day], from: through) ? through : nil)
    }
}

/// Running the review with the configuration and delivering its letters file after commit.
public struct ArrearsRuns: Sendable {
    public let runner: Runner
    public let config: HubConfig

    public init(runner: Runner, config: HubConfig) {
        self.runner = runner
        self.config = config
    }

    /// Reviews every case on a day and, after commit, writes the letters file to the outbox.
    public func review(
        on day: Day, policy: ArrearsConfig? = nil, preview: Bool = false, slot: String? = nil, beforeCommit: ((Connection) throws -> Void)? = nil
    ) throws -> RunOutcome<ArrearsReviewJob.Report> {
        let policy = try policy ?? ArrearsConfig.load(for: config)
        let connection = try runner.database.connect()
        let outcome = try runner.run(
            ArrearsReviewJob(day: day, config: policy, directDebit: try DirectDebitConfig.load(config)), on: connection, businessDate: day, preview: preview, slot: slot, beforeCommit: beforeCommit)
        if !preview { try OutboundDelivery(outbox: config.outbox).deliverPending(on: connection) }
        return outcome
    }
}

/// The officers' worklist: the latest review's recommendations that need an officer, less the
/// cases an officer has acted on since.
public enum ArrearsWorklist {
    public struct Item: Codable, Sendable {
        public var account: String
        public var stage: String
        public var arrears: Money
        public var weeks: String
        public var reason: String
        public var reviewDay: Day
        enum CodingKeys: String, CodingKey {
            case account, stage, weeks, reason, reviewDay
            case arrears = "arrearsPence"
        }
    }

    public static func load(db: Connection) throws -> [Item] {
        try db.query(
            """
            WITH latest AS (
                SELECT id, business_date, started_at FROM runs WHERE job = 'arrears-review' AND status = 'completed' ORDER BY business_date DESC, id DESC LIMIT 1)
            SELECT a.account_ref, r.stage, r.collectable_pence, r.weeks_hundredths, r.reason, latest.business_date
            FROM arrears_recommendations r JOIN latest ON latest.id = r.run_id JOIN rent_accounts a ON a.id = r.account_id
            WHERE NOT r.automatic
              AND NOT EXISTS (SELECT 1 FROM arrears_actions x WHERE x.account_id = r.account_id AND x.recorded_at > latest.started_at)
            ORDER BY r.weeks_hundredths DESC NULLS LAST, a.account_ref
            """
        ).map { row in
            Item(
                account: try row.decode(String.self, 0), stage: try row.decode(String.self, 1), arrears: Money(pence: try row.decode(Int64.self, 2)),
                weeks: try row.decode(Int64?.self, 3).map(Arrears.Position.hundredths) ?? "-", reason: try row.decode(String.self, 4),
                reviewDay: try row.decode(Day.self, 5))
        }
    }
}
