import HousingFinance

/// The letters-and-messages file for the council's mail and SMS provider
/// (Interfaces/outbound/arrears-letters/README.md): CSV, one record per letter or message, with a
/// header; fields quoted only when needed (RFC 4180); CRLF line ends. Byte-for-byte deterministic.
public enum ArrearsLettersWriter {
    /// One letter or SMS.
    public struct Record: Hashable, Sendable {
        public var template: String
        /// `letter` or `sms`.
        public var channel: String
        public var recipient: String
        /// Up to four address lines (letters); empty for an SMS.
        public var addressLines: [String]
        public var postcode: String
        /// The mobile number (an SMS); empty for a letter.
        public var phone: String
        public var account: String
        public var arrears: Money
        public var weeklyRent: Money
        public var stage: String

        public init(
            template: String, channel: String, recipient: String, addressLines: [String], postcode: String, phone: String, account: String,
            arrears: Money, weeklyRent: Money, stage: String
        ) {
            self.template = template
            self.channel = channel
            self.recipient = recipient
            self.addressLines = addressLines
            self.postcode = postcode
            self.phone = phone
            self.account = account
            self.arrears = arrears
            self.weeklyRent = weeklyRent
            self.stage = stage
        }
    }

    public static let header = [
        "template", "channel", "recipient_name", "address_line_1", "address_line_2", "address_line_3", "address_line_4", "postcode", "phone_number",
        "account", "arrears", "weekly_rent", "stage",
    ]

    /// The file's bytes.
    public static func write(_ records: [Record]) -> [UInt8] {
        var csv = CSVText(lineEnding: "\r\n")
        csv.record(header)
        for r in records {
            var lines = Array(r.addressLines.prefix(4))
            if r.addressLines.count > 4 { lines[3] = r.addressLines[3...].joined(separator: ", ") }
            while lines.count < 4 { lines.append("") }
            csv.record([r.template, r.channel, r.recipient] + lines + [r.postcode, r.phone, r.account, r.arrears.plain, r.weeklyRent.plain, r.stage])
        }
        return csv.bytes
    }
}
