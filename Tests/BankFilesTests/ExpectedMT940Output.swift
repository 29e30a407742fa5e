import Foundation

/// The transactions another parser found in a real MT940 sample, from the expected output that
/// sits beside it: python mt940's `.yml` or mt940-js's `.json`. Signed pence, in file order.
enum ExpectedMT940Output {
    static func signedAmounts(besides sample: URL) throws -> [Int64]? {
        let base = sample.deletingPathExtension()
        let yml = base.appendingPathExtension("yml")
        let json = base.appendingPathExtension("json")
        if FileManager.default.fileExists(atPath: yml.path) {
            return try fromPythonYAML(String(contentsOf: yml, encoding: .utf8))
        }
        if FileManager.default.fileExists(atPath: json.path) {
            return try fromJSON(Data(contentsOf: json))
        }
        return nil
    }

    /// python mt940 writes each transaction as `- !!python/object:mt940.models.Transaction` then
    /// `  data:` with its keys in alphabetical order, among them
    /// `    amount: ...Amount` / `      amount: ...Decimal` / `      - '-25.03'`.
    static func fromPythonYAML(_ text: String) -> [Int64] {
        var amounts: [Int64] = []
        var inTransaction = false
        var linesSinceAmount: Int?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("- ") || !line.hasPrefix(" ") {
                inTransaction = line == "- !!python/object:mt940.models.Transaction"
                linesSinceAmount = nil
            } else if inTransaction, line.hasPrefix("    amount: !!python/object:mt940.models.Amount") {
                linesSinceAmount = 0
            } else if let count = linesSinceAmount {
                linesSinceAmount = count + 1
                if count + 1 == 2, line.hasPrefix("      - '") {
                    amounts.append(pence(String(line.dropFirst(9).dropLast())))
                    linesSinceAmount = nil
                }
            }
        }
        return amounts
    }

    /// mt940-js writes statements with `transactions: [{amount, isCredit}]`.
    static func fromJSON(_ data: Data) throws -> [Int64] {
        let statements = try JSONSerialization.jsonObject(with: data) as? [[String: Any]] ?? []
        return statements.flatMap { statement in
            (statement["transactions"] as? [[String: Any]] ?? []).map { transaction in
                let amount = Int64(((transaction["amount"] as? Double ?? 0) * 100).rounded())
                return transaction["isCredit"] as? Bool == true ? amount : -amount
            }
        }
    }

    /// `-25.03` -> -2503, exactly.
    static func pence(_ decimal: String) -> Int64 {
        let negative = decimal.hasPrefix("-")
        let parts = decimal.trimmingCharacters(in: CharacterSet(charactersIn: "-+")).split(separator: ".", omittingEmptySubsequences: false)
        let pounds = Int64(parts[0]) ?? 0
        let fraction = parts.count > 1 ? String((parts[1] + "00").prefix(2)) : "00"
        let value = pounds * 100 + (Int64(fraction) ?? 0)
        return negative ? -value : value
    }
}
