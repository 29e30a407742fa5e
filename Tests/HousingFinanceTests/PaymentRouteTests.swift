import HousingFinance
import Testing

/// The payment import's decision for one entry, without a file or a database.
@Suite struct PaymentRouteTests {
    let account = AccountReference.make(1234)!

    func decide(_ facts: PaymentEntryFacts, provider: String? = nil, match: ReferenceMatch? = nil) -> PaymentRoute {
        PaymentRoute.decide(
            facts, returnedDebitCode: "RDN", settlementProvider: { provider },
            match: { match ?? .matched(self.account, rule: .accountReference) })
    }

    @Test func anEntrySeenBeforeIsSkippedWhateverElseItIs() {
        #expect(decide(.init(isDebit: false, seenBefore: (41, false))) == .skipDuplicate(firstEntryId: 41, inThisRun: false))
        #expect(decide(.init(isDebit: true, seenBefore: (42, true), hasReturnReason: true)) == .skipDuplicate(firstEntryId: 42, inThisRun: true))
        #expect(decide(.init(isDebit: false, repeatedInChunk: true, isBankStatement: true), provider: "PAYPOINT")
            == .skipDuplicate(firstEntryId: nil, inThisRun: true))
    }

    @Test(arguments: [
        PaymentEntryFacts(isDebit: true, transactionCode: "RDN"),
        PaymentEntryFacts(isDebit: true, hasReturnReason: true, isBankStatement: true),
    ])
    func aDebitWithTheReturnCodeOrAReasonIsAReturnedDebit(_ facts: PaymentEntryFacts) {
        #expect(decide(facts) == .returnedDebit)
    }

    @Test func onABankStatementOtherDebitsAreReportedAndProviderCreditsAreSettlements() {
        #expect(decide(.init(isDebit: true, isBankStatement: true)) == .reportBankDebit)
        // The Direct Debit signature settles debits too: the returns, even with their reason.
        #expect(decide(.init(isDebit: true, hasReturnReason: true, isBankStatement: true), provider: "direct-debit") == .settlement(provider: "direct-debit"))
        #expect(decide(.init(isDebit: false, isBankStatement: true), provider: "ALLPAY") == .settlement(provider: "ALLPAY"))
        #expect(decide(.init(isDebit: false, isBankStatement: true)) == .post(account, rule: .accountReference))
    }

    @Test func aProvidersFileIsNeverASettlement() {
        var asked = false
        let route = PaymentRoute.decide(
            .init(isDebit: false), returnedDebitCode: "RDN", settlementProvider: { asked = true; return "PAYPOINT" },
            match: { .matched(self.account, rule: .paymentCard) })
        #expect(route == .post(account, rule: .paymentCard))
        #expect(!asked)
    }

    @Test func anUnmatchedEntryGoesToSuspenseWithItsReason() {
        #expect(decide(.init(isDebit: false), match: .unmatched(.noReference)) == .suspense(.noReference))
        // A debit in a cash file (a reversal) is posted like a credit: only the amount's sign differs.
        #expect(decide(.init(isDebit: true)) == .post(account, rule: .accountReference))
    }

    @Test func theMatcherIsNotAskedForASkippedEntry() {
        var asked = false
        _ = PaymentRoute.decide(
            .init(isDebit: false, seenBefore: (1, false)), returnedDebitCode: "RDN", settlementProvider: { nil },
            match: { asked = true; return .unmatched(.noAccount) })
        #expect(!asked)
    }
}
