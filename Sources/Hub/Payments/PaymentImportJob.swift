import BankFiles
import Foundation
import HousingFinance
import Logging
import Postgres

/// Imports one payment file (DOMAIN.md, "Payments in"): one run per file, its business key the
/// file's SHA-256, so a file is imported once only. Every entry is identified (`EntryIdentity`)
/// and posted at most once; matched to a rent account by the matcher's rules in order, or held
/// in suspense; a provider's settlement on the bank statement is recorded, not posted (the
/// council's Direct Debit collection credit and returned debits too, with a `direct-debit`
/// signature: reconciled with the collection runs and ARUDD reports); a provider file's money is
/// recorded as a batch its settlement must equal; a returned Direct Debit on a statement without
/// that signature reverses its collection with `RDN`. The report ties the file's own totals to
/// where every entry went, to the penny. A reader error posts nothing. A Bacs ARUDD report is not
/// a payment file: `PaymentImporter.receive` gives it to `DDReturnsJob`, and this job refuses it.
public struct PaymentImportJob: Job {
    public static let name = "payment-import"
    public static let reversal = ReversalRule.independent

    enum Input: Sendable {
        case bytes([UInt8])
        case file(URL)
        case read([Payment], FileTotals)
    }

    /// The file's name (kept with the run, shown in reports).
    public let fileName: String
    /// The SHA-256 of the file's content: the run's business key.
    public let sha256: String
    /// The format asked for, or nil to detect it.
    public let format: PaymentFormat?
    public let settings: PaymentSettings
    public let scheme: AccountReferenceScheme
    let input: Input
    /// Time spent computing the file's SHA-256 (a file streamed from its path), for the phases' log.
    let hashing: Duration

    public var inboundFile: InboundFile? {
        switch input {
        case .bytes(let bytes): return InboundFile(kind: "payments", fileName: fileName, sha256: sha256, source: .bytes(bytes))
        case .file(let url): return InboundFile(kind: "payments", fileName: fileName, sha256: sha256, source: .file(url))
        case .read: return nil
        }
    }

    /// A job for a file's content.
    /// - Parameters:
    ///   - fileName: the file's name.
    ///   - bytes: its content.
    ///   - format: its format, or nil to detect it.
    ///   - settings: `Config/payments.yaml`.
    ///   - scheme: the council's account reference scheme.
    public init(fileName: String, bytes: [UInt8], format: PaymentFormat?, settings: PaymentSettings, scheme: AccountReferenceScheme) {
        self.fileName = fileName
        self.sha256 = SHA256.hex(SHA256.hash(bytes))
        self.format = format
        self.settings = settings
        self.scheme = scheme
        self.input = .bytes(bytes)
        self.hashing = .zero
    }

    /// A job for a file, streamed: its SHA-256 is computed reading it in pieces, and camt and
    /// ARUDD files are read from the path, so a large statement is never held whole in memory.
    /// - Parameters:
    ///   - url: the file.
    ///   - format: its format, or nil to detect it.
    ///   - settings: `Config/payments.yaml`.
    ///   - scheme: the council's account reference scheme.
    /// - Throws: when the file cannot be read.
    public init(url: URL, format: PaymentFormat?, settings: PaymentSettings, scheme: AccountReferenceScheme) throws {
        self.fileName = url.lastPathComponent
        let hashing = ContinuousClock.now
        let handle = try FileHandle(forReadingFrom: url)
        defer { try? handle.close() }
        var hash = SHA256()
        while let piece = try handle.read(upToCount: 1 << 20), !piece.isEmpty {
            piece.withUnsafeBytes { hash.update($0) }
        }
        self.sha256 = hash.hex
        self.format = format
        self.settings = settings
        self.scheme = scheme
        self.input = .file(url)
        self.hashing = ContinuousClock.now - hashing
    }

    /// A job for payments already read by a reader the hub does not dispatch to itself (and for
    /// tests): the business key is the SHA-256 of the payments as JSON.
    /// - Parameters:
    ///   - fileName: the file's name.
    ///   - format: the format the payments were read from.
    ///   - payments: the payments, in file order.
    ///   - totals: the file's checked totals.
    public init(
        fileName: String, format: PaymentFormat, payments: [Payment], totals: FileTotals, settings: PaymentSettings,
        scheme: AccountReferenceScheme
    ) throws {
        self.fileName = fileName
        self.sha256 = SHA256.hex(SHA256.hash(try HubJSON.encoder().encode(payments)))
        self.format = format
        self.settings = settings
        self.scheme = scheme
        self.input = .read(payments, totals)
        self.hashing = .zero
    }

    public var businessKey: String { sha256 }
    public var parameters: [String: String] {
        ["file": fileName, "sha256": sha256, "format": format?.rawValue ?? "auto"]
    }

    public typealias Report = PaymentImportReport

    /// The decision for one entry.
    struct Decision {
        var payment: Payment
        var key: String
        var outcome: EntryOutcome
        var rule: String?
        var code: String?
        var accountId: Int64?
        /// The amount posted to the ledger (signed), when posted.
        var ledgerPence: Int64?
        var provider: String?
        var firstEntryId: Int64?
        var returnReason: String?
        var returnsEntryId: Int64?
        var note: String?
        var suspenseKind: String?
    }

    /// What is known of an entry before the database is asked (`prepare` in `run`).
    struct Prepared {
        var key: String
        /// The provider whose settlement the entry is (a bank statement's entry), if any.
        var provider: String?
        /// The matcher's answer, when the route may ask for it.
        var match: ReferenceMatch?
    }

    /// How many entries are decided and written at a time by default: the file is streamed, and
    /// memory holds a few chunks, not the file. A reader error at any point rolls the whole run back.
    public static let defaultEntriesPerChunk = 10_000

    /// How many entries this job decides and writes at a time (`defaultEntriesPerChunk`; tests
    /// set a few to cross chunk boundaries, or more than the file holds for one chunk).
    public var entriesPerChunk = PaymentImportJob.defaultEntriesPerChunk

    public func run(in context: RunContext) throws -> PaymentImportReport {
        let db = context.connection
        let (readFormat, read) = try reader()
        let isStatement = [.camt053, .camt054, .mt940].contains(readFormat)
        var warnings: [String] = []
        var phases = Phases(hashing: hashing)

        // The accounts, cards and legacy references: loaded once.
        var clock = ContinuousClock.now
        let accounts = try AccountDirectory.load(db, scheme: scheme)
        phases.accounts = ContinuousClock.now - clock
        if accounts.invalidReferences > 0 {
            warnings.append("\(Wording.count(accounts.invalidReferences, "account reference")) in the database \(accounts.invalidReferences == 1 ? "is" : "are") not valid under the reference scheme and cannot be matched")
        }
        let matcher = ReferenceMatcher(scheme: scheme)

        let signatures = try settings.settlements.map { settlement in
            (settlement.provider, try settlement.payerPattern.map(TextPattern.init), try settlement.referencePattern.map(TextPattern.init),
             settlement.settlesDirectDebit)
        }
        let directDebitProvider = settings.settlements.first(where: \.settlesDirectDebit)?.provider
        /// The provider whose settlement a statement entry is: a credit by any signature; a debit
        /// only by the Direct Debit one, which also takes every returned debit (code or reason)
        /// on the statement: returns are acted on from their ARUDD report, never twice.
        func settlementProvider(_ payment: Payment) -> String? {
            let debit = payment.direction == .debit
            if debit, let directDebitProvider, payment.returnReasonCode != nil || payment.transactionCode == settings.returnedDirectDebitCode {
                return directDebitProvider
            }
            let payerName = payment.payerName?.uppercased()
            let reference = payment.reference.uppercased()
            let details = payment.details.map { $0 == payment.reference ? "" : $0.uppercased() }
            for (provider, payerPattern, referencePattern, settlesDebits) in signatures where settlesDebits || !debit {
                // The payer's name where the file gives one; else banks put it in the free text.
                if let payerPattern {
                    if payerPattern.matches(upper: payerName) { return provider }
                    if payerName == nil && (payerPattern.matches(upper: reference) || payerPattern.matches(upper: details)) { return provider }
                }
                if let referencePattern, referencePattern.matches(upper: reference) || referencePattern.matches(upper: details) { return provider }
            }
            return nil
        }

        var identity = EntryIdentity()
        var returnedEntries: Set<Int64> = []
        var tallies = Tallies()
        var writers = try Writers(db: db)

        /// The work on a chunk that needs no database, done while the server posts the chunk
        /// before: each entry's identity, and the settlement signature and the matcher's answer
        /// wherever the route may ask for them (an entry then found seen before is skipped, and
        /// its answers are not used).
        func prepare(_ chunk: [Payment]) -> [Prepared] {
            chunk.map { payment in
                let key = identity.key(for: payment, format: readFormat)
                let isDebit = payment.direction == .debit
                let provider = isStatement ? settlementProvider(payment) : nil
                let returned = isDebit && (payment.transactionCode == settings.returnedDirectDebitCode || payment.returnReasonCode != nil)
                let asked = provider == nil && !returned && !(isStatement && isDebit)
                return Prepared(
                    key: key, provider: provider,
                    match: asked ? matcher.match(payment.reference, cardNumber: payment.cardNumber, in: accounts.index) : nil)
            }
        }

        /// Decides a chunk once the chunk before is posted: the entries seen before are in the
        /// earlier files, or earlier in this one (written by an earlier chunk of this run,
        /// visible in its transaction).
        func decide(_ chunk: [Payment], _ prepared: [Prepared]) throws -> [Decision] {
            var clock = ContinuousClock.now
            var seen: [String: (id: Int64, run: Int64)] = [:]
            for row in try db.query(
                "SELECT entry_key, id, run_id FROM payment_entries WHERE entry_key = ANY($1::text[]) AND NOT released AND outcome <> 'skipped'",
                [PostgresArray(prepared.map(\.key))])
            {
                seen[try row.decode(String.self, 0)] = (try row.decode(Int64.self, 1), try row.decode(Int64.self, 2))
            }
            phases.seen += ContinuousClock.now - clock
            clock = ContinuousClock.now
            defer { phases.deciding += ContinuousClock.now - clock }
            var keysInChunk: Set<String> = []
            var decisions: [Decision] = []
            decisions.reserveCapacity(chunk.count)
            for (payment, known) in zip(chunk, prepared) {
                let key = known.key
                var decision = Decision(payment: payment, key: key, outcome: .posted)
                defer { decisions.append(decision) }
                let seenBefore = seen[key].map { (entryId: $0.id, inThisRun: $0.run == context.runId) }
                let facts = PaymentEntryFacts(
                    isDebit: payment.direction == .debit, seenBefore: seenBefore,
                    repeatedInChunk: seenBefore == nil && !keysInChunk.insert(key).inserted,
                    transactionCode: payment.transactionCode, hasReturnReason: payment.returnReasonCode != nil, isBankStatement: isStatement)
                let route = PaymentRoute.decide(
                    facts, returnedDebitCode: settings.returnedDirectDebitCode, settlementProvider: { known.provider },
                    match: { known.match ?? matcher.match(payment.reference, cardNumber: payment.cardNumber, in: accounts.index) })
                switch route {
                case .skipDuplicate(let first, let inThisRun):
                    decision.outcome = .skipped
                    decision.firstEntryId = first
                    decision.note = first.map { inThisRun ? "repeated in this file (entry \($0))" : "already imported (entry \($0))" } ?? "repeated in this file"
                case .returnedDebit:
                    try decideReturnedDebit(&decision, db: db, accounts: accounts, matcher: matcher, used: &returnedEntries)
                case .reportBankDebit:
                    decision.outcome = .reported
                    decision.note = "a debit on the bank statement (charge or returned item): not rent"
                case .settlement(let provider):
                    decision.outcome = .settlement
                    decision.provider = provider
                case .post(let account, let rule):
                    decision.code = payment.transactionCode ?? defaultCode(readFormat)
                    decision.accountId = accounts.ids[account]
                    decision.rule = Self.ruleName(rule)
                    decision.ledgerPence = payment.direction == .credit ? -payment.amount.pence : payment.amount.pence
                    if case .nearMiss(let original) = rule { decision.note = "near miss: \(original) read as \(account.digits)" }
                case .suspense(let reason):
                    decision.code = payment.transactionCode ?? defaultCode(readFormat)
                    decision.outcome = .suspense
                    decision.rule = "suspense"
                    decision.suspenseKind = SuspenseItem.kind(of: readFormat)
                    decision.note = reason.description
                }
            }
            return decisions
        }

        // A bounded pipeline of three stages, a chunk of entries at a time: the file is read on a
        // thread of its own, a chunk or two ahead (`ReadAhead`); each chunk is prepared
        // (identity, settlement signatures, matching) while the server moves the chunk before
        // from its temporary tables into the tables (the INSERTs, sent without waiting); then
        // decided, copied into the temporary tables, and its INSERTs sent. Memory holds a few
        // chunks, never the file. One transaction throughout: an error in any stage, the
        // reader's or the server's, in any chunk, rolls the whole run back.
        let readingClock = ReadingClock()
        let timedRead = readingClock.timing(read)
        let chunkSize = max(1, entriesPerChunk)
        let pipe = ReadAhead<[Payment], FileTotals> { hand in
            var chunk: [Payment] = []
            chunk.reserveCapacity(chunkSize)
            let totals = try timedRead { payment in
                chunk.append(payment)
                if chunk.count >= chunkSize {
                    try hand(chunk)
                    chunk.removeAll(keepingCapacity: true)
                }
            }
            if !chunk.isEmpty { try hand(chunk) }
            return totals
        }
        defer { pipe.stop() }
        var fileTotals: FileTotals?
        do {
            while fileTotals == nil {
                clock = ContinuousClock.now
                let item = try pipe.next()
                phases.waiting += ContinuousClock.now - clock
                switch item {
                case .piece(let chunk):
                    clock = ContinuousClock.now
                    let prepared = prepare(chunk)
                    phases.preparing += ContinuousClock.now - clock
                    try writers.receive()
                    let decisions = try decide(chunk, prepared)
                    try write(decisions, to: &writers, context: context)
                    try writers.send()
                    clock = ContinuousClock.now
                    for decision in decisions {
                        tallies.add(decision, provider: isStatement ? nil : settings.provider(forFileOf: readFormat, sourceCode: decision.payment.sourceCode), format: readFormat)
                    }
                    phases.deciding += ContinuousClock.now - clock
                    phases.entries += chunk.count
                case .done(let read):
                    fileTotals = read
                case .failed(let error):
                    throw error
                }
            }
            try writers.receive()
        } catch {
            // The last chunk's INSERTs may still be running: their results are read (and
            // dropped) before the run is rolled back on the same connection.
            writers.abandon()
            throw error
        }
        phases.reading = readingClock.reading
        try writers.close()
        let totals = fileTotals!
        clock = ContinuousClock.now
        try db.execute(
            """
            INSERT INTO payment_files (run_id, file_name, sha256, format, file_date, statements, credit_count, credit_pence,
                debit_count, debit_pence, opening_pence, closing_pence)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
            """,
            [context.runId, fileName, sha256, readFormat.rawValue, totals.fileDate, totals.statements, totals.creditCount, totals.creditTotal.pence,
             totals.debitCount, totals.debitTotal.pence, totals.openingBalance?.pence, totals.closingBalance?.pence])

        var report = summarise(tallies, totals: totals, format: readFormat, warnings: warnings)
        if !isStatement {
            try recordBatches(tallies, totals: totals, format: readFormat, context: context, warnings: &report.warnings)
            report.batches = tallies.batches
        }
        report.reconciled = try SettlementReconciler(settings: settings).reconcile(db, runId: context.runId)
        guard report.ties else {
            throw RunError(.badInput, "\(fileName): the entries do not add up to the file's own totals; nothing was posted. This is a fault in the hub: report it with the file.")
        }
        phases.recording = ContinuousClock.now - clock
        phases.log(context.logger, writers: writers)
        return report
    }

    /// The file's format and a function that streams its payments.
    private func reader() throws -> (PaymentFormat, ((Payment) throws -> Void) throws -> FileTotals) {
        switch input {
        case .bytes(let bytes):
            let reader = try PaymentFileReader(bytes: bytes, fileName: fileName, format: format, settings: settings)
            return (reader.format, reader.read)
        case .read(let payments, let totals):
            if (format ?? totals.format) == .arudd { throw PaymentFileReader.notAPaymentFile(fileName) }
            return (format ?? totals.format, { body in
                for payment in payments { try body(payment) }
                return totals
            })
        case .file(let url):
            var resolved = format
            if resolved == nil {
                let handle = try FileHandle(forReadingFrom: url)
                let head = Array(try handle.read(upToCount: 8192) ?? Data())
                try? handle.close()
                // Detection of a text file may need its first line whole; XML needs only the start.
                resolved = PaymentFormat.detect(bytes: head, fileName: fileName, cardMapping: settings.cardMapping)
            }
            // Each format's limits (Interfaces/inbound/*/README.md): the streamed XML formats are
            // checked for size here and for their texts as they are read; the text formats are
            // read within their file and line limits, refused at the first line too long.
            switch resolved {
            case .camt053, .camt054:
                try BoundedFile.checkSize(url: url, limits: InputLimits.of(resolved!))
                let reader = CamtReader(url: url, expected: resolved)
                return (resolved!, reader.read)
            case .arudd:
                throw PaymentFileReader.notAPaymentFile(fileName)
            default:
                let bytes = try BoundedFile.read(url: url, limits: resolved.map(InputLimits.of) ?? .text)
                let reader = try PaymentFileReader(bytes: bytes, fileName: fileName, format: resolved, settings: settings)
                return (reader.format, reader.read)
            }
        }
    }

    /// The running totals of a run's entries, kept as chunks are written.
    struct Tallies {
        var credits: [EntryOutcome: Tally] = [:]
        var debits: [EntryOutcome: Tally] = [:]
        var byRule: [String: Int] = [:]
        var ledgerByCode: [String: Int64] = [:]
        var suspense: [PaymentImportReport.SuspenseLine] = []
        var suspenseCount = 0
        var batches: [String: Tally] = [:]
        var unassigned: [String: Int] = [:]
        var lastDate: Day?

        mutating func add(_ decision: Decision, provider: String?, format: PaymentFormat) {
            let payment = decision.payment
            if payment.direction == .credit {
                credits[decision.outcome, default: Tally()].add(payment.amount)
            } else {
                debits[decision.outcome, default: Tally()].add(payment.amount)
            }
            if let rule = decision.rule { byRule[rule, default: 0] += 1 }
            if decision.outcome == .posted { ledgerByCode[decision.code!, default: 0] += decision.ledgerPence! }
            if decision.outcome == .suspense {
                suspenseCount += 1
                if suspense.count < PaymentImportReport.suspenseLinesKept {
                    suspense.append(.init(
                        position: payment.position.description,
                        amountPence: payment.direction == .credit ? payment.amount.pence : -payment.amount.pence,
                        reference: payment.reference, reason: decision.note ?? ""))
                }
            }
            lastDate = max(lastDate ?? payment.bookingDate, payment.bookingDate)
            if let provider {
                batches[provider, default: Tally()].count += 1
                batches[provider, default: Tally()].pence += payment.direction == .credit ? payment.amount.pence : -payment.amount.pence
            } else {
                unassigned[payment.sourceCode ?? format.rawValue, default: 0] += 1
            }
        }
    }


    /// A returned Direct Debit: reverse its collection with RDN, or hold it in suspense.
    private func decideReturnedDebit(
        _ decision: inout Decision, db: Connection, accounts: AccountDirectory, matcher: ReferenceMatcher, used: inout Set<Int64>
    ) throws {
        let payment = decision.payment
        decision.code = settings.returnedDirectDebitCode
        decision.returnReason = payment.returnReasonCode
        let reason = payment.returnReasonCode.map { "reason code \($0)" } ?? "no reason code"
        var original: (id: Int64, account: Int64)?
        let usedList = PostgresArray(used)
        if let reference = payment.originalReference, !reference.isEmpty {
            original = try db.queryOne(
                """
                SELECT l.id, l.account_id FROM ledger_entries l
                WHERE l.code = 'RDD' AND l.source_ref = $1 AND l.amount_pence = $2 AND NOT (l.id = ANY($3::bigint[]))
                  AND NOT EXISTS (SELECT 1 FROM ledger_entries r WHERE r.reverses_entry_id = l.id)
                  AND NOT EXISTS (SELECT 1 FROM payment_entries p WHERE p.returns_entry_id = l.id AND NOT p.released)
                ORDER BY l.entry_date DESC, l.id DESC LIMIT 1
                """, [reference, -payment.amount.pence, usedList]
            ).map { (try $0.decode(Int64.self, 0), try $0.decode(Int64.self, 1)) }
        }
        if original == nil {
            let texts = [payment.reference, payment.originalReference ?? ""].filter { !$0.isEmpty }
            for text in texts {
                guard let account = matcher.match(text, in: accounts.index).account, let id = accounts.ids[account] else { continue }
                original = try db.queryOne(
                    """
                    SELECT l.id, l.account_id FROM ledger_entries l
                    WHERE l.code = 'RDD' AND l.account_id = $1 AND l.amount_pence = $2 AND l.entry_date <= $3 AND NOT (l.id = ANY($4::bigint[]))
                      AND NOT EXISTS (SELECT 1 FROM ledger_entries r WHERE r.reverses_entry_id = l.id)
                      AND NOT EXISTS (SELECT 1 FROM payment_entries p WHERE p.returns_entry_id = l.id AND NOT p.released)
                    ORDER BY l.entry_date DESC, l.id DESC LIMIT 1
                    """, [id, -payment.amount.pence, payment.bookingDate, usedList]
                ).map { (try $0.decode(Int64.self, 0), try $0.decode(Int64.self, 1)) }
                if original != nil { break }
            }
        }
        if let original {
            used.insert(original.id)
            decision.accountId = original.account
            decision.returnsEntryId = original.id
            decision.ledgerPence = payment.amount.pence
            decision.rule = "returned-direct-debit"
            decision.note = "returned Direct Debit (\(reason)) reverses entry \(original.id)"
        } else {
            decision.outcome = .suspense
            decision.rule = "suspense"
            decision.suspenseKind = SuspenseItem.kind(of: .arudd)
            decision.note = "returned Direct Debit (\(reason)): its collection was not found; find the account and allocate"
        }
    }

    private func defaultCode(_ format: PaymentFormat) -> String {
        switch format {
        case .camt053, .camt054, .mt940: return settings.bankCreditCode
        case .card: return settings.cardCode
        case .housingBenefit: return settings.housingBenefitCode
        case .arudd: return settings.returnedDirectDebitCode
        case .cashFile, .outlet: return "RPY"
        }
    }

    static func ruleName(_ rule: MatchRule) -> String {
        switch rule {
        case .accountReference: return "reference"
        case .paymentCard: return "payment-card"
        case .legacyReference: return "legacy-reference"
        case .nearMiss: return "near-miss"
        }
    }

    /// The tables a run's chunks are posted to, each a `LandlordTableStream` kept for the whole
    /// run (its temporary table made once, emptied after each chunk): the payment entries and the
    /// ledger from the first chunk, suspense and its GL postings from the first chunk that holds
    /// any. A chunk is copied into the temporary tables, then moved into the tables by INSERTs
    /// sent in one message without waiting (`send`); the import prepares the next chunk while the
    /// server runs them, and reads their results (`receive`) before it asks the database anything
    /// else. A failed INSERT fails the run at `receive`.
    struct Writers {
        let db: Connection
        var entries: LandlordTableStream
        var ledger: LandlordTableStream
        var suspense: LandlordTableStream?
        var suspenseGL: LandlordTableStream?
        /// Time spent inserting settlements (a row each: a statement holds a few).
        var settling = Duration.zero
        /// Whether INSERTs were sent and their results not yet read.
        private(set) var inFlight = false
        /// The time the import waited for the INSERTs after its own work on the next chunk.
        private(set) var waiting = Duration.zero
        /// The INSERTs' time from sending to their results read, the import's work meanwhile included.
        private(set) var moving = Duration.zero
        private var sentAt = ContinuousClock.now

        /// Sends the staged chunk's moves, in the order the tables were always written: payment
        /// entries, ledger, suspense, its GL postings.
        mutating func send() throws {
            precondition(!inFlight, "the chunk before must be received first")
            let scripts = [entries.moveScript, ledger.moveScript, suspense?.moveScript, suspenseGL?.moveScript].compactMap { $0 }
            guard !scripts.isEmpty else { return }
            try db.sendScript(SQLQuery(unescaped: scripts.joined(separator: "; ")))
            sentAt = ContinuousClock.now
            inFlight = true
        }

        /// Waits for the moves sent, if any, and counts their rows.
        mutating func receive() throws {
            guard inFlight else { return }
            let clock = ContinuousClock.now
            inFlight = false
            let results = try db.receiveScript()
            waiting += ContinuousClock.now - clock
            moving += ContinuousClock.now - sentAt
            var next = results.startIndex
            func count(_ stream: inout LandlordTableStream) {
                guard stream.moveScript != nil else { return }
                stream.moved(results[next..<min(next + 2, results.endIndex)], waited: .zero)
                next += 2
            }
            count(&entries)
            count(&ledger)
            if suspense != nil { count(&suspense!) }
            if suspenseGL != nil { count(&suspenseGL!) }
        }

        /// After a failure elsewhere: reads and drops the results of moves still in flight, so
        /// that the connection can roll the run back.
        mutating func abandon() {
            guard inFlight else { return }
            inFlight = false
            _ = try? db.receiveScript()
        }

        static let entryColumns = [
            "run_id", "entry_key", "position", "direction", "amount_pence", "booking_date", "reference", "payer", "outcome",
            "rule", "code", "account_id", "provider", "first_entry_id", "return_reason", "returns_entry_id", "note",
        ]
        static let ledgerColumns = ["account_id", "code", "amount_pence", "entry_date", "run_id", "description", "source_ref"]
        static let suspenseColumns = [
            "run_id", "entry_key", "kind", "code", "amount_pence", "entry_date", "reference", "payer", "file_name", "position", "reason",
        ]
        static let suspenseGLColumns = ["run_id", "code", "amount_pence", "entry_date", "description", "source_ref"]

        init(db: Connection) throws {
            self.db = db
            entries = try LandlordTableStream(into: "payment_entries", columns: Self.entryColumns, on: db)
            ledger = try LandlordTableStream(into: "ledger_entries", columns: Self.ledgerColumns, on: db)
        }

        /// Drops the temporary tables.
        mutating func close() throws {
            try entries.close()
            try ledger.close()
            try suspense?.close()
            try suspenseGL?.close()
        }
    }

    /// Writes one chunk's entries, postings and suspense items into the temporary tables (COPY),
    /// for `Writers.send()` to move, and its settlements (a statement holds a few).
    private func write(_ decisions: [Decision], to writers: inout Writers, context: RunContext) throws {
        let db = context.connection
        let runId = context.runId
        try writers.entries.stage { rows in
            for decision in decisions {
                let payment = decision.payment
                try rows.beginRow(columns: 17)
                rows.write(runId)
                rows.write(decision.key)
                rows.write(payment.position.description)
                rows.write(payment.direction.rawValue)
                rows.write(payment.amount.pence)
                rows.writeDate(daysSince1970: payment.bookingDate.daysSinceEpoch)
                rows.write(payment.reference)
                rows.write(payment.payerName)
                rows.write(decision.outcome.rawValue)
                rows.write(decision.rule)
                rows.write(decision.code)
                rows.write(decision.accountId)
                rows.write(decision.provider)
                rows.write(decision.firstEntryId)
                rows.write(decision.returnReason)
                rows.write(decision.returnsEntryId)
                rows.write(decision.note)
            }
        }
        let posted = decisions.filter { $0.outcome == .posted }
        // A resent file posts nothing: no empty COPY and INSERT.
        if !posted.isEmpty {
            try writers.ledger.stage { rows in
                for decision in posted {
                    try rows.beginRow(columns: 7)
                    rows.write(decision.accountId!)
                    rows.write(decision.code!)
                    rows.write(decision.ledgerPence!)
                    rows.writeDate(daysSince1970: decision.payment.bookingDate.daysSinceEpoch)
                    rows.write(runId)
                    rows.write(description(of: decision))
                    rows.write(decision.key)
                }
            }
        }
        let held = decisions.filter { $0.outcome == .suspense }
        // Most chunks hold no suspense: no staging table for nothing.
        if !held.isEmpty {
            if writers.suspense == nil {
                writers.suspense = try LandlordTableStream(into: "suspense_items", columns: Writers.suspenseColumns, on: db)
                writers.suspenseGL = try LandlordTableStream(into: "gl_postings", columns: Writers.suspenseGLColumns, on: db)
            }
            try writers.suspense!.stage { rows in
                for decision in held {
                    let payment = decision.payment
                    try rows.beginRow(columns: 11)
                    rows.write(runId)
                    rows.write(decision.key)
                    rows.write(decision.suspenseKind!)
                    rows.write(decision.code!)
                    rows.write(payment.direction == .credit ? payment.amount.pence : -payment.amount.pence)
                    rows.writeDate(daysSince1970: payment.bookingDate.daysSinceEpoch)
                    rows.write(payment.reference)
                    rows.write(payment.payerName)
                    rows.write(fileName)
                    rows.write(payment.position.description)
                    rows.write(decision.note ?? "unmatched")
                }
            }
            try writers.suspenseGL!.stage { rows in
                for decision in held {
                    let payment = decision.payment
                    try rows.beginRow(columns: 6)
                    rows.write(runId)
                    rows.write(decision.suspenseKind == "hb" ? "SHB" : "SUS")
                    rows.write(payment.direction == .credit ? -payment.amount.pence : payment.amount.pence)
                    rows.writeDate(daysSince1970: payment.bookingDate.daysSinceEpoch)
                    rows.write("Suspense: \(fileName) \(payment.position): \(payment.reference)")
                    rows.write(decision.key)
                }
            }
        }
        let settling = ContinuousClock.now
        for decision in decisions where decision.outcome == .settlement {
            let payment = decision.payment
            try db.execute(
                "INSERT INTO bank_settlements (run_id, entry_key, provider, amount_pence, booking_date, reference, payer) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                [runId, decision.key, decision.provider!, payment.direction == .credit ? payment.amount.pence : -payment.amount.pence, payment.bookingDate,
                 payment.reference, payment.payerName])
        }
        writers.settling += ContinuousClock.now - settling
    }

    private func description(of decision: Decision) -> String {
        let payment = decision.payment
        var text = "\(fileName) \(payment.position)"
        if !payment.reference.isEmpty { text += ": \(payment.reference.prefix(60))" }
        if let rule = decision.rule, rule != "reference" { text += " [\(rule)]" }
        if let reason = decision.returnReason { text += " [reason \(reason)]" }
        return text
    }

    private func recordBatches(
        _ tallies: Tallies, totals: FileTotals, format: PaymentFormat, context: RunContext, warnings: inout [String]
    ) throws {
        for (source, n) in tallies.unassigned.sorted(by: { $0.key < $1.key }) where format != .housingBenefit {
            warnings.append("\(Wording.count(n, "payment")) of \(format.rawValue)/\(source) belong\(n == 1 ? "s" : "") to no provider in payments.yaml settlements: \(n == 1 ? "it" : "they") will not be reconciled with the bank statement")
        }
        let fileDate = totals.fileDate ?? tallies.lastDate ?? context.businessDate
        for (provider, tally) in tallies.batches.sorted(by: { $0.key < $1.key }) {
            try context.connection.execute(
                "INSERT INTO provider_batches (run_id, provider, file_name, file_date, entries, amount_pence) VALUES ($1, $2, $3, $4, $5, $6)",
                [context.runId, provider, fileName, fileDate, tally.count, tally.pence])
        }
    }

    private func summarise(_ tallies: Tallies, totals: FileTotals, format: PaymentFormat, warnings: [String]) -> PaymentImportReport {
        let lines = EntryOutcome.allCases.map {
            PaymentImportReport.Line(outcome: $0, credits: tallies.credits[$0] ?? Tally(), debits: tallies.debits[$0] ?? Tally())
        }
        let fileCredits = Tally(count: totals.creditCount, pence: totals.creditTotal.pence)
        let fileDebits = Tally(count: totals.debitCount, pence: totals.debitTotal.pence)
        let creditSum = lines.reduce(Tally()) { $0 + $1.credits }
        let debitSum = lines.reduce(Tally()) { $0 + $1.debits }
        var warnings = warnings
        if tallies.suspenseCount > tallies.suspense.count {
            warnings.append("\(Wording.count(tallies.suspenseCount, "entry")) went to suspense; the recorded report keeps the first \(Wording.number(tallies.suspense.count)) (`hub suspense list --status open` lists them all)")
        }
        return PaymentImportReport(
            file: fileName, format: format.rawValue, sha256: sha256, fileDate: totals.fileDate, statements: totals.statements,
            openingBalancePence: totals.openingBalance?.pence, closingBalancePence: totals.closingBalance?.pence,
            fileCredits: fileCredits, fileDebits: fileDebits, lines: lines,
            ties: creditSum == fileCredits && debitSum == fileDebits, byRule: tallies.byRule, ledgerByCode: tallies.ledgerByCode,
            suspenseItems: tallies.suspense, batches: [:], reconciled: [], fileChecks: totals.checks, warnings: warnings)
    }
}

extension PaymentImportJob {
    /// The reader's own time (the file's parsing), on the reader's thread: its whole time without
    /// the time spent handing each payment over (where it waits for room in the read-ahead).
    /// Written on the reader's thread as it ends; read once the read-ahead has handed over the
    /// file's totals (its lock orders the two).
    final class ReadingClock {
        private(set) var reading = Duration.zero

        func timing(_ read: @escaping ((Payment) throws -> Void) throws -> FileTotals) -> ((Payment) throws -> Void) throws -> FileTotals {
            { [self] hand in
                let started = ContinuousClock.now
                var handing = Duration.zero
                defer { reading = ContinuousClock.now - started - handing }
                return try read { payment in
                    let clock = ContinuousClock.now
                    defer { handing += ContinuousClock.now - clock }
                    try hand(payment)
                }
            }
        }
    }

    /// Where an import's time went, logged when it has posted (`HUB_LOG_LEVEL=info`, the line
    /// `payment import posted`; `Benchmarks/payment-import` prints it). Overlapped with the rest:
    /// `reading_s`, the file read on its own thread (`waiting_s`: what the import waited for it),
    /// and the INSERTs moving each chunk from the temporary tables into the tables
    /// (`inserts_in_flight_s`, from sending them to reading their results), during which the
    /// next chunk is prepared (`preparing_s`: identity, settlement signatures, matching);
    /// `insert_wait_s` is what the import still waited for them. The COPY figures include
    /// producing the rows.
    struct Phases {
        var hashing: Duration
        var accounts = Duration.zero
        var reading = Duration.zero
        var waiting = Duration.zero
        var preparing = Duration.zero
        var deciding = Duration.zero
        var seen = Duration.zero
        var recording = Duration.zero
        var entries = 0

        func log(_ logger: Logger, writers: Writers) {
            let suspense = [writers.suspense, writers.suspenseGL].compactMap { $0 }.reduce(Duration.zero) { $0 + $1.copying } + writers.settling
            logger.info("payment import posted", metadata: [
                "entries": "\(entries)", "ledger_rows": "\(writers.ledger.rows)", "chunks": "\(writers.entries.chunks)",
                "hashing_s": "\(hashing.secondsText)", "accounts_s": "\(accounts.secondsText)", "reading_s": "\(reading.secondsText)",
                "waiting_s": "\(waiting.secondsText)", "preparing_s": "\(preparing.secondsText)", "seen_s": "\(seen.secondsText)",
                "deciding_s": "\(deciding.secondsText)", "entries_copy_s": "\(writers.entries.copying.secondsText)",
                "ledger_copy_s": "\(writers.ledger.copying.secondsText)", "suspense_s": "\(suspense.secondsText)",
                "insert_wait_s": "\(writers.waiting.secondsText)", "inserts_in_flight_s": "\(writers.moving.secondsText)",
                "recording_s": "\(recording.secondsText)",
            ])
        }
    }
}

/// The council's rent accounts, cards and legacy references, loaded once per run.
public struct AccountDirectory {
    /// What the reference matcher searches.
    public var index: AccountIndex
    /// Each account's row id.
    public var ids: [AccountReference: Int64]
    /// Accounts whose reference is not valid under the scheme (they cannot be matched).
    public var invalidReferences: Int

    /// Loads every account, payment card and legacy reference.
    /// - Throws: database errors.
    public static func load(_ db: Connection, scheme: AccountReferenceScheme) throws -> AccountDirectory {
        var ids: [AccountReference: Int64] = [:]
        var byId: [Int64: AccountReference] = [:]
        var invalid = 0
        for row in try db.query("SELECT id, account_ref FROM rent_accounts") {
            let id = try row.decode(Int64.self, 0)
            guard let reference = AccountReference(try row.decode(String.self, 1), scheme: scheme) else {
                invalid += 1
                continue
            }
            ids[reference] = id
            byId[id] = reference
        }
        var cards: [String: AccountReference] = [:]
        for row in try db.query("SELECT card_number, account_id FROM account_payment_cards") {
            if let reference = byId[try row.decode(Int64.self, 1)] { cards[try row.decode(String.self, 0)] = reference }
        }
        var legacy: [String: AccountReference] = [:]
        for row in try db.query("SELECT legacy_ref, account_id FROM account_legacy_refs") {
            if let reference = byId[try row.decode(Int64.self, 1)] { legacy[try row.decode(String.self, 0)] = reference }
        }
        return AccountDirectory(
            index: AccountIndex(accounts: ids.keys, cards: cards, legacyReferences: legacy), ids: ids, invalidReferences: invalid)
    }
}
