import HousingFinance
import Testing

@Suite struct CSVTests {
    @Test func fieldsAreSplitAndQuotedFieldsUnquoted() throws {
        #expect(try CSV.fields(of: "a,,b").get() == ["a", "", "b"])
        #expect(try CSV.fields(of: #"1,"Flat 1, Beech House","say ""hi""""#).get() == ["1", "Flat 1, Beech House", #"say "hi""#])
        #expect(try CSV.fields(of: #"1, "quoted" ,2"#).get() == ["1", "quoted", "2"])
        #expect(try CSV.fields(of: #""""#).get() == [""])
    }

    @Test(arguments: [
        (#"a,b"c,d"#, 2, "double quote inside an unquoted field"),
        (#"a,"b"c,d"#, 2, "text after the closing quote"),
        (#"a,"b,c"#, 2, "not closed on its line"),
    ])
    func aBadLineNamesItsField(line: String, field: Int, reason: String) {
        guard case .failure(let problem) = CSV.fields(of: line) else {
            Issue.record("\(line) was read")
            return
        }
        #expect(problem.field == field)
        #expect(problem.reason.contains(reason), "\(problem.reason)")
    }

    @Test func aQuotedFieldMayContinueOnTheNextLineWhenScanned() throws {
        var scanner = CSVScanner()
        #expect(try scanner.scan(#"1,"two"#) == nil)
        #expect(scanner.isInQuotes)
        #expect(try scanner.scan(#"lines",3"#) == ["1", "two\nlines", "3"])
        #expect(!scanner.isInQuotes)
    }
}
