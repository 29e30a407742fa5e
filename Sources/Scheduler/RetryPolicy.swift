/// How a failed run is tried again (`retry` in a job file): up to `attempts` tries in all, waiting
/// `backoffSeconds` after the first failure and doubling each time up to `maxBackoffSeconds`.
public struct RetryPolicy: Hashable, Sendable {
    /// Tries in all, counting the first; 1 means a failure is not retried.
    public var attempts: Int
    /// The wait after the first failure, in seconds.
    public var backoffSeconds: Int
    /// The longest wait between tries, in seconds.
    public var maxBackoffSeconds: Int

    /// Creates a policy; job files are checked for `attempts >= 1` and
    /// `0 <= backoffSeconds <= maxBackoffSeconds`.
    public init(attempts: Int, backoffSeconds: Int, maxBackoffSeconds: Int) {
        self.attempts = attempts
        self.backoffSeconds = backoffSeconds
        self.maxBackoffSeconds = maxBackoffSeconds
    }

    /// The seconds to wait after try number `attempt` (1 for the first) failed, or nil when that was
    /// the last try allowed.
    public func backoff(afterFailedAttempt attempt: Int) -> Int? {
        guard attempt >= 1, attempt < attempts else { return nil }
        var wait = backoffSeconds
        for _ in 1..<attempt where wait < maxBackoffSeconds { wait *= 2 }
        return min(wait, maxBackoffSeconds)
    }
}
