import BankFiles
import HousingFinance
import Testing

@Suite struct CompletedJobsReaderTests {
    func read(_ text: String) throws(CompletedJobsFileError) -> CompletedJobsFile {
        try CompletedJobsReader.read(bytes: Array(text.utf8), name: "jobs.csv")
    }

    @Test func readsTheSample() throws {
        let file = try CompletedJobsReader.read(bytes: try SampleFiles.inbound("ods-completed-jobs/sample.csv"), name: "sample.csv")
        #expect(file.sender == "ODS")
        #expect(file.fileDate == Day(iso: "2026-04-08"))
        #expect(file.fileSequence == 17)
        #expect(file.jobs.count == 2)
        #expect(file.jobs[0].jobNumber == "J100001")
        #expect(file.jobs[0].completionDate == Day(iso: "2026-04-07"))
        #expect(file.jobs[0].claimed == Money(pence: 22633))
        #expect(file.jobs[0].lines.map(\.sorCode) == ["DES5R003", "PLU1001"])
        #expect(file.jobs[0].lines.map(\.quantity.hundredths) == [200, 150])
        #expect(file.jobs[0].lines[1].fileLine == 4)
        #expect(file.jobs[1].operative == "Smith, Beth")
        #expect(file.jobs[1].lines.map(\.quantity.hundredths) == [100])
        #expect(file.trailerCount == 2)
        #expect(file.trailerTotal == Money(pence: 27433))
    }

    @Test func reportsEveryBadRecordWithItsLine() throws {
        let error = try #require(throws: CompletedJobsFileError.self) {
            try read("""
                HDR,ODS,2026-04-08,1
                JOB,J 1,2026-02-30,Al,12.345
                LIN,DES5R003,1
                JOB,J2,2026-04-07,Al,10.00
                LIN,des5r003,0
                XYZ,1
                JOB,J3,2026-04-07,Al,5.00
                TRL,3,27.00

                """)
        }
        let lines = error.problems.map(\.position.line)
        // Line 2: job number with a space, a date that does not exist, three decimals.
        #expect(lines.filter { $0 == 2 }.count == 3)
        #expect(lines.contains(5))  // a lower-case code and a zero quantity
        #expect(lines.contains(6))  // an unknown record type
        #expect(lines.contains(4))  // J2 ends up with no good lines
        #expect(lines.contains(7))  // J3 has no lines
        #expect(error.description.contains("jobs.csv"))
        #expect(error.description.contains("line 6: record type 'XYZ'"))
    }

    @Test func trailerMustTie() throws {
        let error = try #require(throws: CompletedJobsFileError.self) {
            try read("HDR,ODS,2026-04-08,1\nJOB,J1,2026-04-07,Al,10.00\nLIN,A1,1\nTRL,2,10.01\n")
        }
        #expect(error.problems.count == 2)
        #expect(error.problems.allSatisfy { $0.code == .totalsDoNotTie && $0.position.line == 4 })
    }

    @Test func aFileCutOffHasNoTrailer() throws {
        let error = try #require(throws: CompletedJobsFileError.self) {
            try read("HDR,ODS,2026-04-08,1\nJOB,J1,2026-04-07,Al,10.00\nLIN,A1,1\n")
        }
        #expect(error.problems.map(\.code) == [.truncated])
        #expect(error.problems[0].message.contains("no trailer"))
    }

    @Test func headerFirstTrailerLast() throws {
        let error = try #require(throws: CompletedJobsFileError.self) {
            try read("JOB,J1,2026-04-07,Al,10.00\nLIN,A1,1\nTRL,1,10.00\nLIN,A2,1\n")
        }
        #expect(error.problems.contains { $0.position.line == 1 && $0.message.contains("header") })
        #expect(error.problems.contains { $0.position.line == 4 && $0.message.contains("after the trailer") })
    }

    @Test func anEmptyFileOfJobsIsFine() throws {
        let file = try read("HDR,ODS,2026-04-08,2\nTRL,0,0.00\n")
        #expect(file.jobs.isEmpty)
    }
}
