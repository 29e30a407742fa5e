import Foundation

/// What a job does about slots that were missed while the scheduler was down (`catch-up` in a job file).
public enum CatchUpPolicy: String, CaseIterable, Hashable, Sendable {
    /// Run every missed slot, oldest first (`all`): each rent week must be debited.
    case all
    /// Run only the most recent missed slot (`latest`): one import picks up everything waiting.
    case latest
    /// Run none of them; wait for the next slot (`none`).
    case none

    /// The missed slots to run, in order, given all the slots missed (oldest first).
    public func slotsToRun(missed: [Date]) -> [Date] {
        switch self {
        case .all: missed
        case .latest: missed.last.map { [$0] } ?? []
        case .none: []
        }
    }
}
