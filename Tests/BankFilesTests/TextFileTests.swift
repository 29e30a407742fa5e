import BankFiles
import Testing

@Suite struct TextFileTests {
    static func lines(_ bytes: [UInt8]) throws -> [String] {
        try TextFile(bytes: bytes, name: "f.txt").lines.map(\.text)
    }

    @Test func lineBreaksOfEveryKindAndNoFinalNewline() throws {
        let file = try TextFile(bytes: Array("one\r\ntwo\nthree\r\r\nfour".utf8), name: "f.txt")
        #expect(file.lines.map(\.text) == ["one", "two", "three", "four"])
        #expect(file.lines.map(\.number) == [1, 2, 3, 4])
        #expect(!file.endsWithLineBreak)
        let ended = try TextFile(bytes: Array("one\n\ntwo\n".utf8), name: "f.txt")
        #expect(ended.lines.map(\.text) == ["one", "", "two"])
        #expect(ended.endsWithLineBreak)
        #expect(try Self.lines([]) == [])
    }

    @Test func byteOrderMarkAndFramingBytesAreDropped() throws {
        let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
        #expect(try Self.lines(bom + Array(":20:X\n".utf8)) == [":20:X"])
        let swift: [UInt8] = [0x01] + Array("{1:F01}{4:\r\n:20:X\r\n-}".utf8) + [0x03, 0x0D, 0x0A, 0x1A]
        #expect(try Self.lines(swift) == ["{1:F01}{4:", ":20:X", "-}"])
        let concatenated = Array(":62F:C1\n".utf8) + [0x1A] + Array(":20:Y\n".utf8)
        #expect(try Self.lines(concatenated) == [":62F:C1", ":20:Y"])
    }

    @Test func latin1AndWindows1252AreDecodedWhenNotUTF8() throws {
        // "Empfänger £5 – 1€" in Windows-1252: ä = E4, £ = A3, en dash = 96, euro = 80.
        let bytes: [UInt8] = Array("Empf".utf8) + [0xE4] + Array("nger ".utf8) + [0xA3] + Array("5 ".utf8) + [0x96] + Array(" 1".utf8) + [0x80]
        let file = try TextFile(bytes: bytes, name: "f.txt")
        #expect(file.encoding == .windows1252)
        #expect(file.lines.map(\.text) == ["Empfänger £5 – 1€"])
        let utf8 = try TextFile(bytes: Array("Empfänger £5 – 1€".utf8), name: "f.txt")
        #expect(utf8.encoding == .utf8)
        #expect(utf8.lines.map(\.text) == ["Empfänger £5 – 1€"])
        #expect(try Self.lines([0xE4, 0x34, 0x3A]) == ["ä4:"])
    }

    @Test func controlBytesMeanItIsNotText() throws {
        let error = try #require(throws: FileReadError.self) { try TextFile(bytes: Array("ok\nbad\u{0}\n".utf8), name: "f.txt") }
        #expect(error.code == .malformed)
        #expect(error.description == "f.txt: line 2: the file holds the control byte 0x0, so it is not a text file; check that the right file was delivered")
    }

    @Test func mt940SurvivesEveryQuirkAtOnce() throws {
        let statement = "{1:F01}{2:O940}{4:\r\n:20:Q\n:25:1\r\n:28C:1/1\n:60F:C250106GBP1,00\r\n:61:2501060106C2,50NTRFNONREF\n:86:Empf\u{E4}nger 100023450\r\n:62F:C250106GBP3,50\n-}"
        var bytes: [UInt8] = [0xEF, 0xBB, 0xBF, 0x01]
        for scalar in statement.unicodeScalars { bytes.append(UInt8(scalar.value)) }  // Latin-1
        bytes += [0x03, 0x1A]
        var payments: [Payment] = []
        let totals = try MT940Reader(bytes: bytes, fileName: "quirks.sta").read { payments.append($0) }
        #expect(totals.closingBalance?.pence == 350)
        #expect(payments.map(\.reference) == ["Empfänger 100023450"])
        #expect(payments.map(\.position.line) == [6])
    }
}

extension TextFileTests {
    @Test func utf16IsRefusedWithWhatToDo() throws {
        let error = try #require(throws: FileReadError.self) { try TextFile(bytes: [0xFF, 0xFE, 0x3A, 0x00], name: "f.txt") }
        #expect(error.code == .unsupported)
        #expect(error.message.contains("UTF-8"))
    }
}
