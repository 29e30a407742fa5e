import Foundation

/// The scheduler's clock: the time now, and how many real seconds remain until an instant on it.
///
/// The real clock in production. Tests of the whole process use an accelerated clock that every
/// process of a test shares (the same start, anchor and speed): `now = start + (real - anchor) *
/// speed`, so that weeks of Monday slots pass in seconds while leases, heartbeats and the
/// database keep real time.
public struct SchedulerClock: Sendable {
    /// The scheduler time at real instant `anchor`.
    public let start: Date
    /// The real instant at which the scheduler time was `start`.
    public let anchor: Date
    /// Scheduler seconds per real second.
    public let speed: Double

    /// The real clock.
    public static let real = SchedulerClock(start: Date(timeIntervalSince1970: 0), anchor: Date(timeIntervalSince1970: 0), speed: 1)

    /// A clock running `speed` times faster than real time, reading `start` at real instant `anchor`.
    public init(start: Date, anchor: Date, speed: Double) {
        self.start = start
        self.anchor = anchor
        self.speed = speed
    }

    /// The scheduler time now.
    public func now() -> Date { start.addingTimeInterval(Date().timeIntervalSince(anchor) * speed) }

    /// Real seconds from now until the scheduler time reads `instant` (0 when it already has).
    public func realSeconds(until instant: Date) -> Double { max(0, instant.timeIntervalSince(now()) / speed) }
}
