import HousingFinance
import Postgres

extension Day: PostgresEncodable, PostgresDecodable {
    public var postgresValue: PostgresValue { .text(iso) }
    public init(postgresText text: String) throws {
        guard let day = Day(iso: text) else { throw PostgresError(.decoding, message: "cannot read '\(text)' as a date") }
        self = day
    }
}

extension Money: PostgresEncodable, PostgresDecodable {
    public var postgresValue: PostgresValue { .text(String(pence)) }
    public init(postgresText text: String) throws { self.init(pence: try penceFromNumeric(text)) }
}
