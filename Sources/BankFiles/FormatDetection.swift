internal import HousingFinance

extension PaymentFormat {
    /// How many bytes from the start of a file detection looks at.
    static let detectionWindow = 8192

    /// Tells which format a file is in from its first few kilobytes and its name, or nil when
    /// it is none the hub reads. The reader then checks the whole file; detection only picks it.
    ///
    /// In this order:
    /// 1. XML (the first character `<`): camt.053 or camt.054 by the ISO 20022 namespace
    ///    `urn:iso:std:iso:20022:tech:xsd:camt.053...`/`camt.054...`; Bacs ARUDD by an element
    ///    name containing `ARUDD` or `ReturnedDebitItem`; other XML is nil.
    /// 2. MT940: a SWIFT header `{1:...}{2:I940`/`{2:O940`, or a line starting `:20:` together
    ///    with a line starting `:60F:`, `:60M:` or `:61:` (an MT942 is detected as MT940 and
    ///    refused by the reader as unsupported, which says why).
    /// 3. Outlet file: its header line `TRANSACTION_ID,DATE,TIME,CARD_NUMBER,...`.
    /// 4. Housing Benefit: a first line starting `HEADER,HOUSING BENEFIT CREDITS`.
    /// 5. Card payments CSV: only with a `cardMapping`, when the first line holds every column
    ///    the mapping names (portals' exports have no fixed keyword, so the mapping decides).
    /// 6. Cash file: the name `CashFileYYYYMMDD[.ext]`, or a first line 55 characters long
    ///    with a `dd/MM/yyyy` date in columns 44-53.
    /// - Parameters:
    ///   - bytes: the file's content (only the first 8 KB are looked at).
    ///   - fileName: the file's name.
    ///   - cardMapping: the payment portal's column mapping, if card exports are expected.
    /// - Returns: the format, or nil.
    public static func detect(bytes: [UInt8], fileName: String, cardMapping: CardColumnMapping? = nil) -> PaymentFormat? {
        var head = bytes.prefix(detectionWindow)
        if head.starts(with: [0xEF, 0xBB, 0xBF]) { head = head.dropFirst(3) }
        let text = String(decoding: head.filter { $0 != 0x01 && $0 != 0x03 }, as: UTF8.self)
        let start = text.drop(while: { $0.isWhitespace || $0 == "\u{FEFF}" })

        if start.hasPrefix("<") {
            if text.contains("urn:iso:std:iso:20022:tech:xsd:camt.053") { return .camt053 }
            if text.contains("urn:iso:std:iso:20022:tech:xsd:camt.054") { return .camt054 }
            if text.contains("ARUDD") || text.contains("ReturnedDebitItem") { return .arudd }
            return nil
        }
        let lines = text.split(omittingEmptySubsequences: true, whereSeparator: \.isNewline)
        if start.hasPrefix("{1:") && (text.contains("{2:I940") || text.contains("{2:O940")) { return .mt940 }
        let startsStatement = lines.contains { $0.hasPrefix(":20:") }
        let hasBalanceOrLine = lines.contains { $0.hasPrefix(":60F:") || $0.hasPrefix(":60M:") || $0.hasPrefix(":61:") }
        if startsStatement && hasBalanceOrLine { return .mt940 }

        let first = lines.first.map(String.init) ?? ""
        let fields = first.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingSpaces.uppercased() }
        if fields == OutletFileReader.header { return .outlet }
        if Array(fields.prefix(2)) == HousingBenefitReader.headerTag { return .housingBenefit }
        if let cardMapping, let header = try? CSVRecords(TextFile(bytes: Array(first.utf8), name: fileName)).records.first,
           cardMapping.matches(header: header.fields) {
            return .card
        }
        if CashFileReader.nameDate(fileName) != .notCashFile { return .cashFile }
        let characters = Array(first)
        if characters.count == CashFileReader.lineWidth, Day(uk: String(characters[43..<53])) != nil { return .cashFile }
        return nil
    }
}
