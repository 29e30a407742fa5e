import Foundation
import Postgres
import Testing

/// `PostgresArray`: the one encoder and decoder of array parameters and columns.
@Suite struct PostgresArrayTests {
    @Test func awkwardTextSurvivesARoundTripThroughTheServer() throws {
        let values = ["plain", "with space", "quote \" inside", "back\\slash", "comma, brace { }", "NULL", "", "ünïcode £"]
        let db = try freshDatabase()
        let row = try #require(try db.queryOne("SELECT \(PostgresArray(values))::text[], cardinality(\(PostgresArray(values))::text[])"))
        #expect(try row.decode(PostgresArray.self, 0).elements == values)
        #expect(try row.decode(Int.self, 1) == values.count)
    }

    @Test func integersAndNullsAndTheEmptyArray() throws {
        let db = try freshDatabase()
        let ids: [Int64] = [3, -1, 9_000_000_000]
        let row = try #require(try db.queryOne(
            "SELECT \(PostgresArray(ids))::bigint[], ARRAY[1, NULL, 2]::int[], '{}'::bigint[], 5 = ANY(\(PostgresArray([5, 6]))::bigint[])"))
        #expect(try row.decode(PostgresArray.self, 0).integers() == ids)
        #expect(try row.decode(PostgresArray.self, 1).elements == ["1", nil, "2"])
        #expect(try row.decode(PostgresArray.self, 2).elements.isEmpty)
        #expect(try row.decode(Bool.self, 3))
    }

    @Test func theLiteralQuotesEveryElement() {
        #expect(PostgresArray(["a\"b", "c\\d"]).postgresValue == .text(#"{"a\"b","c\\d"}"#))
        #expect(PostgresArray(elements: ["x", nil]).postgresValue == .text(#"{"x",NULL}"#))
        #expect(PostgresArray([Int]()).postgresValue == .text("{}"))
    }

    @Test(arguments: ["", "{", "{a", "a}", "{\"a}", "{a,}", "{{1,2},{3,4}}"])
    func textThatIsNotAOneDimensionalArrayIsRefused(_ text: String) {
        #expect(throws: PostgresError.self) { try PostgresArray(postgresText: text) }
    }
}
