/// Rent accounts, their payment cards and their legacy references, held in memory and looked
/// up by the reference matcher. Card numbers and legacy references are stored in the matcher's
/// normal form, so they may be given as written.
public struct AccountIndex: AccountLookup, Sendable {
    private let accounts: Set<AccountReference>
    private let cards: [String: AccountReference]
    private let legacy: [String: AccountReference]

    /// Card numbers and legacy references (normalised) that were given for more than one
    /// account, sorted. They are left out of the index, so that a payment quoting one goes to
    /// suspense rather than to a guess; the loader should report them.
    public let conflicts: [String]

    /// Creates an index.
    /// - Parameters:
    ///   - accounts: every rent account's reference.
    ///   - cards: card numbers (as written) and the accounts they are issued for.
    ///   - legacyReferences: references from the earlier system (as written) and their accounts.
    public init(
        accounts: some Sequence<AccountReference>,
        cards: [String: AccountReference] = [:],
        legacyReferences: [String: AccountReference] = [:]
    ) {
        var conflicts: [String] = []
        func index(_ table: [String: AccountReference], _ normalise: (String) -> String) -> [String: AccountReference] {
            var result: [String: AccountReference] = [:]
            var clashes: Set<String> = []
            for (key, account) in table {
                let normal = normalise(key)
                if let existing = result[normal], existing != account { clashes.insert(normal) }
                result[normal] = account
            }
            for key in clashes { result[key] = nil }
            conflicts += clashes
            return result
        }
        self.accounts = Set(accounts)
        self.cards = index(cards, ReferenceMatcher.normalisedCardNumber)
        self.legacy = index(legacyReferences, ReferenceMatcher.normalisedLegacyReference)
        self.conflicts = conflicts.sorted()
    }

    public func accountExists(_ reference: AccountReference) -> Bool { accounts.contains(reference) }
    public func account(forCard number: String) -> AccountReference? { cards[number] }
    public func account(forLegacyReference reference: String) -> AccountReference? { legacy[reference] }
}
