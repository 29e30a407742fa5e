import Foundation
import BankFiles
import HousingFinance

/// Each entry's identity, so that it is posted once only whatever files it arrives in: the bank's
/// or provider's own reference where there is one (scoped by the kind of file; a bank statement's
/// entry, camt.053, camt.054 or MT940 alike, by the bank's reference, the statement's account, the
/// booking date and the signed amount, so that the same statement in either format is one), else a SHA-256 of
/// its normalised fields (date, direction, amount, reference, payer, and what else the format
/// says about it) with its occurrence number among identical entries in the same file.
struct EntryIdentity {
    private var occurrences: [String: Int] = [:]
    /// The last statement account normalised (`account(_:)`), and its text: a statement's entries
    /// all name the same account.
    private var lastAccount: (text: String?, normalised: String)?

    /// The scope of a format's own references: camt.053 and camt.054 of the same account carry the
    /// same `AcctSvcrRef` for the same entry, so they share one.
    static func scope(_ format: PaymentFormat) -> String {
        isBankStatement(format) ? "bank" : format.rawValue
    }

    /// The formats the bank writes of the collection account: one entry, whichever carried it.
    static func isBankStatement(_ format: PaymentFormat) -> Bool {
        switch format {
        case .camt053, .camt054, .mt940: return true
        default: return false
        }
    }

    /// An account as both formats can give it: letters and digits, upper case, after any BIC
    /// before a `/` (MT940 `:25:NWBKGB2L/GB29...`); a UK IBAN (`GBkk BANK SSSSSS AAAAAAAA`) is its
    /// sort code and account number, as an MT940 `:25:` of sort code and account gives it.
    static func account(_ text: String?) -> String {
        guard var text = text?.uppercased() else { return "" }
        if let slash = text.lastIndex(of: "/") { text = String(text[text.index(after: slash)...]) }
        let plain = String(text.unicodeScalars.filter { CharacterSet.alphanumerics.contains($0) && $0.isASCII }.map(Character.init))
        if plain.hasPrefix("GB"), plain.count == 22 { return String(plain.suffix(14)) }
        return plain
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
            if Self.isBankStatement(format) {
                let signed = (payment.direction == .credit ? "C" : "D") + String(payment.amount.pence)
                let account: String
                if let last = lastAccount, last.text == payment.statementAccount {
                    account = last.normalised
                } else {
                    account = Self.account(payment.statementAccount)
                    lastAccount = (payment.statementAccount, account)
                }
                return "\(scope):ref:\(account)|\(payment.bookingDate.iso)|\(signed)|\(reference)"
            }
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
        // Without the bank's reference the formats' fields differ: a hash is kept in the scope of
        // the kind of file it was made from, as before.
        let hashScope = format == .mt940 ? format.rawValue : scope
        return "\(hashScope):hash:\(hash)#\(occurrence)"
    }
}
