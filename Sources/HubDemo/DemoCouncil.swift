import Foundation
import Hub
import HousingFinance
import Postgres

/// A made-up council for `hub demo`: houses, flats and bungalows; flats with a service charge
/// (DSC) besides basic rent (DBR) and some with heating (DHE); voids; joint tenancies; tenancies
/// ending and starting through the rent year; rent accounts with check digits, payment cards and
/// legacy references; opening balances at go-live, some in arrears and some in credit.
///
/// The council is generated from a seed, so it is the same every time, as the five loader files
/// of `Interfaces/inbound/loader/`, and loaded through the loaders (staged by binary COPY, applied
/// set-based), each load a run of its own.
public struct DemoCouncil: Sendable {
    /// How many properties.
    public var properties: Int
    /// The seed of the generator.
    public var seed: UInt64
    /// The hub's go-live Monday: opening balances are as of this day.
    public var goLive: Day
    /// The account reference scheme.
    public var scheme: AccountReferenceScheme

    /// A council of `properties` homes.
    public init(properties: Int = 8000, seed: UInt64 = 20_260_406, goLive: Day, scheme: AccountReferenceScheme = .standard) {
        self.properties = properties
        self.seed = seed
        self.goLive = goLive
        self.scheme = scheme
    }

    /// The council's five loader files, as CSV text.
    public struct Files: Sendable {
        public var properties = ""
        public var tenancies = ""
        public var accounts = ""
        public var charges = ""
        public var openingBalances = ""
    }

    /// What the demo council holds, read from the database.
    public struct Summary: Codable, Sendable {
        public var properties: Int
        public var byType: [String: Int]
        public var voids: Int
        public var tenancies: Int
        public var liveTenancies: Int
        public var jointTenancies: Int
        public var endedTenancies: Int
        public var accounts: Int
        public var paymentCards: Int
        public var legacyReferences: Int
        public var chargesByCode: [String: Int]
        public var openingBalances: Int
        public var inArrears: Int
        public var inCredit: Int
        public var openingTotalPence: Int64
        public var freeWeeks: [Day]
        public var rentYear: String

        /// The summary as people read it.
        public func render() -> String {
            let n = Wording.number
            let lines = [
                "Properties: \(n(properties)) (" + byType.keys.sorted().map { Wording.count(byType[$0]!, $0) }.joined(separator: ", ") + ")",
                "Voids (no live tenancy): \(n(voids))",
                "Tenancies: \(n(tenancies)) (\(n(liveTenancies)) live, \(n(jointTenancies)) joint, \(n(endedTenancies)) with an end date)",
                "Rent accounts: \(n(accounts)) (\(Wording.count(paymentCards, "payment card")), \(Wording.count(legacyReferences, "legacy reference")))",
                "Weekly charges: " + chargesByCode.keys.sorted().map { "\($0) \(n(chargesByCode[$0]!))" }.joined(separator: ", "),
                "Opening balances: \(n(openingBalances)) (\(n(inArrears)) in arrears, \(n(inCredit)) in credit), net \(Money(pence: openingTotalPence).formatted)",
                "Free weeks in rent year \(rentYear): " + (freeWeeks.isEmpty ? "none" : freeWeeks.map(\.iso).joined(separator: ", ")),
            ]
            return lines.joined(separator: "\n") + "\n"
        }
    }

    /// A deterministic generator (SplitMix64).
    struct Generator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func int(_ range: ClosedRange<Int>) -> Int { range.lowerBound + Int(next() % UInt64(range.count)) }
        mutating func chance(_ p: Double) -> Bool { Double(next() % 1_000_000) < p * 1_000_000 }
        mutating func pick<T>(_ items: [T]) -> T { items[int(0...(items.count - 1))] }
    }

    static let streets = [
        "Acacia Avenue", "Beech Road", "Cedar Close", "Damson Way", "Elm Grove", "Foxglove Lane", "Garden Street", "Hawthorn Drive",
        "Ivy Terrace", "Juniper Walk", "Kestrel Road", "Laburnum Crescent", "Maple Street", "Nightingale Lane", "Oak Avenue",
        "Poplar Road", "Queens Drive", "Rowan Close", "Sycamore Way", "Thistle Street", "Upland Road", "Valley View", "Willow Lane",
        "Yew Tree Road",
    ]
    static let blocks = ["Armstrong", "Brunel", "Cavell", "Darwin", "Faraday", "Garrett", "Hardy", "Lovelace", "Nightingale", "Pankhurst", "Seacole", "Turing"]
    static let firstNames = [
        "Aisha", "Alan", "Amir", "Anna", "Ben", "Bethany", "Carlos", "Chloe", "Daniel", "Deborah", "Eilidh", "Emeka", "Fatima", "Gary",
        "Grace", "Hannah", "Ivan", "Jack", "Jasmine", "Kwame", "Laura", "Liam", "Maria", "Mohammed", "Nadia", "Oliver", "Priya",
        "Rhys", "Sarah", "Simon", "Tariq", "Wendy", "Yusuf", "Zofia",
    ]
    static let surnames = [
        "Ahmed", "Baker", "Campbell", "Davies", "Evans", "Fisher", "Green", "Hughes", "Iqbal", "Jones", "Khan", "Lewis", "Morgan",
        "Nowak", "Okafor", "Patel", "Roberts", "Singh", "Smith", "Taylor", "Thomas", "Walker", "Williams", "Wright",
    ]

    /// Generates the council's loader files.
    public func files() -> Files {
        var g = Generator(state: seed)
        var files = Files()
        files.properties = "property_ref,uprn,address,postcode,council_tax_ref,bedrooms,property_type\n"
        files.tenancies = "tenancy_ref,property_ref,start_date,end_date,tenants,furnished,tenure,forwarding_address\n"
        files.accounts = "account_ref,tenancy_ref,payment_card,legacy_refs\n"
        files.charges = "property_ref,charge_code,weekly_amount,effective_from,effective_to\n"
        files.openingBalances = "account_ref,balance,as_of\n"
        let rentYearStart = RentWeek(containing: goLive).rentYear.firstWeek.monday
        var accountNumber = 10_000_000
        var tenancyNumber = 0
        var blockLeft = 0
        var block = ""
        var blockPostcode = ""
        var flatNumber = 0
        func money(_ pence: Int) -> String { Money(pence: Int64(pence)).plain }
        func name() -> String { "\(g.pick(DemoCouncil.firstNames)) \(g.pick(DemoCouncil.surnames))" }
        func postcode() -> String { "NT\(g.int(1...19)) \(g.int(1...9))\(Character(UnicodeScalar(UInt8(65 + g.int(0...25)))))\(Character(UnicodeScalar(UInt8(65 + g.int(0...25)))))" }

        for i in 1...max(properties, 1) {
            let ref = String(format: "P%06d", i)
            let typeRoll = g.int(0...99)
            let type = typeRoll < 55 ? "house" : typeRoll < 93 ? "flat" : "bungalow"
            let address: String
            let code: String
            let bedrooms: Int
            switch type {
            case "flat":
                if blockLeft == 0 {
                    block = "\(g.pick(DemoCouncil.blocks)) House, \(g.pick(DemoCouncil.streets))"
                    blockPostcode = postcode()
                    blockLeft = g.int(6...24)
                    flatNumber = 0
                }
                blockLeft -= 1
                flatNumber += 1
                address = "\"Flat \(flatNumber), \(block)\""
                code = blockPostcode
                bedrooms = g.int(1...2)
            case "bungalow":
                address = "\(g.int(1...80)) \(g.pick(DemoCouncil.streets))"
                code = postcode()
                bedrooms = g.int(1...2)
            default:
                address = "\(g.int(1...240)) \(g.pick(DemoCouncil.streets))"
                code = postcode()
                bedrooms = g.int(2...4)
            }
            files.properties += "\(ref),\(100_090_000_000 + i),\(address),\(code),CT\(String(format: "%07d", 1_000_000 + i)),\(bedrooms),\(type)\n"

            // Charges from the start of the rent year.
            let rent = 7_500 + bedrooms * 1_150 + g.int(0...999) - (type == "flat" ? 800 : 0)
            files.charges += "\(ref),DBR,\(money(rent)),\(rentYearStart.iso),\n"
            if type == "flat" {
                files.charges += "\(ref),DSC,\(money(850 + g.int(0...950))),\(rentYearStart.iso),\n"
                if g.chance(0.4) { files.charges += "\(ref),DHE,\(money(600 + g.int(0...600))),\(rentYearStart.iso),\n" }
            }

            // Tenancies: a live one since years ago; some ending and starting through the year; some voids.
            var spans: [(start: Day, end: Day?)] = []
            let roll = g.int(0...999)
            let longAgo = Day(year: 1995, month: 1, day: 1)!.advanced(by: g.int(0...(goLive.daysSinceEpoch - 30 - Day(year: 1995, month: 1, day: 1)!.daysSinceEpoch)))
            if roll < 30 {
                // A void since before go-live.
                spans = [(longAgo, goLive.advanced(by: -g.int(10...200)))]
                if spans[0].end! < spans[0].start { spans[0].start = spans[0].end!.advanced(by: -400) }
            } else if roll < 45 {
                // Ends during the year and stands empty.
                spans = [(longAgo, goLive.advanced(by: g.int(0...240)))]
            } else if roll < 110 {
                // Ends during the year and is let again after a few weeks.
                let end = goLive.advanced(by: g.int(0...220))
                spans = [(longAgo, end), (end.advanced(by: g.int(7...42)), nil)]
            } else if roll < 130 {
                // Let to a new tenant during the year, after a void at go-live.
                let end = goLive.advanced(by: -g.int(5...60))
                spans = [(min(longAgo, end.advanced(by: -900)), end), (goLive.advanced(by: g.int(0...200)), nil)]
            } else {
                spans = [(longAgo, nil)]
            }
            for span in spans {
                tenancyNumber += 1
                let tenancyRef = String(format: "T%07d", tenancyNumber)
                let joint = g.chance(0.18)
                let tenants = joint ? "\(name());\(name())" : name()
                let forwarding = span.end != nil && g.chance(0.5) ? "\"\(g.int(1...99)) \(g.pick(DemoCouncil.streets)), Southtown, \(postcode().replacingOccurrences(of: "NT", with: "ST"))\"" : ""
                let tenure = span.start > goLive.advanced(by: -365) && g.chance(0.6) ? "introductory" : "secure"
                files.tenancies += "\(tenancyRef),\(ref),\(span.start.iso),\(span.end?.iso ?? ""),\(tenants),\(g.chance(0.04) ? "yes" : "no"),\(tenure),\(forwarding)\n"

                var account: AccountReference?
                while account == nil { accountNumber += 1; account = scheme.reference(for: accountNumber) }
                let card = g.chance(0.7) ? "6036" + String(format: "%015d", accountNumber * 7 + 13) : ""
                var legacy: [String] = []
                if span.start < Day(year: 2012, month: 1, day: 1)! && g.chance(0.5) { legacy.append("HRA/\(String(format: "%06d", i))/\(g.int(1...9))") }
                if g.chance(0.05) { legacy.append("R\(String(format: "%07d", 3_000_000 + tenancyNumber))") }
                files.accounts += "\(account!.digits),\(tenancyRef),\(card),\(legacy.joined(separator: ";"))\n"

                // The balance brought from the old system, for tenancies begun before go-live.
                if span.start < goLive {
                    let balance: Int
                    let kind = g.int(0...99)
                    if let end = span.end, end < goLive {
                        balance = kind < 50 ? g.int(1...250_000) : 0
                    } else {
                        balance = kind < 30 ? g.int(1...45_000) * (g.chance(0.1) ? 4 : 1) : kind < 45 ? -g.int(1...30_000) : 0
                    }
                    files.openingBalances += "\(account!.digits),\(money(balance)),\(goLive.iso)\n"
                }
            }
        }
        return files
    }

    /// Seeds the council into an empty hub: the five files are written to `directory` (when given)
    /// and loaded in order, each a run. Returns nil, loading nothing, when the hub already has
    /// properties (a second `hub demo` reuses its council).
    /// - Throws: `LoadError` or `RunError` if a load is refused; database errors.
    @discardableResult
    public func seed(runner: Runner, businessDate: Day, directory: URL?) throws -> [RunRecord]? {
        let db = try runner.database.connect()
        if try db.queryOne("SELECT 1 FROM properties LIMIT 1") != nil { return nil }
        let files = files()
        if let directory { try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true) }
        func path(_ kind: String, _ text: String) throws -> (String, [UInt8]) {
            let bytes = Array(text.utf8)
            guard let directory else { return ("demo-\(kind).csv", bytes) }
            let url = directory.appendingPathComponent("demo-\(kind).csv")
            try Data(bytes).write(to: url, options: .atomic)
            return (url.path, bytes)
        }
        var records: [RunRecord] = []
        func load<Kind: LoadKind>(_ kind: Kind.Type, _ text: String) throws {
            let (name, bytes) = try path(Kind.kind, text)
            let job = LoadJob<Kind>(file: name, bytes: bytes, scheme: scheme)
            records.append(try runner.run(job, on: try runner.database.connect(), businessDate: businessDate).record)
        }
        try load(PropertiesLoad.self, files.properties)
        try load(TenanciesLoad.self, files.tenancies)
        try load(AccountsLoad.self, files.accounts)
        try load(ChargesLoad.self, files.charges)
        try load(OpeningBalancesLoad.self, files.openingBalances)
        return records
    }

    /// What the hub's council holds on a day (the demo's, or any other).
    public static func summary(on db: Connection, on day: Day, calendar: RentCalendar) throws -> Summary {
        var byType: [String: Int] = [:]
        for row in try db.query("SELECT property_type, count(*) FROM properties GROUP BY 1") { byType[row.text(0)!] = Int(row.int64(1)) }
        var chargesByCode: [String: Int] = [:]
        for row in try db.query("SELECT charge_code, count(*) FROM weekly_charges WHERE effective_to IS NULL OR effective_to >= $1 GROUP BY 1", [day]) {
            chargesByCode[row.text(0)!] = Int(row.int64(1))
        }
        let live = "t.start_date <= $1 AND (t.end_date IS NULL OR t.end_date >= $1)"
        let counts = try db.queryOne(
            """
            SELECT (SELECT count(*) FROM properties),
                   (SELECT count(*) FROM properties p WHERE (p.owned_to IS NULL OR p.owned_to >= $1) AND p.owned_from <= $1
                        AND NOT EXISTS (SELECT 1 FROM tenancies t WHERE t.property_id = p.id AND \(unescaped: live))),
                   (SELECT count(*) FROM tenancies),
                   (SELECT count(*) FROM tenancies t WHERE \(unescaped: live)),
                   (SELECT count(*) FROM tenancies WHERE cardinality(tenants) > 1),
                   (SELECT count(*) FROM tenancies WHERE end_date IS NOT NULL),
                   (SELECT count(*) FROM rent_accounts),
                   (SELECT count(*) FROM account_payment_cards),
                   (SELECT count(*) FROM account_legacy_refs),
                   (SELECT count(*) FROM opening_balances),
                   (SELECT count(*) FROM opening_balances WHERE balance_pence > 0),
                   (SELECT count(*) FROM opening_balances WHERE balance_pence < 0),
                   (SELECT COALESCE(sum(balance_pence), 0) FROM opening_balances)
            """, [day])!
        let year = RentWeek(containing: day).rentYear
        return Summary(
            properties: Int(counts.int64(0)), byType: byType, voids: Int(counts.int64(1)), tenancies: Int(counts.int64(2)),
            liveTenancies: Int(counts.int64(3)), jointTenancies: Int(counts.int64(4)), endedTenancies: Int(counts.int64(5)),
            accounts: Int(counts.int64(6)), paymentCards: Int(counts.int64(7)), legacyReferences: Int(counts.int64(8)),
            chargesByCode: chargesByCode, openingBalances: Int(counts.int64(9)), inArrears: Int(counts.int64(10)),
            inCredit: Int(counts.int64(11)), openingTotalPence: counts.int64(12),
            freeWeeks: (calendar.freeWeeks[year] ?? []).sorted(), rentYear: year.label)
    }
}
