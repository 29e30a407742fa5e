import Foundation
import HousingFinance
import Testing

/// The default financial map, read from the repository's Config folder.
enum DefaultFinancialMap {
    static let url = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Config/financial-map.csv")

    static func load() throws -> FinancialMap {
        try FinancialMap(csv: String(contentsOf: url, encoding: .utf8), file: "Config/financial-map.csv")
    }
}

@Suite struct FinancialMapTests {
    static let header = "code,description,ledger_account,contra_account,cost_centre,dim2,dim3,dim4,fund"

    /// Loads a map from lines after the header, expecting it to fail; returns the error.
    func refusal(_ rows: String...) -> FinancialMapError? {
        do {
            _ = try FinancialMap(csv: ([Self.header] + rows).joined(separator: "\n"), file: "map.csv")
            return nil
        } catch {
            return error
        }
    }

    @Test func defaultMapMapsEveryCodeOfTheDomain() throws {
        let map = try DefaultFinancialMap.load()
        let rentAccountCodes = [
            "DBR", "DSC", "DHE", "DWR", "DCC", "ADJ", "RHB", "RHA", "RPY", "RBR", "RDD", "RDN", "RCP", "RSO",
            "RIT", "REF", "RRC", "RBT", "WOF", "WON",
        ]
        for code in rentAccountCodes {
            let mapping = try #require(map.mapping(for: code), "\(code) is not mapped")
            #expect(mapping.ledgerAccount == map.debtorsControlAccount, "\(code) should post to the tenant debtors control")
            #expect(mapping.fund == .hra)
        }
        let repairs = try #require(map.mapping(for: "RPR"))
        #expect(repairs.ledgerAccount != map.debtorsControlAccount)
        #expect(repairs.contraAccount != map.debtorsControlAccount)
        // Housing Benefit is not cash: its contra differs from the bank receipts' contra.
        #expect(map.mapping(for: "RHB")?.contraAccount != map.mapping(for: "RPY")?.contraAccount)
        #expect(map.mapping(for: "RPY")?.contraAccount == map.mapping(for: "RBT")?.contraAccount)
        #expect(map.debtorsControlAccount == "1500")
        #expect(map.fund(ofAccount: "1500") == .hra)
    }

    @Test func aChargeCodeRowNarrowsItsCodeAndOthersFallBack() throws {
        let map = try DefaultFinancialMap.load()
        let serviceAdjustment = try #require(map.mapping(for: "ADJ", chargeCode: "DSC"))
        #expect(serviceAdjustment.contraAccount == map.mapping(for: "DSC")?.contraAccount)
        #expect(map.mapping(for: "ADJ", chargeCode: "GARAGE") == map.mapping(for: "ADJ"))
        #expect(map.mapping(for: "DBR", chargeCode: "DBR") == map.mapping(for: "DBR"))
    }

    @Test func anUnmappedCodeHasNoMapping() throws {
        let map = try DefaultFinancialMap.load()
        #expect(map.mapping(for: "XYZ") == nil)
        #expect(map.mapping(for: "XYZ", chargeCode: "DSC") == nil)
        #expect(map.fund(ofAccount: "9999") == nil)
    }

    @Test func quotedFieldsCommentsAndCRLFAreRead() throws {
        let text = "\u{FEFF}# comment\r\n" + Self.header + "\r\n\r\n"
            + "DBR,\"Rent, \"\"basic\"\"\",1500,4100,H1000,RENT,,,HRA\r\n"
        let map = try FinancialMap(csv: text, file: "map.csv")
        let mapping = try #require(map.mapping(for: "DBR"))
        #expect(mapping.description == "Rent, \"basic\"")
        #expect(mapping.line == 4)
        #expect(mapping.dimensions == AnalysisDimensions(costCentre: "H1000", dim2: "RENT"))
    }

    @Test func mixingTheHousingRevenueAccountWithTheGeneralFundIsRefused() throws {
        let error = try #require(refusal(
            "DBR,Basic rent,1500,4100,H1000,RENT,,,HRA",
            "GAR,Garage rent (General Fund),1500,4900,G3000,GARAGE,,,GF"))
        #expect(error.file == "map.csv")
        #expect(error.line == 3)
        #expect(error.column == 3)
        #expect(error.description.contains("1500 belongs to HRA (line 2)"))
        #expect(error.description.contains("ring-fenced"))

        let contra = try #require(refusal(
            "DBR,Basic rent,1500,4100,H1000,RENT,,,HRA",
            "CTX,Council tax income,1200,4100,G3000,,,,GF"))
        #expect(contra.line == 3)
        #expect(contra.column == 4)
    }

    @Test(arguments: [
        ("DBR,Basic rent,1500,4100,H1000,RENT,,HRA", 2, nil as Int?, "expected 9 fields, found 8"),
        ("DBR,Basic rent,1500,4100,H1000,RENT,,,XYZ", 2, 9, "fund 'XYZ' must be HRA or GF"),
        ("dbr,Basic rent,1500,4100,H1000,RENT,,,HRA", 2, 1, "code 'dbr'"),
        ("DBR,,1500,4100,H1000,RENT,,,HRA", 2, 2, "description is empty"),
        ("DBR,Basic rent,,4100,H1000,RENT,,,HRA", 2, 3, "ledger_account ''"),
        ("DBR,Basic rent,1500,41 00,H1000,RENT,,,HRA", 2, 4, "contra_account '41 00'"),
        ("DBR,Basic rent,1500,1500,H1000,RENT,,,HRA", 2, 4, "same as ledger_account"),
        ("DBR,\"Basic rent,1500,4100,H1000,RENT,,,HRA", 2, 2, "not closed"),
        ("DBR,Basic \"rent\",1500,4100,H1000,RENT,,,HRA", 2, 2, "quote inside an unquoted field"),
    ])
    func aBadLineIsRefusedNamingLineAndColumn(row: String, line: Int, column: Int?, message: String) throws {
        let error = try #require(refusal(row))
        #expect(error.line == line)
        #expect(error.column == column)
        #expect(error.message.contains(message), "\(error)")
        #expect(error.description.hasPrefix("map.csv: line \(line)"))
    }

    @Test func aCodeMappedTwiceIsRefused() throws {
        let error = try #require(refusal(
            "DBR,Basic rent,1500,4100,H1000,RENT,,,HRA",
            "RPY,PayPoint,1500,1010,H1000,CASH,,,HRA",
            "DBR,Basic rent again,1500,4101,H1000,RENT,,,HRA"))
        #expect(error.line == 4)
        #expect(error.message.contains("already mapped on line 2"))
    }

    @Test func aWrongHeaderIsRefused() throws {
        let error = try #require(throws: FinancialMapError.self) {
            try FinancialMap(csv: "code,description,account\nDBR,Basic rent,1500\n", file: "map.csv")
        }
        #expect(error.line == 1)
        #expect(error.message.contains("header"))
    }

    @Test func aDebtorsControlAccountThatNoRowUsesIsRefused() throws {
        let error = try #require(throws: FinancialMapError.self) {
            try FinancialMap(csv: Self.header + "\nDBR,Basic rent,1500,4100,H1000,RENT,,,HRA\n", file: "map.csv", debtorsControlAccount: "1510")
        }
        #expect(error.message.contains("1510"))
    }
}
