import BankFiles
import Foundation
import HousingFinance
import Testing

/// Every MT940 file in the shared real samples (other parsers' test files from some forty banks)
/// either reads with every statement's balances tied, or is refused for its own stated reason.
@Suite struct MT940RealSampleTests {
    /// The files that are refused, with the code, the line and a piece of the message that says
    /// why. Each reason was checked against the file by hand (and the differences against an
    /// independent sum of the `:61:` lines): these are test fixtures of other parsers, many cut
    /// down or edited by hand so that their balances no longer tie.
    static let refusals: [String: (code: FileReadError.Code, line: Int, because: String)] = [
        // Single fields or field pairs cut out of a statement: no :20: reference, no balances.
        "cmxl/lines/account_balance_credit.txt": (.malformed, 1, "outside a statement"),
        "cmxl/lines/account_balance_debit.txt": (.malformed, 1, "outside a statement"),
        "cmxl/lines/account_balance_debit_broken.txt": (.malformed, 1, "outside a statement"),
        "cmxl/lines/account_identification_iban.txt": (.malformed, 1, "outside a statement"),
        "cmxl/lines/account_identification_legacy.txt": (.malformed, 1, "outside a statement"),
        "cmxl/lines/available_balance.txt": (.malformed, 1, "holds no MT940 statement"),
        "cmxl/lines/closing_balance.txt": (.malformed, 1, "outside a statement"),
        "cmxl/lines/reference.txt": (.truncated, 1, "no closing balance"),
        "cmxl/lines/statement_details.txt": (.malformed, 1, "holds no MT940 statement"),
        "cmxl/lines/statement_details_empty_fields.txt": (.malformed, 1, "holds no MT940 statement"),
        "cmxl/lines/statement_line.txt": (.malformed, 1, "outside a statement"),
        "cmxl/lines/statement_number.txt": (.malformed, 1, "outside a statement"),
        "cmxl/lines/statement_ocmt.txt": (.malformed, 1, "outside a statement"),
        "cmxl/lines/statement_ocmt_chgs.txt": (.malformed, 1, "outside a statement"),
        "cmxl/lines/statement_supplementary_complex.txt": (.malformed, 1, "outside a statement"),
        "cmxl/lines/statement_supplementary_plain.txt": (.malformed, 1, "outside a statement"),
        "cmxl/statement-details-mt940.txt": (.malformed, 1, "outside a statement"),
        "cmxl/statement-mt940.txt": (.malformed, 1, "outside a statement"),
        "wolph-mt940/betterplace/amount_formats.sta": (.malformed, 1, "outside a statement"),
        "wolph-mt940/betterplace/currency_in_25.sta": (.malformed, 1, "outside a statement"),
        "wolph-mt940/betterplace/empty_86.sta": (.malformed, 1, "holds no MT940 statement"),
        "wolph-mt940/betterplace/empty_entry_date.sta": (.malformed, 1, "outside a statement"),
        "wolph-mt940/betterplace/empty_line.sta": (.truncated, 2, "no closing balance"),
        "wolph-mt940/betterplace/missing_crlf_at_end.sta": (.malformed, 1, "outside a statement"),
        "wolph-mt940/cmxl/account_balance_credit.sta": (.malformed, 1, "outside a statement"),
        "wolph-mt940/cmxl/account_balance_debit.sta": (.malformed, 1, "outside a statement"),
        "wolph-mt940/cmxl/account_identification_iban.sta": (.malformed, 1, "outside a statement"),
        "wolph-mt940/cmxl/account_identification_legacy.sta": (.malformed, 1, "outside a statement"),
        "wolph-mt940/cmxl/available_balance.sta": (.malformed, 1, "holds no MT940 statement"),
        "wolph-mt940/cmxl/closing_balance.sta": (.malformed, 1, "outside a statement"),
        "wolph-mt940/cmxl/reference.sta": (.truncated, 1, "no closing balance"),
        "wolph-mt940/cmxl/statement_details.sta": (.malformed, 1, "outside a statement"),
        "wolph-mt940/cmxl/statement_line.sta": (.malformed, 1, "outside a statement"),
        "wolph-mt940/cmxl/statement_number.sta": (.malformed, 1, "outside a statement"),
        "wolph-mt940/self-provided/account_identification.sta": (.truncated, 4, "no closing balance"),
        "wolph-mt940/self-provided/empty_non_swift.sta": (.malformed, 1, "holds no MT940 statement"),
        "wolph-mt940/self-provided/sparkassen.sta": (.malformed, 1, "outside a statement"),
        // Numbers 1 to 10, one a line.
        "wolph-mt940/self-provided/invalid_statement.sta": (.malformed, 1, "holds no MT940 statement"),
        // Snippets glued together: a :61: after a statement's end with no new :20:; a :25: in
        // place of a :86:.
        "wolph-mt940/self-provided/multiline.sta": (.malformed, 38, "outside a statement"),
        "wolph-mt940/betterplace/sepa_snippet_broken.sta": (.malformed, 6, ":25: stands after"),
        // Statements that stop before their closing balance.
        "cmxl/mt940-with-colon-after-line-break.txt": (.truncated, 11, "no closing balance"),
        "jejik-mt940/K4262927_20200905-080000-952.txt": (.truncated, 10, "no closing balance"),
        "jejik-mt940/oldenburgischelandesbank2.txt": (.truncated, 10, "no closing balance"),
        "wolph-mt940/self-provided/gv_codes.sta": (.truncated, 8, "no closing balance"),
        "zilverline-mt940/knab/knab_invalid.txt": (.truncated, 9, "no closing balance"),
        // MT942 interim reports (or their fields): no balances to check.
        "cmxl/lines/entry_date.txt": (.unsupported, 1, ":13D:"),
        "cmxl/lines/floor_limit_indicator_both.txt": (.unsupported, 1, ":34F:"),
        "cmxl/lines/floor_limit_indicator_credit.txt": (.unsupported, 1, ":34F:"),
        "cmxl/lines/floor_limit_indicator_debit.txt": (.unsupported, 1, ":34F:"),
        "cmxl/lines/vmk_summary_credit.txt": (.unsupported, 1, ":90C:"),
        "cmxl/lines/vmk_summary_debit.txt": (.unsupported, 1, ":90D:"),
        "cmxl/mt942.txt": (.unsupported, 4, ":34F:"),
        "cmxl/statement-details-mt942.txt": (.unsupported, 1, ":34F:"),
        "wolph-mt940/mBank/mt942.sta": (.unsupported, 5, ":34F:"),
        "wolph-mt940/self-provided/mt942.sta": (.unsupported, 4, ":34F:"),
        // Dates that do not exist: 31 November, 30 February, month 13 and day 68.
        "cmxl/mt940-deutsche_bank.txt": (.invalidValue, 44, "021131"),
        "cmxl/mt940-iso8859-1.txt": (.invalidValue, 15, "021131"),
        "cmxl/mt940.txt": (.invalidValue, 45, "021131"),
        "cmxl/mt940-headers.txt": (.invalidValue, 8, "362268"),
        "wolph-mt940/self-provided/february_30.sta": (.invalidValue, 6, "160230"),
        "wolph-mt940/self-provided/transaction_details_wrapped.sta": (.invalidValue, 6, "160230"),
        "wolph-mt940/self-provided/wrapped_timestamp.sta": (.invalidValue, 5, "160230"),
        // Amounts that are not amounts in pence: Bahraini dinars with three decimals, no decimal
        // comma at all, the letter O for a zero.
        "sharpmt940lib/ing-official-samples/MING05_Enkelvoudige_uitgaande_VVR_transactie.txt": (.invalidValue, 7, "1,813"),
        "jejik-mt940/knab.txt": (.malformed, 19, "'500'"),
        "wolph-mt940/jejik/knab.sta": (.malformed, 17, "'500'"),
        "jejik-mt940/other-refs/lbbw2.txt": (.malformed, 4, "EURO0,00"),
        // Statements whose lines do not add up to their closing balance.
        "cmxl/mt940-abnamro.txt": (.totalsDoNotTie, 27, "difference of -£2,038.00"),
        "cmxl/mt940-with-detailed-end-balance.txt": (.totalsDoNotTie, 7, "difference of £4.00"),
        "jejik-mt940/abnamro.txt": (.totalsDoNotTie, 27, "difference of -£2,038.00"),
        "jejik-mt940/bug-core-5401.txt": (.totalsDoNotTie, 9, "difference of -£50.00"),
        "jejik-mt940/commerzbank.txt": (.totalsDoNotTie, 13, "difference of £12.35"),
        "jejik-mt940/deutschebank.txt": (.totalsDoNotTie, 13, "difference of £12.35"),
        "jejik-mt940/ing-dos.txt": (.totalsDoNotTie, 26, "difference of £49.06"),
        "jejik-mt940/ing-unix.txt": (.totalsDoNotTie, 26, "difference of £49.06"),
        "jejik-mt940/oldenburgischelandesbank.txt": (.totalsDoNotTie, 7, "difference of -£104.50"),
        "jejik-mt940/oldenburgischelandesbankmitbindestrich.txt": (.totalsDoNotTie, 9, "difference of -£281,725.57"),
        "jejik-mt940/other-refs/bayerischelandesbank.txt": (.totalsDoNotTie, 10, "difference of £165.18"),
        "jejik-mt940/other-refs/ing-unix-2.txt": (.totalsDoNotTie, 33, "difference of £65.03"),
        "jejik-mt940/other-refs/ing-unix-3.txt": (.totalsDoNotTie, 38, "difference of £17.03"),
        "jejik-mt940/other-refs/solaris.txt": (.totalsDoNotTie, 8, "difference of £3.00"),
        "jejik-mt940/postfinance.txt": (.totalsDoNotTie, 28, "difference of £0.20"),
        "jejik-mt940/rabobank.txt": (.totalsDoNotTie, 11, "difference of £1,135.93"),
        "jejik-mt940/sparkasse2.txt": (.totalsDoNotTie, 8, "difference of -£775.04"),
        "jejik-mt940/sparkasse3.txt": (.totalsDoNotTie, 8, "difference of £1,279.46"),
        "jejik-mt940/triodos.txt": (.totalsDoNotTie, 12, "difference of £111.40"),
        "mt940-js/abn-amro-1.STA": (.totalsDoNotTie, 11, "difference of -£213.51"),
        "php-mt940/Abn/sample2.txt": (.totalsDoNotTie, 16, "difference of £601.50"),
        "php-mt940/Hsbc/sample.txt": (.totalsDoNotTie, 10, "difference of £20,000.00"),
        "php-mt940/Ing/sample.txt": (.totalsDoNotTie, 31, "difference of -£3.68"),
        "php-mt940/Knab/sample.txt": (.totalsDoNotTie, 19, "difference of £96.84"),
        "php-mt940/Knab/sample3.txt": (.totalsDoNotTie, 9, "difference of -£100,000.00"),
        "php-mt940/Rabo/sample.txt": (.totalsDoNotTie, 6, "difference of £2,145.00"),
        "php-mt940/Rabo/sample2.txt": (.totalsDoNotTie, 6, "difference of £3,145.35"),
        "php-mt940/Rabo/sample3.txt": (.totalsDoNotTie, 28, "difference of -£345.16"),
        "php-mt940/Rabo/sample4.txt": (.totalsDoNotTie, 20, "difference of £19,477.78"),
        "php-mt940/historical/Btrl/sample.txt": (.totalsDoNotTie, 14, "difference of -£1,398.79"),
        "php-mt940/historical/Ing/sampleDescription.txt": (.totalsDoNotTie, 16, "difference of -£84,622.43"),
        "sharpmt940lib/StandardBank_few_transactions.txt": (.totalsDoNotTie, 19, "difference of -£535.39"),
        "sharpmt940lib/StandardBank_few_transactions_GB.txt": (.totalsDoNotTie, 19, "difference of -£535.39"),
        "sharpmt940lib/sns_transactions.txt": (.totalsDoNotTie, 16, "difference of -£18,805.89"),
        "wolph-mt940/betterplace/sepa_snippet.sta": (.totalsDoNotTie, 55, "difference of £300.08"),
        "wolph-mt940/jejik/abnamro.sta": (.totalsDoNotTie, 27, "difference of -£2,038.00"),
        "wolph-mt940/jejik/ing.sta": (.totalsDoNotTie, 26, "difference of £49.06"),
        "wolph-mt940/jejik/postfinance.sta": (.totalsDoNotTie, 27, "difference of £0.20"),
        "wolph-mt940/jejik/rabobank.sta": (.totalsDoNotTie, 11, "difference of £1,135.93"),
        "wolph-mt940/jejik/triodos.sta": (.totalsDoNotTie, 12, "difference of £111.40"),
        "wolph-mt940/mBank/with_newline_in_tnr.sta": (.totalsDoNotTie, 19, "difference of £770.71"),
        "wolph-mt940/self-provided/details_60-63.sta": (.totalsDoNotTie, 12, "difference of £234.01"),
        "wolph-mt940/self-provided/malformed_details.sta": (.totalsDoNotTie, 15, "difference of £234.01"),
        "wolph-mt940/self-provided/overly_long_details.sta": (.totalsDoNotTie, 15, "difference of £234.01"),
        "wolph-mt940/self-provided/raiffeisen-cmi.sta": (.totalsDoNotTie, 40, "difference of £1,123,264.00"),
        "wolph-mt940/self-provided/whitespace.sta": (.totalsDoNotTie, 9, "difference of £234.01"),
        "zilverline-mt940/14aug2014.swi": (.totalsDoNotTie, 14, "difference of £471.87"),
        "zilverline-mt940/abn/abn_sepa_incasso_doorlopend.txt": (.totalsDoNotTie, 14, "difference of -£0.50"),
        "zilverline-mt940/abn/abn_sepa_overboeking.txt": (.totalsDoNotTie, 13, "difference of -£0.50"),
        "zilverline-mt940/abn/abn_sepa_periodieke_overboeking.txt": (.totalsDoNotTie, 12, "difference of -£0.50"),
        "zilverline-mt940/abn/abn_structured_sepa_acceptgiro.txt": (.totalsDoNotTie, 12, "difference of -£0.50"),
        "zilverline-mt940/abn/abn_structured_sepa_ideal.txt": (.totalsDoNotTie, 12, "difference of -£0.50"),
        "zilverline-mt940/abn/abn_structured_sepa_overboeking.txt": (.totalsDoNotTie, 11, "difference of -£0.50"),
        "zilverline-mt940/abn/abnamro_structured.txt": (.totalsDoNotTie, 16, "difference of £5.10"),
        "zilverline-mt940/abn/anb_sepa_overboeking_belastingdienst.txt": (.totalsDoNotTie, 16, "difference of £86,000.00"),
        "zilverline-mt940/deutsche_bank.txt": (.totalsDoNotTie, 14, "difference of £1.87"),
        "zilverline-mt940/import-16-06-2014.txt": (.totalsDoNotTie, 12, "difference of £16,355.61"),
        "zilverline-mt940/ing.txt": (.totalsDoNotTie, 22, "difference of £50.06"),
        "zilverline-mt940/ing/eu_incasso_foreign_transaction.txt": (.totalsDoNotTie, 12, "difference of £0.97"),
        "zilverline-mt940/ing_structured.txt": (.totalsDoNotTie, 27, "difference of £6,716.00"),
        "zilverline-mt940/knab/knab_pin.txt": (.totalsDoNotTie, 9, "difference of £2,020.00"),
        "zilverline-mt940/rabobank_mt940_structured_multi_line.txt": (.totalsDoNotTie, 14, "difference of £200.01"),
        "zilverline-mt940/triodos_multiline_bug.txt": (.totalsDoNotTie, 13, "difference of -£556.18"),
    ]

    struct Outcome {
        var path: String
        var url: URL
        var totals: FileTotals?
        var payments: [Payment]
        var error: FileReadError?

        var row: String {
            if let totals {
                return "\(path) | read | \(totals.statements) statements, \(totals.creditCount) credits \(totals.creditTotal.plain), \(totals.debitCount) debits \(totals.debitTotal.plain)"
            }
            return "\(path) | \(error!.code) | \(error!.position): \(error!.message)"
        }
    }

    static let outcomes: [Outcome] = {
        let root = SampleFiles.realSamples.appendingPathComponent("mt940")
        let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil)!
        var outcomes: [Outcome] = []
        for case let url as URL in walker {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
            if ["yml", "json"].contains(url.pathExtension) || url.lastPathComponent.hasPrefix("LICENSE") { continue }
            let path = String(url.standardizedFileURL.path.dropFirst(root.standardizedFileURL.path.count + 1))
            var payments: [Payment] = []
            do {
                let bytes = try SampleFiles.bytes(url)
                let totals = try MT940Reader(bytes: bytes, fileName: path, currency: nil).read { payments.append($0) }
                outcomes.append(Outcome(path: path, url: url, totals: totals, payments: payments))
            } catch {
                outcomes.append(Outcome(path: path, url: url, payments: payments, error: error as? FileReadError))
            }
        }
        return outcomes.sorted { $0.path < $1.path }
    }()

    @Test func everyRealFileReadsOrIsRefusedForItsStatedReason() throws {
        let outcomes = Self.outcomes
        print("MT940 real samples: \(outcomes.count) files\n" + outcomes.map(\.row).joined(separator: "\n"))
        #expect(outcomes.count > 200)
        for outcome in outcomes {
            let lower = outcome.path.lowercased()
            if ["error", "invalid", "wrong", "unsupported"].contains(where: lower.contains) {
                #expect(outcome.totals == nil, "\(outcome.path) should be refused")
            }
            if let expected = Self.refusals[outcome.path] {
                let error = try #require(outcome.error, "\(outcome.path) should be refused: \(expected.because)")
                #expect(error.code == expected.code, "\(outcome.path): \(error)")
                #expect(error.position.line == expected.line, "\(outcome.path): \(error)")
                #expect(error.message.contains(expected.because), "\(outcome.path): \(error)")
                #expect(error.file == outcome.path)
            } else {
                #expect(outcome.totals != nil, "\(outcome.path) should read: \(outcome.error.map(String.init(describing:)) ?? "not a FileReadError")")
            }
        }
        #expect(Set(Self.refusals.keys).isSubset(of: Set(outcomes.map(\.path))))
    }

    /// Where another parser's output sits beside a sample, the same entries come out in the same
    /// order with the same amounts. python mt940 signs only `D` as negative, so it shows a
    /// reversal of a credit (`RC`, money going out) as positive: there the sign may differ.
    @Test func entriesMatchOtherParsersExpectedOutput() throws {
        var compared = 0
        for outcome in Self.outcomes where outcome.totals != nil {
            guard let expected = try ExpectedMT940Output.signedAmounts(besides: outcome.url) else { continue }
            compared += 1
            let mine = outcome.payments.map { $0.direction == .credit ? $0.amount.pence : -$0.amount.pence }
            #expect(mine.count == expected.count, "\(outcome.path)")
            let lines = String(decoding: try SampleFiles.bytes(outcome.url), as: UTF8.self)
                .split(separator: "\n", omittingEmptySubsequences: false)
            for (index, (payment, theirs)) in zip(outcome.payments, expected).enumerated() {
                #expect(payment.amount.pence == abs(theirs), "\(outcome.path) entry \(index + 1)")
                let signed = payment.direction == .credit ? payment.amount.pence : -payment.amount.pence
                if signed != theirs {
                    let line = lines[payment.position.line! - 1]
                    let mark = line.dropFirst(4).drop(while: \.isNumber).prefix(2)
                    #expect(mark == "RC" && payment.direction == .debit, "\(outcome.path) entry \(index + 1): \(line)")
                }
            }
        }
        #expect(compared >= 15)
    }
}
