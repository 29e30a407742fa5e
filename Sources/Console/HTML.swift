import Foundation
import HousingFinance

/// Small helpers to write HTML safely: every value goes through `escape`; markup is built from
/// trusted literals. Pages are plain server-rendered HTML that works without JavaScript.
enum HTML {
    /// Text escaped for an element's content or a quoted attribute.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }

    /// A link.
    static func link(_ text: String, _ href: String) -> String { "<a class=\"govuk-link\" href=\"\(escape(href))\">\(escape(text))</a>" }

    /// A table of rows of already-escaped cells; numeric columns align right.
    static func table(caption: String? = nil, headers: [String], numeric: Set<Int> = [], rows: [[String]], id: String? = nil) -> String {
        var html = "<table class=\"govuk-table\"\(id.map { " id=\"\(escape($0))\"" } ?? "")>"
        if let caption { html += "<caption class=\"govuk-table__caption\">\(escape(caption))</caption>" }
        html += "<thead><tr>"
        for (index, header) in headers.enumerated() {
            html += "<th scope=\"col\"\(numeric.contains(index) ? " class=\"num\"" : "")>\(escape(header))</th>"
        }
        html += "</tr></thead><tbody>"
        for row in rows {
            html += "<tr>"
            for (index, cell) in row.enumerated() { html += "<td\(numeric.contains(index) ? " class=\"num\"" : "")>\(cell)</td>" }
            html += "</tr>"
        }
        return html + "</tbody></table>"
    }

    /// A summary list of label and value (value already escaped).
    static func summary(_ pairs: [(String, String)]) -> String {
        "<dl class=\"govuk-summary-list\">" + pairs.map { "<div class=\"row\"><dt>\(escape($0.0))</dt><dd>\($0.1)</dd></div>" }.joined() + "</dl>"
    }

    /// A form posting to `action` with the session's CSRF token and the given fields.
    static func form(action: String, csrf: String, method: String = "post", multipart: Bool = false, id: String? = nil, _ fields: String, button: String, warning: Bool = false) -> String {
        """
        <form method="\(method)" action="\(escape(action))"\(multipart ? " enctype=\"multipart/form-data\"" : "")\(id.map { " id=\"\(escape($0))\"" } ?? "") novalidate>
        <input type="hidden" name="csrf" value="\(escape(csrf))">
        \(fields)
        <button type="submit" class="govuk-button\(warning ? " govuk-button--warning" : "")">\(escape(button))</button>
        </form>
        """
    }

    /// A labelled text input, with its error when it has one.
    static func input(_ name: String, label: String, value: String = "", hint: String? = nil, error: String? = nil, type: String = "text", width: String = "20") -> String {
        var html = "<div class=\"govuk-form-group\(error == nil ? "" : " govuk-form-group--error")\">"
        html += "<label class=\"govuk-label\" for=\"\(escape(name))\">\(escape(label))</label>"
        if let hint { html += "<div class=\"govuk-hint\" id=\"\(escape(name))-hint\">\(escape(hint))</div>" }
        if let error { html += "<p class=\"govuk-error-message\" id=\"\(escape(name))-error\"><span class=\"govuk-visually-hidden\">Error:</span> \(escape(error))</p>" }
        let described = [hint.map { _ in "\(name)-hint" }, error.map { _ in "\(name)-error" }].compactMap { $0 }.joined(separator: " ")
        html += "<input class=\"govuk-input govuk-input--width-\(width)\" id=\"\(escape(name))\" name=\"\(escape(name))\" type=\"\(type)\" value=\"\(escape(value))\""
        if !described.isEmpty { html += " aria-describedby=\"\(described)\"" }
        return html + "></div>"
    }

    /// A labelled text area.
    static func textarea(_ name: String, label: String, value: String = "", hint: String? = nil, error: String? = nil) -> String {
        var html = "<div class=\"govuk-form-group\(error == nil ? "" : " govuk-form-group--error")\">"
        html += "<label class=\"govuk-label\" for=\"\(escape(name))\">\(escape(label))</label>"
        if let hint { html += "<div class=\"govuk-hint\">\(escape(hint))</div>" }
        if let error { html += "<p class=\"govuk-error-message\" id=\"\(escape(name))-error\"><span class=\"govuk-visually-hidden\">Error:</span> \(escape(error))</p>" }
        return html + "<textarea class=\"govuk-textarea\" id=\"\(escape(name))\" name=\"\(escape(name))\" rows=\"3\">\(escape(value))</textarea></div>"
    }

    /// A labelled select.
    static func select(_ name: String, label: String, options: [(value: String, text: String)], selected: String?, error: String? = nil) -> String {
        var html = "<div class=\"govuk-form-group\(error == nil ? "" : " govuk-form-group--error")\"><label class=\"govuk-label\" for=\"\(escape(name))\">\(escape(label))</label>"
        if let error { html += "<p class=\"govuk-error-message\" id=\"\(escape(name))-error\"><span class=\"govuk-visually-hidden\">Error:</span> \(escape(error))</p>" }
        html += "<select class=\"govuk-select\" id=\"\(escape(name))\" name=\"\(escape(name))\">"
        for option in options {
            html += "<option value=\"\(escape(option.value))\"\(option.value == selected ? " selected" : "")>\(escape(option.text))</option>"
        }
        return html + "</select></div>"
    }

    /// A checkbox that must be ticked to confirm.
    static func confirm(_ name: String, label: String, error: String? = nil, checked: Bool = false) -> String {
        var html = "<div class=\"govuk-form-group\(error == nil ? "" : " govuk-form-group--error")\">"
        if let error { html += "<p class=\"govuk-error-message\" id=\"\(escape(name))-error\"><span class=\"govuk-visually-hidden\">Error:</span> \(escape(error))</p>" }
        return html + "<div class=\"govuk-checkboxes__item\"><input class=\"govuk-checkboxes__input\" id=\"\(escape(name))\" name=\"\(escape(name))\" type=\"checkbox\" value=\"yes\"\(checked ? " checked" : "")><label class=\"govuk-label govuk-checkboxes__label\" for=\"\(escape(name))\">\(escape(label))</label></div></div>"
    }

    /// The error summary at the top of a form that was refused.
    static func errorSummary(_ errors: [(field: String, message: String)]) -> String {
        guard !errors.isEmpty else { return "" }
        return "<div class=\"govuk-error-summary\" role=\"alert\" tabindex=\"-1\"><h2 class=\"govuk-error-summary__title\">There is a problem</h2><ul class=\"govuk-error-summary__list\">"
            + errors.map { "<li><a href=\"#\(escape($0.field))\">\(escape($0.message))</a></li>" }.joined() + "</ul></div>"
    }

    /// A panel with a message: `ok` green, else red.
    static func notice(_ message: String, ok: Bool) -> String {
        "<div class=\"notice \(ok ? "notice--ok" : "notice--bad")\" role=\"status\">\(escape(message))</div>"
    }

    /// Preformatted text (a run's report as the command prints it).
    static func pre(_ text: String) -> String { "<pre class=\"report\">\(escape(text))</pre>" }

    /// A tag: green when `ok`, red when not, grey when nil.
    static func tag(_ text: String, ok: Bool?) -> String {
        let kind = ok.map { $0 ? "green" : "red" } ?? "grey"
        return "<strong class=\"govuk-tag govuk-tag--\(kind)\">\(escape(text))</strong>"
    }
}

/// Money, dates and times as the console shows them: `£1,234.56`, `Mon 7 Dec 2026`, London time.
enum Show {
    static func money(_ pence: Int64) -> String { Money(pence: pence).formatted }
    static func money(_ money: Money) -> String { money.formatted }

    private static let timeFormatter: DateFormatter = {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_GB_POSIX")
        formatter.timeZone = TimeZone(identifier: "Europe/London")
        formatter.dateFormat = "EEE d MMM yyyy HH:mm"
        return formatter
    }()

    private static let lock = NSLock()

    /// A calendar date: `Mon 7 Dec 2026`.
    static func day(_ day: Day) -> String {
        let (year, month, dayOfMonth) = day.components
        let names = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let weekdays = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]  // 1970-01-01 was a Thursday
        let weekday = weekdays[((day.daysSinceEpoch % 7) + 7) % 7]
        return "\(weekday) \(dayOfMonth) \(names[month - 1]) \(year)"
    }

    /// An instant in Europe/London: `Mon 7 Dec 2026 02:00`.
    static func time(_ instant: Date) -> String { lock.withLock { timeFormatter.string(from: instant) } }
}
