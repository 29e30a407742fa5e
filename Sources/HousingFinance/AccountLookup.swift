/// What the reference matcher may ask about the council's rent accounts. The matcher is pure:
/// whoever calls it supplies the answers (the hub, from its store; tests, from a table).
///
/// `AccountIndex` is a ready in-memory implementation.
public protocol AccountLookup {
    /// Whether a rent account with this reference exists (open or closed: a payment to a closed
    /// account still belongs to it).
    func accountExists(_ reference: AccountReference) -> Bool

    /// The account a payment card is issued for, by the card number's digits
    /// (`ReferenceMatcher.normalisedCardNumber`).
    func account(forCard number: String) -> AccountReference?

    /// The account that carried a reference in the system the council migrated from, by the
    /// reference in the form `ReferenceMatcher.normalisedLegacyReference` gives.
    func account(forLegacyReference reference: String) -> AccountReference?
}
