import Foundation
import Hub
import HousingFinance

/// Writes payment files in the inbound formats the hub reads (Interfaces/inbound/*/README.md),
/// for the demo and for tests: real files, read back by the real readers.
public enum PaymentFileText {
    /// One entry of a bank statement.
    public struct StatementEntry: Sendable {
        public var credit: Bool
        public var amount: Money
        public var date: Day
        /// The `:86:` text (the tenant's reference).
        public var text: String
        /// The bank's own reference (after `//`), or nil for none.
        public var bankReference: String?

        public init(credit: Bool = true, amount: Money, date: Day, text: String, bankReference: String? = nil) {
            self.credit = credit
            self.amount = amount
            self.date = date
            self.text = text
            self.bankReference = bankReference
        }
    }

    static func mtAmount(_ money: Money) -> String {
        let pence = abs(money.pence)
        return "\(pence / 100),\(String(format: "%02d", Int(pence % 100)))"
    }

    static func yymmdd(_ day: Day) -> String { String(format: "%02d%02d%02d", day.year % 100, day.month, day.day) }

    /// An MT940 statement: one `:20:` message, opening balance, lines, closing balance.
    /// - Parameters:
    ///   - reference: the `:20:` transaction reference.
    ///   - account: the `:25:` account.
    ///   - number: the `:28C:` statement number.
    ///   - opening: the opening balance (in credit).
    ///   - date: the statement's date (closing balance date).
    ///   - entries: the lines.
    public static func mt940(reference: String, account: String = "60161331926819", number: Int, opening: Money, date: Day, entries: [StatementEntry]) -> String {
        var lines = [":20:\(reference)", ":25:\(account)", ":28C:\(number)/1", ":60F:C\(yymmdd(date))GBP\(mtAmount(opening))"]
        var balance = opening
        for entry in entries {
            balance += entry.credit ? entry.amount : -entry.amount
            let mmdd = String(format: "%02d%02d", entry.date.month, entry.date.day)
            lines.append(":61:\(yymmdd(entry.date))\(mmdd)\(entry.credit ? "C" : "D")\(mtAmount(entry.amount))NTRFNONREF" + (entry.bankReference.map { "//\($0)" } ?? ""))
            lines.append(":86:\(entry.text)")
        }
        lines.append(":62F:\(balance.pence < 0 ? "D" : "C")\(yymmdd(date))GBP\(mtAmount(balance))")
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// One line of a cash file.
    public struct CashLine: Sendable {
        public var account: String
        public var source: String
        public var method: String
        /// Positive for a payment, negative for a reversal.
        public var amount: Money
        public var date: Day
        public var provider: String

        public init(account: String, source: String = "PAYPOINT 204417", method: String = "CSH", amount: Money, date: Day, provider: String = "PP") {
            self.account = account
            self.source = source
            self.method = method
            self.amount = amount
            self.date = date
            self.provider = provider
        }
    }

    static func pounds(_ money: Money) -> String {
        let pence = abs(money.pence)
        return (money.pence < 0 ? "-" : "") + "\(pence / 100).\(String(format: "%02d", Int(pence % 100)))"
    }

    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? String(text.prefix(width)) : text + String(repeating: " ", count: width - text.count)
    }

    static func leftPad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : String(repeating: " ", count: width - text.count) + text
    }

    /// The fixed-width cash file (name it `CashFileYYYYMMDD`).
    public static func cashFile(_ lines: [CashLine]) -> String {
        lines.map {
            pad($0.account, 10) + pad($0.source, 20) + pad($0.method, 3) + leftPad(pounds($0.amount), 10) + $0.date.ukFormat + pad($0.provider, 2)
        }.joined(separator: "\n") + "\n"
    }

    /// One row of the card portal's export (columns of the shipped mapping).
    public struct CardRow: Sendable {
        public var id: String
        public var date: Day
        public var reference: String
        public var payer: String
        public var amount: Money
        public var status: String

        public init(id: String, date: Day, reference: String, payer: String, amount: Money, status: String = "Success") {
            self.id = id
            self.date = date
            self.reference = reference
            self.payer = payer
            self.amount = amount
            self.status = status
        }
    }

    /// A card payments CSV with the columns of Config/payments.yaml's `card-columns`.
    public static func cardCSV(_ rows: [CardRow]) -> String {
        func quoted(_ text: String) -> String {
            text.contains(",") || text.contains("\"") ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
        }
        var text = "Transaction ID,Date,Reference,Payer,Amount,Status\n"
        for row in rows {
            text += "\(row.id),\(row.date.iso)T10:00:00Z,\(quoted(row.reference)),\(quoted(row.payer)),\(pounds(row.amount)),\(row.status)\n"
        }
        return text
    }

    /// One outlet payment.
    public struct OutletRow: Sendable {
        public var id: String
        public var date: Day
        public var card: String
        public var amount: Money
        public var provider: String

        public init(id: String, date: Day, card: String, amount: Money, provider: String = "PAYPOINT") {
            self.id = id
            self.date = date
            self.card = card
            self.amount = amount
            self.provider = provider
        }
    }

    /// An outlet CSV with its trailer; `trailerTotal` overrides the trailer's total (to make a bad file).
    public static func outlet(_ rows: [OutletRow], trailerTotal: Money? = nil) -> String {
        var text = "TRANSACTION_ID,DATE,TIME,CARD_NUMBER,AMOUNT,OUTLET_ID,PROVIDER\n"
        var total = Money.zero
        for row in rows {
            total += row.amount
            text += "\(row.id),\(row.date.ukFormat),09:00:00,\(row.card),\(pounds(row.amount)),204417,\(row.provider)\n"
        }
        return text + "TRAILER,\(rows.count),\(pounds(trailerTotal ?? total))\n"
    }

    /// One Housing Benefit credit.
    public struct BenefitRow: Sendable {
        public var claim: String
        public var account: String
        public var week: Day
        public var amount: Money
        public var type: String

        public init(claim: String, account: String, week: Day, amount: Money, type: String = "HB") {
            self.claim = claim
            self.account = account
            self.week = week
            self.amount = amount
            self.type = type
        }
    }

    /// A Housing Benefit credits file.
    public static func housingBenefit(date: Day, _ rows: [BenefitRow]) -> String {
        var text = "HEADER,HOUSING BENEFIT CREDITS,\(date.ukFormat)\n"
        var total = Money.zero
        for row in rows {
            total += row.amount
            text += "CREDIT,\(row.claim),\(row.account),\(row.week.ukFormat),\(pounds(row.amount)),\(row.type)\n"
        }
        return text + "TRAILER,\(rows.count),\(pounds(total))\n"
    }
}
