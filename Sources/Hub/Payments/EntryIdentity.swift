import Foundation
import BankFiles
import HousingFinance

/// Each entry's identity, so that it is posted once only whatever files it arrives in: the bank's
/// or provider's own reference where there is one (scoped by the kind of file), else a SHA-256 of
/// its normalised fields (date, direction, amount, reference, payer, and what else the format
/// says about it) with its occurrence number among identical entries in the same file.
struct EntryIdentity {
    private var occurrences: [String: Int] = [:]

    /// The scope of a format's own references: camt.053 and camt.054 of the same account carry the
    /// same `AcctSvcrRef` for the same entry, so they share one.
    static func scope(_ format: PaymentFormat) -> String {
        switch format {
        case .camt053, .camt054: return "bank"
        default: return format.rawValue
        }
    }

    /// `text` without leading and trailing whitespace (`CharacterSet.whitespaces`): as it is
    /// when it starts and ends with a visible ASCII character, as bank references do, without
    /// asking Foundation (which is slow for a statement's 200,000 references).
    static func trimmed(_ text: String) -> String {
        let scalars = text.unicodeScalars
        if let first = scalars.first, let last = scalars.last,
           first.value > 0x20 && first.value < 0x7F && last.value > 0x20 && last.value < 0x7F {
            return text
        }
        return text.trimmingCharacters(in: .whitespaces)
    }

    /// The key of the next entry read from the file.
    mutating func key(for payment: Payment, format: PaymentFormat) -> String {
        let scope = Self.scope(format)
        if let reference = payment.bankReference.map(Self.trimmed), !reference.isEmpty {
            return "\(scope):ref:\(reference)"
        }
        let fields = [
            payment.bookingDate.iso, payment.direction.rawValue, String(payment.amount.pence),
            ReferenceMatcher.normalisedLegacyReference(payment.reference),
            ReferenceMatcher.normalisedLegacyReference(payment.payerName ?? ""),
            ReferenceMatcher.normalisedCardNumber(payment.cardNumber ?? ""),
            payment.sourceCode ?? "", payment.entryReference ?? "", payment.benefitWeek?.iso ?? "",
            payment.originalReference ?? "", payment.returnReasonCode ?? "",
        ].joined(separator: "|")
        let hash = SHA256.hex(SHA256.hash(Array(fields.utf8)))
        let occurrence = occurrences[hash, default: 0] + 1
        occurrences[hash] = occurrence
        return "\(scope):hash:\(hash)#\(occurrence)"
    }
}
