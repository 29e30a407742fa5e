public import Foundation

/// The one entry point for reading a payment file of any format the hub reads, used by the
/// import and by `hub tools check`.
public enum PaymentFiles {
    /// Reads a payment file, calling `body` for each payment in file order, and returns the
    /// file's totals once they tie. The text formats read the file's bytes; camt and ARUDD stream
    /// from the path, so memory stays flat however large the file.
    /// - Parameters:
    ///   - url: the file.
    ///   - format: its format (see `PaymentFormat.detect` or `detect(url:cardMapping:)`).
    ///   - cardMapping: the payment portal's column mapping; required for `.card`.
    ///   - body: called with each payment; an error it throws stops the read. Payments come
    ///     before the whole file is checked: post them only once this returns.
    /// - Throws: `FileReadError` (naming the file and position) or whatever `body` throws.
    public static func read(
        url: URL, format: PaymentFormat, cardMapping: CardColumnMapping?, _ body: (Payment) throws -> Void
    ) throws -> FileTotals {
        let name = url.lastPathComponent
        let limits = InputLimits.of(format)
        switch format {
        case .camt053, .camt054, .arudd:
            // Streamed: only the file's size is checked here; texts by the reader.
            _ = try BoundedFile.checkSize(url: url, limits: limits)
        default:
            break
        }
        switch format {
        case .camt053, .camt054:
            return try CamtReader(url: url, expected: format).read(body)
        case .arudd:
            return try ARUDDReader(url: url).read(body)
        default:
            break
        }
        let bytes = try BoundedFile.read(url: url, limits: limits)
        switch format {
        case .mt940: return try MT940Reader(bytes: bytes, fileName: name).read(body)
        case .cashFile: return try CashFileReader(bytes: bytes, fileName: name).read(body)
        case .outlet: return try OutletFileReader(bytes: bytes, fileName: name).read(body)
        case .housingBenefit: return try HousingBenefitReader(bytes: bytes, fileName: name).read(body)
        case .card:
            guard let cardMapping else {
                throw FileReadError(.unsupported, file: name, position: FilePosition(),
                                    "card payment files need the payment portal's column mapping in the configuration; configure it, then import again")
            }
            return try CardPaymentsReader(bytes: bytes, fileName: name, mapping: cardMapping).read(body)
        case .camt053, .camt054, .arudd:
            preconditionFailure("streamed above")
        }
    }

    /// Tells a file's format from its first 8 KB and its name; nil when it is none the hub reads.
    public static func detect(url: URL, cardMapping: CardColumnMapping?) throws -> PaymentFormat? {
        let name = url.lastPathComponent
        let handle: FileHandle
        do {
            handle = try FileHandle(forReadingFrom: url)
        } catch {
            throw FileReadError(.malformed, file: name, position: FilePosition(), "cannot open the file: \(error.localizedDescription); check the path and its permissions")
        }
        defer { try? handle.close() }
        let head = (try? handle.read(upToCount: PaymentFormat.detectionWindow)) ?? Data()
        return PaymentFormat.detect(bytes: Array(head), fileName: name, cardMapping: cardMapping)
    }
}
