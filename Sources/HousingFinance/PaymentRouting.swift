/// What the payment import does with one entry of a file (DOMAIN.md, "Payments"): the rule as a
/// value, decided from what is known about the entry, with no file and no database.
///
/// In order: an entry seen before (in an earlier file, or earlier in this one) is skipped; on a
/// bank statement, an entry of a settlement signature is a settlement (a provider's credit; the
/// council's Direct Debit collection credit and its returned debits, which are reconciled with
/// the collection files and ARUDD reports); a returned Direct Debit goes to the returns rule; on a
/// bank statement, any other debit is only reported (bank charges, returned items: not rent);
/// every other entry is posted to the account its reference matches, or held in suspense when it
/// matches none.
public enum PaymentRoute: Hashable, Sendable {
    /// Skipped: the same entry was imported before (`firstEntryId`; `inThisRun` when by an
    /// earlier chunk of the same file), or appears twice in one chunk of the file (nil).
    case skipDuplicate(firstEntryId: Int64?, inThisRun: Bool)
    /// A returned Direct Debit: reverse its collection, or hold it in suspense.
    case returnedDebit
    /// A debit on a bank statement that is not a return: reported, not posted.
    case reportBankDebit
    /// A settlement on the bank statement (a provider's, or the Direct Debit collections' credit
    /// and returns): reconciled against its batches.
    case settlement(provider: String)
    /// Posted to a rent account.
    case post(AccountReference, rule: MatchRule)
    /// Held in suspense: no single account matched.
    case suspense(UnmatchedReason)
}

/// What the import knows of one entry when it decides.
public struct PaymentEntryFacts: Sendable {
    /// Whether the entry takes money out of the council's account (a debit).
    public var isDebit: Bool
    /// The entry seen before, if it was: its id and whether this run wrote it.
    public var seenBefore: (entryId: Int64, inThisRun: Bool)?
    /// Whether the same entry came earlier in the same chunk of the file.
    public var repeatedInChunk: Bool
    /// The entry's transaction code, if the file gives one.
    public var transactionCode: String?
    /// Whether the entry carries a Bacs return reason.
    public var hasReturnReason: Bool
    /// Whether the file is a bank statement (camt.053/054, MT940).
    public var isBankStatement: Bool

    public init(
        isDebit: Bool, seenBefore: (entryId: Int64, inThisRun: Bool)? = nil, repeatedInChunk: Bool = false, transactionCode: String? = nil,
        hasReturnReason: Bool = false, isBankStatement: Bool = false
    ) {
        self.isDebit = isDebit
        self.seenBefore = seenBefore
        self.repeatedInChunk = repeatedInChunk
        self.transactionCode = transactionCode
        self.hasReturnReason = hasReturnReason
        self.isBankStatement = isBankStatement
    }
}

extension PaymentRoute {
    /// Decides an entry's route.
    /// - Parameters:
    ///   - facts: what is known of the entry.
    ///   - returnedDebitCode: the transaction code of a returned Direct Debit (`RDN`).
    ///   - settlementProvider: the provider whose settlement the entry is, if any (asked only for
    ///     an entry on a bank statement; for a debit, only a signature that settles debits, the
    ///     Direct Debit one, answers).
    ///   - match: the reference matcher's answer (asked only when the entry is to be posted: the
    ///     matcher is the costly part, and a re-imported file is all skips).
    public static func decide(
        _ facts: PaymentEntryFacts, returnedDebitCode: String, settlementProvider: () -> String?, match: () -> ReferenceMatch
    ) -> PaymentRoute {
        if let seen = facts.seenBefore { return .skipDuplicate(firstEntryId: seen.entryId, inThisRun: seen.inThisRun) }
        if facts.repeatedInChunk { return .skipDuplicate(firstEntryId: nil, inThisRun: true) }
        if facts.isBankStatement, let provider = settlementProvider() { return .settlement(provider: provider) }
        if facts.isDebit && (facts.transactionCode == returnedDebitCode || facts.hasReturnReason) { return .returnedDebit }
        if facts.isBankStatement && facts.isDebit { return .reportBankDebit }
        switch match() {
        case .matched(let account, let rule): return .post(account, rule: rule)
        case .unmatched(let reason): return .suspense(reason)
        }
    }
}
