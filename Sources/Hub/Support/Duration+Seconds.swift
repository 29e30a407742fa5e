import Foundation

extension Duration {
    /// The duration in seconds with two decimals (`1.25`), as the phases' log lines give them.
    public var secondsText: String {
        String(format: "%.2f", Double(components.seconds) + Double(components.attoseconds) / 1e18)
    }
}
