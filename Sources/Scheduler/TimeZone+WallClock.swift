import Foundation

/// Local wall-clock time, counted in seconds since 1970-01-01 00:00 on the local clock (no offset),
/// and the rule that turns a wall-clock time back into one instant across daylight-saving changes.
extension TimeZone {
    /// The wall-clock reading of an instant in this zone, to the second (rounded down).
    func wallClockSeconds(at instant: Date) -> Int {
        let utc = Int(instant.timeIntervalSince1970.rounded(.down))
        return utc + offset(atUTC: utc)
    }

    /// The one instant at which a wall-clock time fires in this zone.
    ///
    /// - A time that happens once is that instant.
    /// - A time that happens twice (clocks going back) is its first occurrence.
    /// - A time that does not exist (clocks going forward) is the first instant after the gap, the
    ///   moment the clocks jump.
    func firingInstant(atWallClock wall: Int) -> Date {
        let before = offset(atUTC: wall - 86_400)
        let after = offset(atUTC: wall + 86_400)
        let readings = Set([before, after]).map { wall - $0 }.filter { offset(atUTC: $0) == wall - $0 }
        if let first = readings.min() { return Date(timeIntervalSince1970: TimeInterval(first)) }
        // The wall time falls in the gap: the offset jumps from `before` to `after` somewhere in
        // (wall - after, wall - before]. Find the first second of the new offset.
        var low = wall - after, high = wall - before
        while high - low > 1 {
            let middle = low + (high - low) / 2
            if offset(atUTC: middle) == before { low = middle } else { high = middle }
        }
        return Date(timeIntervalSince1970: TimeInterval(high))
    }

    private func offset(atUTC seconds: Int) -> Int {
        secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }
}
