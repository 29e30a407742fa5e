import CLibPQ

extension Connection {
    /// Sends statements without parameters (one or more, `;`-separated: trusted text, as for
    /// `executeScript`) and returns at once, without waiting for the server: the caller works
    /// while the server runs them, then reads their results with `receiveScript()`. Nothing else
    /// may use the connection in between (libpq refuses another statement while one is in flight).
    /// (`pipeline(_:)` sends many statements too, but waits for their results before it returns.)
    /// - Throws: `PostgresError` when the statements cannot be sent.
    public func sendScript(_ query: SQLQuery) throws {
        precondition(query.binds.isEmpty, "sendScript takes statements without parameters")
        let sql = query.sql
        guard PQsendQuery(handle, sql) == 1 else { throw lastError(sql) }
    }

    /// Waits for the statements `sendScript` sent and returns each one's result, in order.
    /// - Throws: the first statement's error that failed (the statements after it were not run;
    ///   in a transaction, the transaction is then aborted, as after any failed statement).
    @discardableResult
    public func receiveScript() throws -> [QueryResult] {
        var results: [QueryResult] = []
        var firstError: PostgresError?
        while let result = PQgetResult(handle) {
            switch PQresultStatus(result) {
            case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
                results.append(QueryResult(result))
            default:
                if firstError == nil { firstError = serverError(result, nil) }
                PQclear(result)
            }
        }
        if let firstError { throw firstError }
        if !isHealthy { throw lastError(nil) }
        return results
    }
}
