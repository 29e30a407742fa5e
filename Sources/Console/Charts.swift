import Foundation

/// Pictures drawn on the server as SVG (no script): bars with their figures written beside them,
/// a title and a text alternative, so that they read without colour and to a screen reader.
enum Charts {
    struct Group {
        var label: String
        var values: [Int64]
    }

    /// Grouped bars: one group per label, one bar per series.
    static func bars(
        id: String, title: String, description: String, series: [(name: String, colour: String)], groups: [Group], format: (Int64) -> String
    ) -> String {
        let width = 900.0, height = 300.0, left = 110.0, bottom = 50.0, top = 30.0
        let maximum = max(1, groups.flatMap(\.values).max() ?? 1)
        let plotHeight = height - bottom - top
        let groupWidth = (width - left - 10) / Double(max(groups.count, 1))
        let barWidth = max(2, (groupWidth - 6) / Double(max(series.count, 1)))
        var svg = "<svg class=\"chart\" id=\"\(HTML.escape(id))\" role=\"img\" aria-labelledby=\"\(id)-title \(id)-desc\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" xmlns=\"http://www.w3.org/2000/svg\" font-family=\"Arial, sans-serif\" font-size=\"12\">"
        svg += "<title id=\"\(id)-title\">\(HTML.escape(title))</title><desc id=\"\(id)-desc\">\(HTML.escape(description))</desc>"
        for step in 0...4 {
            let value = Double(maximum) * Double(step) / 4
            let y = top + plotHeight - plotHeight * Double(step) / 4
            svg += "<line x1=\"\(left)\" y1=\"\(y)\" x2=\"\(width - 10)\" y2=\"\(y)\" stroke=\"#b1b4b6\" stroke-width=\"1\"/>"
            svg += "<text x=\"\(left - 6)\" y=\"\(y + 4)\" text-anchor=\"end\">\(HTML.escape(format(Int64(value))))</text>"
        }
        for (index, group) in groups.enumerated() {
            let x0 = left + Double(index) * groupWidth + 3
            for (s, value) in group.values.enumerated() where s < series.count {
                let h = plotHeight * Double(max(value, 0)) / Double(maximum)
                let x = x0 + Double(s) * barWidth
                svg += "<rect x=\"\(x)\" y=\"\(top + plotHeight - h)\" width=\"\(barWidth - 1)\" height=\"\(h)\" fill=\"\(series[s].colour)\"><title>\(HTML.escape("\(group.label): \(series[s].name) \(format(value))"))</title></rect>"
            }
            svg += "<text x=\"\(x0 + groupWidth / 2 - 3)\" y=\"\(height - bottom + 16)\" text-anchor=\"middle\">\(HTML.escape(group.label))</text>"
        }
        for (s, item) in series.enumerated() {
            let x = left + Double(s) * 220
            svg += "<rect x=\"\(x)\" y=\"\(height - 22)\" width=\"14\" height=\"14\" fill=\"\(item.colour)\"/><text x=\"\(x + 20)\" y=\"\(height - 10)\">\(HTML.escape(item.name))</text>"
        }
        return svg + "</svg>"
    }
}
