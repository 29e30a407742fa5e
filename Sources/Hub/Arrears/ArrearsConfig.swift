import Foundation
import HousingFinance
import Yams

/// `Config/arrears.yaml`: the council's recovery policy (the ladder of stages and their
/// conditions), the grace days, the agreement tolerance, the notice's life, the early-warning
/// threshold and the write-off approval bands.
public struct ArrearsConfig: Sendable, Hashable {
    public static let fileName = "arrears.yaml"

    public var graceDays: Int
    public var agreementToleranceDays: Int
    public var noticeInForceMonths: Int
    public var directDebitCycleDays: Int
    public var atRiskScore: Int
    public var lettersInterface: String
    public var stages: [Arrears.Stage]
    public var writeOffBands: WriteOffBands

    public init(
        graceDays: Int = 7, agreementToleranceDays: Int = 5, noticeInForceMonths: Int = 12, directDebitCycleDays: Int = 31, atRiskScore: Int = 40,
        lettersInterface: String = "arrears-letters", stages: [Arrears.Stage], writeOffBands: WriteOffBands
    ) {
        self.graceDays = graceDays
        self.agreementToleranceDays = agreementToleranceDays
        self.noticeInForceMonths = noticeInForceMonths
        self.directDebitCycleDays = directDebitCycleDays
        self.atRiskScore = atRiskScore
        self.lettersInterface = lettersInterface
        self.stages = stages
        self.writeOffBands = writeOffBands
    }

    /// The stage of a name.
    public func stage(_ name: String) -> Arrears.Stage? { stages.first { $0.name == name } }

    /// Reads `arrears.yaml` from the hub's configuration folder.
    public static func load(for config: HubConfig) throws -> ArrearsConfig {
        try load(file: config.directory.appendingPathComponent(fileName))
    }

    public static func load(file: URL) throws -> ArrearsConfig {
        guard let text = try? String(contentsOf: file, encoding: .utf8) else {
            throw ConfigError(file: file.path, key: nil, message: "cannot read the file (the arrears policy: stages, tolerances, write-off bands)")
        }
        return try parse(text, file: file.path)
    }

    /// Reads policy text.
    /// - Throws: `ConfigError` naming the file and the key (`stages[2].arrears-from`).
    public static func parse(_ text: String, file: String) throws -> ArrearsConfig {
        let reader = try ConfigReader(yaml: text, file: file)
        try reader.refuseUnknownKeys(
            reader.root,
            ["grace-days", "agreement-tolerance-days", "notice-in-force-months", "direct-debit-cycle-days", "at-risk-score", "letters-interface",
             "stages", "writeoff-bands"], prefix: nil)
        func days(_ key: String, _ fallback: Int, _ range: ClosedRange<Int>) throws -> Int {
            let value = try reader.int(key) ?? fallback
            guard range.contains(value) else {
                throw ConfigError(file: file, key: key, message: "\(value) is out of range: give a whole number from \(range.lowerBound) to \(range.upperBound)")
            }
            return value
        }
        func pounds(_ text: String, _ key: String) throws -> Money {
            guard let money = try? Money(parsing: text), money >= .zero else {
                throw ConfigError(file: file, key: key, message: "'\(text.prefix(20))' is not an amount in pounds of 0 or more, like 10.00")
            }
            return money
        }
        guard let stageNodes = reader.node("stages")?.sequence, !stageNodes.isEmpty else {
            throw ConfigError(file: file, key: "stages", message: "missing: the ladder of stages, in order (see docs/arrears.md)")
        }
        var stages: [Arrears.Stage] = []
        for (index, node) in stageNodes.enumerated() {
            let prefix = "stages[\(index)]"
            let known: Set<String> = [
                "name", "title", "automatic", "channel", "template", "arrears-from", "arrears-to", "weeks-from", "after", "days-since-last-stage",
                "days-since-last-stage-at-most", "notice-in-force", "serves-notice",
            ]
            try reader.refuseUnknownKeys(node, known, prefix: prefix)
            let stageReader = ConfigReader(file: file, root: node)
            func value(_ key: String) throws -> String? {
                do { return try stageReader.string(key) } catch { throw ConfigError(file: file, key: "\(prefix).\(key)", message: "expected a single value") }
            }
            func flag(_ key: String) throws -> Bool? {
                guard let text = try value(key) else { return nil }
                switch text.lowercased() {
                case "true", "yes": return true
                case "false", "no": return false
                default: throw ConfigError(file: file, key: "\(prefix).\(key)", message: "'\(text.prefix(20))' is not true or false")
                }
            }
            func whole(_ key: String) throws -> Int? {
                guard let text = try value(key) else { return nil }
                guard let n = Int(text), n >= 0 else { throw ConfigError(file: file, key: "\(prefix).\(key)", message: "'\(text.prefix(20))' is not a whole number of days") }
                return n
            }
            guard let name = try value("name"), !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" }) else {
                throw ConfigError(file: file, key: "\(prefix).name", message: "missing or not a name of letters, digits and '-', like first-letter")
            }
            guard !stages.contains(where: { $0.name == name }) else {
                throw ConfigError(file: file, key: "\(prefix).name", message: "'\(name)' is the name of an earlier stage too: each stage needs its own name")
            }
            guard let automatic = try flag("automatic") else {
                throw ConfigError(file: file, key: "\(prefix).automatic", message: "missing: true (the review sends it) or false (an officer acts)")
            }
            let channel = try value("channel") ?? (automatic ? "letter" : "action")
            guard ["letter", "sms", "action"].contains(channel) else {
                throw ConfigError(file: file, key: "\(prefix).channel", message: "'\(channel.prefix(20))' is not letter, sms or action")
            }
            let template = try value("template")
            if automatic && channel != "action" && (template ?? "").isEmpty {
                throw ConfigError(file: file, key: "\(prefix).template", message: "missing: an automatic letter or SMS needs the provider's template name")
            }
            var weeks: Int64?
            if let text = try value("weeks-from") {
                guard let money = try? Money(parsing: text), money >= .zero else {
                    throw ConfigError(file: file, key: "\(prefix).weeks-from", message: "'\(text.prefix(20))' is not a number of weeks, like 4 or 2.5")
                }
                weeks = money.pence
            }
            let after = try value("after")
            if let after, !stages.contains(where: { $0.name == after }) {
                throw ConfigError(file: file, key: "\(prefix).after", message: "'\(after.prefix(30))' is not an earlier stage of the ladder")
            }
            stages.append(
                Arrears.Stage(
                    name: name, title: try value("title") ?? name, automatic: automatic, channel: channel, template: template,
                    arrearsFrom: try value("arrears-from").map { try pounds($0, "\(prefix).arrears-from") },
                    arrearsTo: try value("arrears-to").map { try pounds($0, "\(prefix).arrears-to") }, weeksFrom: weeks, after: after,
                    daysSinceLastStageAtLeast: try whole("days-since-last-stage"), daysSinceLastStageAtMost: try whole("days-since-last-stage-at-most"),
                    noticeInForce: try flag("notice-in-force"), servesNotice: try flag("serves-notice") ?? false))
        }
        var bands: [WriteOffBands.Band] = []
        if let node = reader.node("writeoff-bands") {
            guard let mapping = node.mapping else {
                throw ConfigError(file: file, key: "writeoff-bands", message: "expected database role names and amounts in pounds (or none)")
            }
            for (key, valueNode) in mapping {
                guard let role = key.string, !role.isEmpty else { continue }
                let text = valueNode.string ?? ""
                let upTo: Money? = text.lowercased() == "none" ? nil : try pounds(text, "writeoff-bands.\(role)")
                bands.append(.init(upTo: upTo, role: role))
            }
        }
        let interface = try reader.string("letters-interface") ?? "arrears-letters"
        guard !interface.isEmpty, !interface.contains("/"), !interface.hasPrefix(".") else {
            throw ConfigError(file: file, key: "letters-interface", message: "'\(interface.prefix(30))' must be a folder name under the outbox")
        }
        return ArrearsConfig(
            graceDays: try days("grace-days", 7, 0...7), agreementToleranceDays: try days("agreement-tolerance-days", 5, 0...90),
            noticeInForceMonths: try days("notice-in-force-months", 12, 1...60), directDebitCycleDays: try days("direct-debit-cycle-days", 31, 7...62),
            atRiskScore: try days("at-risk-score", 40, 1...1000), lettersInterface: interface, stages: stages, writeOffBands: WriteOffBands(bands))
    }
}
