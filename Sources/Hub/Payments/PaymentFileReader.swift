import BankFiles
import Foundation
import HousingFinance

/// Reads any payment file the hub imports: picks the reader for its format (given, or detected
/// from its content) and streams its payments.
public struct PaymentFileReader: Sendable {
    /// The file's content.
    public let bytes: [UInt8]
    /// The file's name (errors name it).
    public let fileName: String
    /// The format the file is read as.
    public let format: PaymentFormat
    /// The payment settings (card mapping, cash provider codes).
    public let settings: PaymentSettings

    /// Picks the reader for a file.
    /// - Parameters:
    ///   - bytes: the file's content.
    ///   - fileName: its name.
    ///   - format: the format, or nil to detect it from the content.
    ///   - settings: the card column mapping and cash provider codes.
    /// - Throws: `FileReadError.unsupported` when the format cannot be told.
    public init(bytes: [UInt8], fileName: String, format: PaymentFormat?, settings: PaymentSettings) throws {
        self.bytes = bytes
        self.fileName = fileName
        self.settings = settings
        if let format {
            self.format = format
        } else if let detected = PaymentFormat.detect(bytes: bytes, fileName: fileName, cardMapping: settings.cardMapping) {
            self.format = detected
        } else {
            throw FileReadError(
                .unsupported, file: fileName, position: FilePosition(),
                "the format of the file cannot be told from its content: it is none of camt.053, camt.054, MT940, the cash file, an outlet file, the card export or Housing Benefit; give --format if it is one of them")
        }
        if self.format == .arudd { throw Self.notAPaymentFile(fileName) }
    }

    /// The refusal of a Bacs ARUDD report as a payment file: its returns are acted on (RDN,
    /// re-presentation, mandate changes) by `hub dd returns`'s job only, which `hub import`, the
    /// inbox and the console's upload give it to.
    public static func notAPaymentFile(_ fileName: String) -> FileReadError {
        FileReadError(
            .unsupported, file: fileName, position: FilePosition(),
            "a Bacs ARUDD report is not imported as payments: its returns are acted on by hub dd returns (hub import FILE and the payment inbox send it there)")
    }

    /// Reads the file, calling `body` for each payment in file order.
    /// - Returns: the file's control totals, checked.
    /// - Throws: `FileReadError` naming the file and position; whatever `body` throws.
    public func read(_ body: (Payment) throws -> Void) throws -> FileTotals {
        switch format {
        case .mt940:
            return try MT940Reader(bytes: bytes, fileName: fileName).read(body)
        case .cashFile:
            return try CashFileReader(bytes: bytes, fileName: fileName, providerCodes: settings.cashProviders).read(body)
        case .outlet:
            return try OutletFileReader(bytes: bytes, fileName: fileName).read(body)
        case .card:
            return try CardPaymentsReader(bytes: bytes, fileName: fileName, mapping: settings.cardMapping).read(body)
        case .housingBenefit:
            return try HousingBenefitReader(bytes: bytes, fileName: fileName).read(body)
        case .camt053, .camt054:
            return try CamtReader(bytes: bytes, fileName: fileName, expected: format).read(body)
        case .arudd:
            throw Self.notAPaymentFile(fileName)
        }
    }
}
