import Foundation
import Scheduler
import Testing

@Suite struct PolicyTests {
    @Test func backoffDoublesUpToTheMaximumAndStopsAfterTheLastAttempt() {
        let retry = RetryPolicy(attempts: 5, backoffSeconds: 60, maxBackoffSeconds: 200)
        #expect((1...5).map { retry.backoff(afterFailedAttempt: $0) } == [60, 120, 200, 200, nil])
    }

    @Test func oneAttemptIsNeverRetried() {
        #expect(RetryPolicy(attempts: 1, backoffSeconds: 60, maxBackoffSeconds: 60).backoff(afterFailedAttempt: 1) == nil)
    }

    @Test(arguments: [(CatchUpPolicy.all, [0, 1, 2]), (.latest, [2]), (.none, [])])
    func catchUpChoosesMissedSlots(_ policy: CatchUpPolicy, _ expected: [Int]) {
        let missed = (0..<3).map { Date(timeIntervalSince1970: TimeInterval($0 * 604_800)) }
        #expect(policy.slotsToRun(missed: missed) == expected.map { missed[$0] })
        #expect(policy.slotsToRun(missed: []).isEmpty)
    }
}
