import Foundation
import HousingFinance
import InterfaceFiles
import Postgres

/// The council tax change export (DOMAIN.md, "Council tax interface").
///
/// Events are derived set-based from the tenancies and properties (window functions over each
/// property's tenancies in start order), each with a stable key:
///
/// | key | event | effective date |
/// | --- | --- | --- |
/// | `TS:` tenancy | `TENANCY_START` | the tenancy's first day |
/// | `TE:` tenancy | `TENANCY_END` | the tenancy's last day |
/// | `VS:` tenancy | `VOID_START` after that tenancy, when no tenancy starts the next day | the day after it ends |
/// | `VE:` tenancy | `VOID_END` before that tenancy, when the home stood empty before it | the day before it starts |
/// | `AQ:` property | `ACQUIRED` | `owned_from` |
/// | `VA:` property | `VOID_START` at acquisition, when no tenancy runs on `owned_from` | `owned_from` |
/// | `DP:` property | `DISPOSED` | `owned_to` (the last day owned) |
///
/// They are compared with the latest event sent for each key (`council_tax_events_sent`): a key
/// never sent goes as a new event when it is due (effective at most `aheadDays` ahead; later ones
/// are held back and reported); a key whose date has changed goes as an `AMENDMENT` naming the
/// original event; a key sent but no longer derived goes as a `CANCELLATION` naming it. Each event
/// goes in exactly one file. Events effective before `eventsFrom` that were never sent are history.
public struct CouncilTaxExportJob: Job {
    public static let name = "council-tax-export"
    public static let reversal = JobRules.reversal(of: "council-tax-export")

    public let settings: ExportsConfig.CouncilTax
    /// The day the file is made for (the run's business date is used when nil).
    public let asOf: Day

    public init(asOf: Day, settings: ExportsConfig.CouncilTax) {
        self.asOf = asOf
        self.settings = settings
    }

    public var businessKey: String { asOf.iso }
    public var parameters: [String: String] {
        ["as-of": asOf.iso, "events-from": settings.eventsFrom.iso, "interface": settings.interface]
    }

    /// One event in the report.
    public struct Line: Codable, Hashable, Sendable {
        public var eventId: String?
        public var kind: String
        public var originalEventId: String?
        public var propertyReference: String
        public var effectiveDate: Day
        public var note: String?
    }

    /// What the export did.
    public struct Report: JobReport {
        public var asOf: Day
        public var interface: String
        public var fileName: String?
        public var sequence: Int64?
        public var sha256: String?
        /// The events sent, in file order.
        public var sent: [Line]
        /// Events sent more than `lateAfterDays` after they took effect (also in `sent`).
        public var late: [Line]
        /// Events more than `aheadDays` ahead, held back until they are due.
        public var heldBack: [Line]
        /// Events that could not be sent (a property without a UPRN...), with why.
        public var refused: [Line]
        /// Properties void for longer than the long-void limit, with the day the void began.
        public var longVoids: [Line]
        public var warnings: [String]
        /// The run, to say where every event is listed.
        public var runId: Int64
        public var isPreview: Bool

        public var counts: [String: Int] {
            var counts = ["events sent": sent.count, "held back": heldBack.count, "not sendable": refused.count, "long voids": longVoids.count]
            for line in sent { counts["sent: \(line.kind)", default: 0] += 1 }
            return counts
        }

        public func render() -> String {
            var text = "Council tax changes as of \(asOf.iso)\n"
            if let fileName, let sequence {
                text += "  File \(interface) #\(sequence): \(fileName) (\(Wording.count(sent.count, "event")))\n  SHA-256 \(sha256 ?? "")\n"
            } else {
                text += "  No events to send: no file was made.\n"
            }
            if !sent.isEmpty {
                var table = TextTable([.init("Event"), .init("Kind"), .init("Property"), .init("Effective"), .init("Corrects")])
                for line in sent.prefix(LongList.shown) {
                    table.add([line.eventId ?? "", line.kind, line.propertyReference, line.effectiveDate.iso, line.originalEventId ?? ""])
                }
                text += table.render(indent: 2)
                if sent.count > LongList.shown {
                    text += "  ... and \(Wording.number(sent.count - LongList.shown)) more: \(LongList.seeAll(runId: runId, preview: isPreview))\n"
                }
            }
            for warning in warnings { text += "  warning: \(warning)\n" }
            return text
        }
    }

    struct Derived {
        var key: String
        var kind: CouncilTaxEvent.Kind
        var action: String
        var effective: Day?
        var sentDate: Day?
        var originalEventId: String?
        var propertyRef: String?
        var uprn: String?
        var address: String?
        var postcode: String?
        var tenants: [String]
        var furnished: Bool
        var forwarding: String?
        var fallbackPropertyRef: String
    }

    public func run(in context: RunContext) throws -> Report {
        let db = context.connection
        // One export at a time: a second waits here, then sees what the first one sent.
        try db.landlordTransactionLock("hub council-tax-export")
        let rows = try db.query(
            """
            WITH t AS (
                SELECT t.id, t.tenancy_ref, t.property_id, t.start_date, t.end_date, p.owned_from, p.owned_to,
                       lag(t.end_date) OVER w AS prev_end, lag(t.id) OVER w AS prev_id, lead(t.start_date) OVER w AS next_start
                FROM tenancies t JOIN properties p ON p.id = t.property_id
                WINDOW w AS (PARTITION BY t.property_id ORDER BY t.start_date, t.id)),
            derived AS (
                SELECT 'TS:' || tenancy_ref AS key, 'TENANCY_START' AS kind, property_id, id AS tenancy_id, start_date AS effective FROM t
                UNION ALL
                SELECT 'TE:' || tenancy_ref, 'TENANCY_END', property_id, id, end_date FROM t WHERE end_date IS NOT NULL
                UNION ALL
                SELECT 'VS:' || tenancy_ref, 'VOID_START', property_id, NULL::bigint, end_date + 1 FROM t
                WHERE end_date IS NOT NULL AND (next_start IS NULL OR next_start > end_date + 1) AND (owned_to IS NULL OR owned_to > end_date)
                UNION ALL
                SELECT 'VE:' || tenancy_ref, 'VOID_END', property_id, NULL::bigint, start_date - 1 FROM t
                WHERE (prev_id IS NOT NULL AND prev_end < start_date - 1) OR (prev_id IS NULL AND owned_from < start_date)
                UNION ALL
                SELECT 'AQ:' || property_ref, 'ACQUIRED', id, NULL::bigint, owned_from FROM properties
                UNION ALL
                SELECT 'VA:' || p.property_ref, 'VOID_START', p.id, NULL::bigint, p.owned_from FROM properties p
                WHERE NOT EXISTS (SELECT 1 FROM tenancies x WHERE x.property_id = p.id AND x.start_date <= p.owned_from
                                  AND (x.end_date IS NULL OR x.end_date >= p.owned_from))
                UNION ALL
                SELECT 'DP:' || property_ref, 'DISPOSED', id, NULL::bigint, owned_to FROM properties WHERE owned_to IS NOT NULL),
            live AS (
                SELECT * FROM (
                    SELECT DISTINCT ON (event_key) event_key, event_kind, sent_as, effective_date, original_event_id, property_ref
                    FROM council_tax_events_sent ORDER BY event_key, id DESC) latest
                WHERE sent_as <> 'CANCELLATION'),
            diff AS (
                SELECT COALESCE(d.key, s.event_key) AS key, COALESCE(d.kind, s.event_kind) AS kind,
                       CASE WHEN s.event_key IS NULL THEN 'new' WHEN d.key IS NULL THEN 'cancel' ELSE 'amend' END AS action,
                       COALESCE(d.property_id, (SELECT px.id FROM properties px WHERE px.property_ref = s.property_ref)) AS property_id,
                       d.tenancy_id, d.effective, s.effective_date AS sent_date, s.original_event_id,
                       s.property_ref AS sent_property
                FROM derived d FULL JOIN live s ON s.event_key = d.key
                WHERE (s.event_key IS NULL AND d.effective >= $1) OR d.key IS NULL OR d.effective <> s.effective_date)
            SELECT diff.key, diff.kind, diff.action, diff.effective, diff.sent_date, diff.original_event_id,
                   p.property_ref, p.uprn, p.address, p.postcode,
                   COALESCE(array_to_json(t.tenants)::text, '[]'), COALESCE(t.furnished, false), t.forwarding_address,
                   COALESCE(diff.sent_property, p.property_ref)
            FROM diff
            LEFT JOIN properties p ON p.id = diff.property_id
            LEFT JOIN tenancies t ON t.id = diff.tenancy_id
            ORDER BY COALESCE(diff.effective, diff.sent_date), COALESCE(diff.sent_property, p.property_ref), diff.key
            """, [settings.eventsFrom])
        let derived = try rows.map { row in
            Derived(
                key: try row.decode(String.self, 0), kind: CouncilTaxEvent.Kind(rawValue: try row.decode(String.self, 1))!,
                action: try row.decode(String.self, 2), effective: try row.decode(Day?.self, 3), sentDate: try row.decode(Day?.self, 4),
                originalEventId: try row.decode(String?.self, 5), propertyRef: try row.decode(String?.self, 6),
                uprn: try row.decode(String?.self, 7), address: try row.decode(String?.self, 8), postcode: try row.decode(String?.self, 9),
                tenants: try JSONDecoder().decode([String].self, from: Data(try row.decode(String.self, 10).utf8)),
                furnished: try row.decode(Bool.self, 11), forwarding: try row.decode(String?.self, 12),
                fallbackPropertyRef: try row.decode(String.self, 13))
        }

        var warnings: [String] = []
        var held: [Line] = []
        var refused: [Line] = []
        var toSend: [(event: CouncilTaxEvent, key: String, kind: CouncilTaxEvent.Kind, note: String?)] = []
        var late: [Line] = []
        var notes: [String] = []
        let notice = CouncilTaxNotice(aheadDays: settings.aheadDays, lateAfterDays: settings.lateAfterDays, longVoidMonths: settings.longVoidMonths)
        let numbers = try db.query("SELECT nextval('council_tax_event_numbers') FROM generate_series(1, $1)", [derived.count])
            .map { try $0.decode(Int64.self, 0) }
        for (index, item) in derived.enumerated() {
            let effective = item.effective ?? item.sentDate!
            let timing = notice.timing(effective: effective, isNew: item.action == "new", asOf: asOf)
            if case .holdBack(let due) = timing {
                held.append(Line(kind: item.kind.rawValue, propertyReference: item.fallbackPropertyRef, effectiveDate: effective,
                                 note: "due \(due.iso)"))
                continue
            }
            let kind: CouncilTaxEvent.Kind = item.action == "new" ? item.kind : item.action == "amend" ? .amendment : .cancellation
            let isTenancy = item.kind == .tenancyStart || item.kind == .tenancyEnd
            var note: String?
            var forwarding: CouncilTaxEvent.Address?
            if item.kind == .tenancyEnd, let text = item.forwarding, !text.trimmingCharacters(in: .whitespaces).isEmpty {
                forwarding = CouncilTaxExportJob.forwardingAddress(text)
                if forwarding == nil { note = "the forwarding address has no postcode as its last part; sent without it" }
            }
            let event = CouncilTaxEvent(
                eventId: "CT" + zeroPadded(numbers[index], 7), kind: kind,
                originalEventId: kind.refersToOriginal ? item.originalEventId : nil,
                propertyReference: item.propertyRef ?? item.fallbackPropertyRef, uprn: item.uprn ?? "",
                address: CouncilTaxExportJob.address(item.address ?? "", postcode: item.postcode ?? ""), effectiveDate: effective,
                tenantNames: isTenancy ? item.tenants : [], furnished: isTenancy && item.furnished, forwardingAddress: forwarding)
            // Check the event on its own, so one bad property holds back only its own event.
            do {
                _ = try CouncilTaxWriter(header: .init(sequenceNumber: 1, created: asOf)).write([event])
            } catch {
                let why = item.propertyRef == nil ? "the property \(item.fallbackPropertyRef) no longer exists" : "\(error.message) (\(error.field ?? "record"))"
                refused.append(Line(kind: kind.rawValue, originalEventId: event.originalEventId, propertyReference: event.propertyReference,
                                    effectiveDate: effective, note: why))
                continue
            }
            if case .sendLate(let daysAfter) = timing {
                late.append(Line(eventId: event.eventId, kind: kind.rawValue, originalEventId: event.originalEventId,
                                 propertyReference: event.propertyReference, effectiveDate: effective,
                                 note: "\(Wording.count(daysAfter, "day")) after taking effect"))
            }
            if note != nil { notes.append("\(event.eventId) \(kind.rawValue) of \(event.propertyReference)") }
            toSend.append((event, item.key, item.kind, note))
        }
        // Each long list as one warning: the count, the first few, and where the rest are.
        let seeAll = LongList.seeAll(runId: context.runId, preview: context.isPreview)
        if !refused.isEmpty {
            let list = refused.map { "\($0.kind) of \($0.propertyReference) on \($0.effectiveDate.iso): \($0.note ?? "")" }
            warnings.append(
                "\(Wording.count(refused.count, "event")) cannot be sent; correct the property or tenancy and \(refused.count == 1 ? "it goes" : "they go") in the next file: "
                    + LongList.inline(list, seeAll: seeAll))
        }
        if !late.isEmpty {
            let list = late.map { "\($0.eventId ?? "") \($0.kind) of \($0.propertyReference) on \($0.effectiveDate.iso) (\($0.effectiveDate.distance(to: asOf)) days)" }
            warnings.append(
                "\(Wording.count(late.count, "event")) \(late.count == 1 ? "was" : "were") sent more than \(settings.lateAfterDays) days after taking effect: "
                    + LongList.inline(list, seeAll: seeAll))
        }
        if !notes.isEmpty {
            warnings.append(
                "\(Wording.count(notes.count, "event")) \(notes.count == 1 ? "was" : "were") sent without the forwarding address, which has no postcode as its last part: "
                    + LongList.inline(notes, seeAll: seeAll))
        }
        if !held.isEmpty {
            let list = held.map { "\($0.kind) \($0.propertyReference) \($0.effectiveDate.iso)" }
            warnings.append(
                "\(Wording.count(held.count, "event")) \(held.count == 1 ? "is" : "are") more than \(settings.aheadDays) days ahead and held back until due: "
                    + LongList.inline(list, seeAll: seeAll))
        }

        // The homes owned on the date, each with the tenancies begun by then; which are void, and
        // since when, and whether for too long, are the rules' to say (CouncilTaxNotice).
        var longVoids: [Line] = []
        for row in try db.query(
            """
            SELECT p.property_ref, p.owned_from, p.owned_to,
                   array_agg(t.start_date ORDER BY t.start_date, t.id) FILTER (WHERE t.id IS NOT NULL),
                   array_agg(t.end_date ORDER BY t.start_date, t.id) FILTER (WHERE t.id IS NOT NULL)
            FROM properties p LEFT JOIN tenancies t ON t.property_id = p.id AND t.start_date <= \(asOf)
            WHERE p.owned_from <= \(asOf) AND (p.owned_to IS NULL OR p.owned_to >= \(asOf))
            GROUP BY p.landlord, p.id
            """)
        {
            let starts = try row.decode(PostgresArray?.self, 3)?.elements ?? []
            let ends = try row.decode(PostgresArray?.self, 4)?.elements ?? []
            let tenancies = try zip(starts, ends).map { start, end in
                (start: try Day(postgresText: start ?? ""), end: try end.map { try Day(postgresText: $0) })
            }
            guard
                let since = notice.longVoidSince(
                    ownedFrom: try row.decode(Day.self, 1), ownedTo: try row.decode(Day?.self, 2), tenancies: tenancies, asOf: asOf)
            else { continue }
            longVoids.append(Line(kind: "VOID", propertyReference: try row.decode(String.self, 0), effectiveDate: since))
        }
        longVoids.sort { ($0.effectiveDate, $0.propertyReference) < ($1.effectiveDate, $1.propertyReference) }
        if !longVoids.isEmpty {
            let list = longVoids.map { "\($0.propertyReference) since \($0.effectiveDate.iso)" }
            warnings.append(
                "\(Wording.count(longVoids.count, "home")) \(longVoids.count == 1 ? "has" : "have") been void for more than \(settings.longVoidMonths) months (empty-homes premium): "
                    + LongList.inline(list, seeAll: seeAll))
        }

        var report = Report(
            asOf: asOf, interface: settings.interface,
            sent: toSend.map { Line(eventId: $0.event.eventId, kind: $0.event.kind.rawValue, originalEventId: $0.event.originalEventId,
                                    propertyReference: $0.event.propertyReference, effectiveDate: $0.event.effectiveDate, note: $0.note) },
            late: late, heldBack: held, refused: refused, longVoids: longVoids, warnings: warnings, runId: context.runId,
            isPreview: context.isPreview)
        guard !toSend.isEmpty || settings.sendEmpty else { return report }

        let events = toSend.map(\.event)
        let file = try OutboundFile.store(interface: settings.interface, in: context) { sequence in
            let content: [UInt8]
            do { content = try CouncilTaxWriter(header: .init(sequenceNumber: Int(sequence), created: asOf)).write(events) } catch {
                throw RunError(.badInput, "the council tax file cannot be written: \(error)")
            }
            var totals = ["events": String(events.count), "as-of": asOf.iso]
            for event in events { totals["events " + event.kind.rawValue, default: "0"] = String(Int(totals["events " + event.kind.rawValue] ?? "0")! + 1) }
            let name = ExportsConfig.fileName(settings.fileNamePattern, ["sequence": sixDigits(sequence), "date": asOf.compactISO])
            return (name, content, totals)
        }
        struct SentRow: Encodable {
            var event_id: String
            var event_key: String
            var event_kind: String
            var sent_as: String
            var original_event_id: String
            var property_ref: String
            var effective_date: String
        }
        let sentRows = toSend.map {
            SentRow(event_id: $0.event.eventId, event_key: $0.key, event_kind: $0.kind.rawValue, sent_as: $0.event.kind.rawValue,
                    original_event_id: $0.event.originalEventId ?? $0.event.eventId, property_ref: $0.event.propertyReference,
                    effective_date: $0.event.effectiveDate.iso)
        }
        try db.execute(
            """
            INSERT INTO council_tax_events_sent (event_id, event_key, event_kind, sent_as, original_event_id, property_ref, effective_date,
                                                 file_id, file_sequence, run_id)
            SELECT x.event_id, x.event_key, x.event_kind, x.sent_as, x.original_event_id, x.property_ref, x.effective_date::date, $2, $3, $4
            FROM jsonb_to_recordset($1::jsonb) AS x(event_id text, event_key text, event_kind text, sent_as text, original_event_id text,
                                                  property_ref text, effective_date text)
            """, [try HubJSON.text(sentRows), file.id, file.sequence, context.runId])
        report.fileName = file.fileName
        report.sequence = file.sequence
        report.sha256 = file.sha256
        return report
    }

    /// A stored address (lines separated by line breaks or commas) as at most four lines.
    static func address(_ text: String, postcode: String) -> CouncilTaxEvent.Address {
        var parts = text.split(whereSeparator: { $0 == "\n" || $0 == "," }).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        if parts.count > 4 { parts = Array(parts[0..<3]) + [parts[3...].joined(separator: ", ")] }
        return .init(lines: parts, postcode: postcode.trimmingCharacters(in: .whitespaces))
    }

    /// A forwarding address whose last part is a UK postcode, else nil.
    static func forwardingAddress(_ text: String) -> CouncilTaxEvent.Address? {
        var parts = text.split(whereSeparator: { $0 == "\n" || $0 == "," }).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard parts.count >= 2, let last = parts.last, isPostcode(last) else { return nil }
        parts.removeLast()
        return address(parts.joined(separator: "\n"), postcode: last.uppercased())
    }

    /// A UK postcode: outward code (2-4 letters and digits starting with a letter), a space, inward code (digit and two letters).
    static func isPostcode(_ text: String) -> Bool {
        let halves = text.uppercased().split(separator: " ")
        guard halves.count == 2, (2...4).contains(halves[0].count), halves[1].count == 3 else { return false }
        let outward = Array(halves[0]), inward = Array(halves[1])
        return outward[0].isLetter && outward.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) }
            && inward[0].isNumber && inward[1].isLetter && inward[2].isLetter
    }
}
