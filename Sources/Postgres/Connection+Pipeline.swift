import CLibPQ

/// One statement with its parameters, for a pipeline.
public struct Statement {
    public private(set) var sql: String
    public private(set) var parameters: [any PostgresEncodable]

    public init(_ query: SQLQuery, _ parameters: [any PostgresEncodable] = []) {
        self.sql = query.sql
        self.parameters = query.parameters(parameters)
    }
}

extension Connection {
    /// Sends many small statements in libpq's pipeline mode, without waiting for each answer, and
    /// returns their results in order. Much faster than one round trip each. Statements after a
    /// failed one are not run; the first error is thrown. (COPY cannot run in a pipeline.)
    /// - Parameter batchSize: statements sent before their results are read, so that neither side's
    ///   buffers fill up.
    @discardableResult
    public func pipeline(_ statements: [Statement], batchSize: Int = 1000) throws -> [QueryResult] {
        guard PQenterPipelineMode(handle) == 1 else { throw lastError("enter pipeline mode") }
        defer { PQexitPipelineMode(handle) }
        var results: [QueryResult] = []
        results.reserveCapacity(statements.count)
        var firstError: PostgresError?
        var start = 0
        while start < statements.count {
            let batch = statements[start..<min(start + batchSize, statements.count)]
            for statement in batch {
                let sent = withParameters(statement.parameters) { count, values, lengths, formats in
                    PQsendQueryParams(handle, statement.sql, count, nil, values, lengths, formats, 0)
                }
                guard sent == 1 else { throw lastError(statement.sql) }
            }
            guard PQpipelineSync(handle) == 1 else { throw lastError("pipeline sync") }
            for statement in batch {
                guard let result = PQgetResult(handle) else { throw lastError(statement.sql) }
                switch PQresultStatus(result) {
                case PGRES_COMMAND_OK, PGRES_TUPLES_OK:
                    results.append(QueryResult(result))
                case PGRES_PIPELINE_ABORTED:
                    PQclear(result)
                default:
                    if firstError == nil { firstError = serverError(result, statement.sql) }
                    PQclear(result)
                }
                // Each statement's results end with a NULL.
                while let extra = PQgetResult(handle) { PQclear(extra) }
            }
            // The sync point.
            if let sync = PQgetResult(handle) { PQclear(sync) }
            if let firstError { throw firstError }
            start += batch.count
        }
        return results
    }
}
