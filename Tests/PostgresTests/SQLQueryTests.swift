import Foundation
import Postgres
import Testing

/// `SQLQuery`: interpolated values are bind parameters, trusted fragments are marked, queries compose.
@Suite struct SQLQueryTests {
    @Test func anInterpolatedValueIsABindParameterNeverText() throws {
        let hostile = "x'); DROP TABLE t; --"
        let query: SQLQuery = "INSERT INTO t VALUES (\(hostile), \(42), \(Optional<String>.none))"
        #expect(query.sql == "INSERT INTO t VALUES ($1, $2, $3)")
        #expect(query.binds == [.text(hostile), .text("42"), .null])

        let db = try freshDatabase()
        try db.execute("CREATE TABLE t (name text, n int, other text)")
        try db.execute(query)
        let row = try #require(try db.queryOne("SELECT name, n, other, (SELECT count(*) FROM t) FROM t WHERE name = \(hostile)"))
        #expect(try row.decode(String.self, 0) == hostile)
        #expect(try row.decode(Int.self, 1) == 42)
        #expect(row.text(2) == nil)
        #expect(try row.decode(Int.self, 3) == 1)
    }

    @Test func aTrustedFragmentIsSplicedAndAQueryKeepsItsBindsWhereverItIsPut() throws {
        let columns = "name, n"
        let condition: SQLQuery = "n > \(1) AND name <> \("b")"
        var query: SQLQuery = "SELECT \(unescaped: columns) FROM t WHERE name <> \("z") AND \(condition)"
        query.append(" AND n < \(10)")
        #expect(query.sql == "SELECT name, n FROM t WHERE name <> $1 AND n > $2 AND name <> $3 AND n < $4")
        #expect(query.binds == [.text("z"), .text("1"), .text("b"), .text("10")])

        let db = try freshDatabase()
        try db.execute("CREATE TABLE t (name text, n int)")
        try db.execute("INSERT INTO t VALUES ('a', 5), ('b', 5), ('c', 1), ('d', 12)")
        #expect(try db.query(query).map { $0.text(0) } == ["a"])
    }

    @Test func positionalParametersStillWorkWithALiteral() throws {
        let db = try freshDatabase()
        #expect(try db.queryOne("SELECT $1::int + $2::int", [2, 3])?.decode(Int.self, 0) == 5)
    }
}
