import Foundation
import HousingFinance

/// The one JSON style of the hub (docs/json.md): every `--json` output, every report stored with
/// its run (`runs.report`) and `hub serve`'s `/health` are encoded by `HubJSON.encoder`.
///
/// - keys are snake_case (`business_key`, `file_date`); maps whose keys are data (transaction
///   codes, providers, run parameters) keep their keys as written;
/// - money is integer pence, in a key ending `_pence` (`Money` encodes as its pence);
/// - calendar dates (`Day`) are ISO 8601 dates, `2026-12-06`;
/// - instants are ISO 8601 with the offset in Europe/London and no fraction of a second,
///   `2026-12-06T14:03:12+00:00`, `2026-07-01T09:30:00+01:00`;
/// - keys are sorted, so the same value always gives the same text.
public enum HubJSON {
    /// The encoder. `pretty` indents for people (the command line); stored JSON is compact.
    public static func encoder(pretty: Bool = false) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .custom { path in VerbatimKey(snakeCase(path.last!.stringValue)) }
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(Timestamp.iso(date))
        }
        return encoder
    }

    /// A decoder for JSON the hub wrote in its style (a report kept in the database and read
    /// back): snake_case keys to Swift's names, instants in ISO 8601 with an offset (or the
    /// older `2026-12-06T14:03:12Z`).
    public static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            let formatter = ISO8601DateFormatter()
            guard let date = formatter.date(from: text) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "'\(text.prefix(40))' is not an ISO 8601 instant")
            }
            return date
        }
        return decoder
    }

    /// A property name in snake_case: `businessKey` -> `business_key`, `sha256` -> `sha256`,
    /// `amountGBPPence` -> `amount_gbp_pence`. Only names that look like Swift property names
    /// (a lowercase letter, then letters and digits) are changed: keys that are data (`DBR`,
    /// `PAYPOINT`, `week-number`, `accounts_debited`) are left as they are.
    public static func snakeCase(_ name: String) -> String {
        let characters = Array(name)
        guard let first = characters.first, first.isASCII, first.isLowercase,
              characters.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) })
        else { return name }
        var result = ""
        for (index, character) in characters.enumerated() {
            if character.isUppercase && index > 0 {
                let previous = characters[index - 1]
                let next = index + 1 < characters.count ? characters[index + 1] : nil
                if previous.isLowercase || previous.isNumber || (previous.isUppercase && next?.isLowercase == true) { result += "_" }
            }
            result += character.lowercased()
        }
        return result
    }

    /// A value as JSON text in the hub's style.
    /// - Throws: `EncodingError` for a value that cannot be encoded (a NaN).
    public static func text(_ value: some Encodable, pretty: Bool = false) throws -> String {
        String(decoding: try encoder(pretty: pretty).encode(value), as: UTF8.self)
    }
}

/// JSON text that is already in the hub's style (a report stored with its run), embedded as it is
/// in a larger value.
public struct RawJSON: Encodable, Hashable, Sendable {
    public var text: String
    public init(_ text: String) { self.text = text }

    public func encode(to encoder: any Encoder) throws {
        // Decoded into a tree of plain values, whose keys are not touched by the key strategy
        // because they already are snake_case (and data keys must stay as they are).
        let value = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
        try value.encode(to: encoder)
    }
}

/// A JSON value of any shape, for `RawJSON`.
enum JSONValue: Codable, Hashable, Sendable {
    case null
    case bool(Bool)
    case integer(Int64)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Int64.self) { self = .integer(value) }
        else if let value = try? container.decode(Double.self) { self = .number(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([JSONValue].self) { self = .array(value) }
        else { self = .object(try container.decode([String: JSONValue].self)) }
    }

    func encode(to encoder: any Encoder) throws {
        switch self {
        case .null:
            var container = encoder.singleValueContainer()
            try container.encodeNil()
        case .bool(let value):
            var container = encoder.singleValueContainer()
            try container.encode(value)
        case .integer(let value):
            var container = encoder.singleValueContainer()
            try container.encode(value)
        case .number(let value):
            var container = encoder.singleValueContainer()
            try container.encode(value)
        case .string(let value):
            var container = encoder.singleValueContainer()
            try container.encode(value)
        case .array(let values):
            var container = encoder.unkeyedContainer()
            for value in values { try container.encode(value) }
        case .object(let members):
            var container = encoder.container(keyedBy: VerbatimKey.self)
            for (key, value) in members { try container.encode(value, forKey: VerbatimKey(key)) }
        }
    }
}

/// A coding key used as it is written.
struct VerbatimKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ string: String) { stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
