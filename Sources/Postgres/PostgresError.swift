/// A failure from PostgreSQL or libpq, with what a person needs to act: the SQLSTATE, the
/// server's message, detail and hint, and the statement that failed.
public struct PostgresError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What kind of failure.
    public enum Kind: String, Hashable, Sendable {
        /// Could not connect, or the connection was lost.
        case connection
        /// The server refused a statement; `sqlState` says why.
        case server
        /// A value could not be decoded into the Swift type asked for.
        case decoding
        /// libpq misuse or an unexpected protocol state.
        case client
    }

    public var kind: Kind
    /// The five-character SQLSTATE (`23505` unique violation, `40P01` deadlock ...), for server errors.
    public var sqlState: String?
    public var message: String
    public var detail: String?
    public var hint: String?
    /// The statement that failed, where there was one.
    public var statement: String?

    public init(
        _ kind: Kind, message: String, sqlState: String? = nil, detail: String? = nil, hint: String? = nil,
        statement: String? = nil
    ) {
        self.kind = kind
        self.message = message
        self.sqlState = sqlState
        self.detail = detail
        self.hint = hint
        self.statement = statement
    }

    /// A unique or exclusion constraint was violated (SQLSTATE 23505).
    public var isUniqueViolation: Bool { sqlState == "23505" }
    /// The server refused a write because the database is read-only: a hot standby (read replica)
    /// or a read-only transaction (SQLSTATE 25006).
    public var isReadOnly: Bool { sqlState == "25006" }
    /// The server refused for lack of privilege (SQLSTATE 42501).
    public var isInsufficientPrivilege: Bool { sqlState == "42501" }
    /// A failure that may go away if tried again: lost connection, serialization failure,
    /// deadlock, lock timeout, cannot connect now, admin shutdown.
    public var isTransient: Bool {
        if kind == .connection { return true }
        guard let state = sqlState else { return false }
        return ["40001", "40P01", "55P03", "57P01", "57P02", "57P03", "08000", "08003", "08006", "08001", "08004"]
            .contains(state) || state.hasPrefix("08")
    }

    public var description: String {
        var text = message
        if let sqlState { text = "\(text) (SQLSTATE \(sqlState))" }
        if let detail, !detail.isEmpty { text += "\nDetail: \(detail)" }
        if let hint, !hint.isEmpty { text += "\nHint: \(hint)" }
        if let statement { text += "\nStatement: \(statement.count > 300 ? String(statement.prefix(300)) + "..." : statement)" }
        return text
    }
}
