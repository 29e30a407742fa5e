/// What the reference matcher decided for one payment: the account and the rule that found it,
/// or why no account was chosen (the payment then goes to suspense).
public enum ReferenceMatch: Hashable, Sendable, CustomStringConvertible {
    /// Matched to an account by a rule.
    case matched(AccountReference, rule: MatchRule)
    /// Not matched; the reason says why.
    case unmatched(UnmatchedReason)

    /// The matched account, if any.
    public var account: AccountReference? {
        if case .matched(let account, _) = self { return account }
        return nil
    }

    /// The rule that matched, if any.
    public var rule: MatchRule? {
        if case .matched(_, let rule) = self { return rule }
        return nil
    }

    public var description: String {
        switch self {
        case .matched(let account, let rule): return "account \(account) by \(rule)"
        case .unmatched(let reason): return "unmatched: \(reason)"
        }
    }
}

/// The matching rules, in the order they are tried (DOMAIN.md, "Matching").
public enum MatchRule: Hashable, Sendable, CustomStringConvertible {
    /// A rent account reference with a valid check digit.
    case accountReference
    /// A payment card number issued for the account.
    case paymentCard
    /// A reference from the system the council migrated from.
    case legacyReference
    /// A number with one wrong digit or two adjacent digits swapped, which only one account's
    /// reference is that close to. `original` is the number as read, in canonical form.
    case nearMiss(original: String)

    public var description: String {
        switch self {
        case .accountReference: return "account reference"
        case .paymentCard: return "payment card"
        case .legacyReference: return "legacy reference"
        case .nearMiss(let original): return "near miss of \(original)"
        }
    }
}

/// Why a payment's reference matched no account.
public enum UnmatchedReason: Hashable, Sendable, CustomStringConvertible {
    /// The reference has no letters or digits, and there is no card number.
    case noReference
    /// A rule found more than one account (two account references in the text, or a near miss
    /// that is one digit from several accounts); a person must choose. The accounts are sorted.
    case ambiguous(rule: MatchRule, accounts: [AccountReference])
    /// No rule found an account.
    case noAccount

    public var description: String {
        switch self {
        case .noReference:
            return "the reference is empty; allocate by hand or refund"
        case .ambiguous(let rule, let accounts):
            return "ambiguous: the \(rule) fits \(accounts.count) accounts ("
                + accounts.map(\.digits).joined(separator: ", ") + "); allocate by hand"
        case .noAccount:
            return "no account reference, card, legacy reference or near miss fits; allocate by hand or refund"
        }
    }
}
