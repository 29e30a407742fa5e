import Foundation
import HousingFinance
import Hub
import Hummingbird
import Logging
import Postgres

/// A submitted form: its fields, and its files for a multipart upload.
struct Form: Sendable {
    var fields: [String: String] = [:]
    var files: [String: (name: String, bytes: [UInt8])] = [:]

    subscript(_ name: String) -> String { fields[name]?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "" }

    static func read(_ request: Request, context: ConsoleContext) async throws -> Form {
        let buffer = try await request.body.collect(upTo: context.maxUploadSize)
        let bytes = Array(buffer.readableBytesView)
        let type = request.headers[.contentType] ?? ""
        if type.hasPrefix("multipart/form-data"), let boundary = type.components(separatedBy: "boundary=").last?.trimmingCharacters(in: CharacterSet(charactersIn: "\" ")) {
            return multipart(bytes, boundary: boundary)
        }
        return Form(fields: urlEncoded(String(decoding: bytes, as: UTF8.self)))
    }

    /// The query of a request's URI, decoded as a form (`+` is a space).
    static func query(_ request: Request) -> [String: String] { urlEncoded(request.uri.query ?? "") }

    static func urlEncoded(_ text: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? "" }
            if let name = parts.first { fields[name] = parts.count > 1 ? parts[1] : "" }
        }
        return fields
    }

    /// multipart/form-data (RFC 7578): text fields and files.
    static func multipart(_ body: [UInt8], boundary: String) -> Form {
        var form = Form()
        let delimiter = Array("--\(boundary)".utf8)
        var parts: [ArraySlice<UInt8>] = []
        var index = 0
        var start: Int?
        while let found = find(delimiter, in: body, from: index) {
            if let start { parts.append(body[start..<max(start, found - 2)]) }  // less the CRLF before the delimiter
            index = found + delimiter.count
            start = index + 2  // past the CRLF after the delimiter
        }
        for part in parts {
            guard let split = find(Array("\r\n\r\n".utf8), in: Array(part), from: 0) else { continue }
            let all = Array(part)
            let head = String(decoding: all[0..<split], as: UTF8.self)
            let content = Array(all[(split + 4)...])
            guard let disposition = head.split(separator: "\r\n").first(where: { $0.lowercased().hasPrefix("content-disposition") }) else { continue }
            func parameter(_ key: String) -> String? {
                guard let range = disposition.range(of: "\(key)=\"") else { return nil }
                let rest = disposition[range.upperBound...]
                return rest.firstIndex(of: "\"").map { String(rest[..<$0]) }
            }
            guard let name = parameter("name") else { continue }
            if let file = parameter("filename") {
                form.files[name] = (file, content)
            } else {
                form.fields[name] = String(decoding: content, as: UTF8.self)
            }
        }
        return form
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8], from: Int) -> Int? {
        guard needle.count <= haystack.count, from <= haystack.count - needle.count else { return nil }
        var i = from
        while i <= haystack.count - needle.count {
            if haystack[i] == needle[0], Array(haystack[i..<(i + needle.count)]) == needle { return i }
            i += 1
        }
        return nil
    }
}

/// The sections of the console, in the order of the navigation.
enum Section: String, CaseIterable {
    case today = "Today", runs = "Runs", accounts = "Accounts", payments = "Payments", directDebit = "Direct Debit", arrears = "Arrears"
    case repairs = "Repairs", exports = "Exports", schedule = "Schedule"

    var href: String { self == .today ? "/" : "/" + rawValue.lowercased().replacingOccurrences(of: " ", with: "-") }

    /// The section of a path (`/direct-debit/mandates/X` is Direct Debit).
    init?(path: String) {
        let first = "/" + (path.split(separator: "/").first.map(String.init) ?? "")
        guard let section = Section.allCases.first(where: { $0.href == first }) else { return nil }
        self = section
    }

    /// Who sees a section: the auditor sees everything; the income team its own work (Today,
    /// Accounts, Arrears); finance and payments the Direct Debit; finance, payments and repairs
    /// every section but Arrears, the income team's.
    func open(to role: ActingPerson.Role) -> Bool {
        switch role {
        case .auditor: return true
        case .income, .incomeManager, .headOfFinance: return [.today, .accounts, .arrears].contains(self)
        case .finance, .payments: return self != .arrears
        case .repairs: return self != .arrears && self != .directDebit
        }
    }
}

extension Console {
    // MARK: Responses

    /// A page in the layout.
    func render(
        _ title: String, session: ConsoleSession?, section: Section? = nil, body: String, status: HTTPResponse.Status = .ok, print: Bool = false
    ) -> Response {
        var data: [String: Any] = ["title": title, "body": body, "print": print]
        if let session {
            data["person"] = ["name": session.user.name, "role": session.user.role.rawValue, "csrf": session.csrfToken] as [String: Any]
            data["nav"] = Section.allCases.filter { $0.open(to: session.user.role) }.map { ["href": $0.href, "text": $0.rawValue, "current": $0 == section] as [String: Any] }
        }
        let html = templates.render(data, withTemplate: "layout") ?? body
        return Response(
            status: status,
            headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store", .init("X-Frame-Options")!: "DENY",
                      .init("Content-Security-Policy")!: "default-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'"],
            body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    func redirect(_ location: String, cookie: Cookie? = nil) -> Response {
        var response = Response(status: .seeOther, headers: [.location: location, .cacheControl: "no-store"])
        if let cookie { response.setCookie(cookie) }
        return response
    }

    func sessionCookie(_ value: String, expire: Bool = false) -> Cookie {
        Cookie(
            name: SessionStore.cookieName, value: value, maxAge: expire ? 0 : nil, path: "/", secure: settings.secureCookie, httpOnly: true,
            sameSite: .strict)
    }

    /// The signed-in session of a request, if any.
    func session(of request: Request) async throws -> ConsoleSession? {
        guard let cookie = request.cookies[SessionStore.cookieName]?.value else { return nil }
        let sessions = self.sessions
        return try await server { try sessions.resume(cookie: cookie, on: $0) }
    }

    // MARK: Routes with sessions

    /// A page for anyone signed in; others go to the sign-in page and come back.
    func page(_ router: Router<ConsoleContext>, _ path: RouterPath, _ handler: @escaping @Sendable (Request, ConsoleContext, ConsoleSession) async throws -> Response) {
        router.get(path) { request, context -> Response in
            guard let session = try await self.session(of: request) else {
                let next = request.uri.description
                return self.redirect("/signin?next=" + (next.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "/"))
            }
            if let section = Section(path: request.uri.path), !section.open(to: session.user.role) { return self.forbidden(session, request.uri.path) }
            return try await self.guarding(session) { try await handler(request, context, session) }
        }
    }

    /// A form's target: a signed-in session, the session's CSRF token, and a role that may do the
    /// action; otherwise 403 (logged) and nothing is done.
    func action(
        _ router: Router<ConsoleContext>, _ path: RouterPath, _ action: ConsoleAction?,
        _ handler: @escaping @Sendable (Request, ConsoleContext, ConsoleSession, Form) async throws -> Response
    ) {
        router.post(path) { request, context -> Response in
            guard let session = try await self.session(of: request) else {
                return self.render("Signed out", session: nil, body: HTML.notice("Your session has ended (signed out, or idle too long). Sign in again; nothing was done.", ok: false) + "<p><a class=\"govuk-link\" href=\"/signin\">Sign in</a></p>", status: .unauthorized)
            }
            let form = try await Form.read(request, context: context)
            guard form.fields["csrf"] == session.csrfToken else {
                self.logger.warning("form refused: missing or wrong CSRF token", metadata: ["person": "\(session.user.name)", "path": "\(request.uri.path)"])
                return self.render("Form refused", session: session, body: HTML.notice("This form did not come from your session of the console (its security token is missing or out of date). Go back, reload the page and try again; nothing was done.", ok: false), status: .forbidden)
            }
            if let action, !action.allowed(for: session.user.role) || Section(path: request.uri.path).map({ !$0.open(to: session.user.role) }) == true {
                return self.forbidden(session, request.uri.path)
            }
            return try await self.guarding(session) { try await handler(request, context, session, form) }
        }
    }

    func forbidden(_ session: ConsoleSession, _ path: String) -> Response {
        logger.warning("refused: not allowed for the role", metadata: ["person": "\(session.user.name)", "role": "\(session.user.role.rawValue)", "path": "\(path)"])
        return render(
            "Not allowed", session: session,
            body: HTML.notice("Your role (\(session.user.role.rawValue)) may not do this; nothing was done.", ok: false), status: .forbidden)
    }

    /// Errors as pages: a refusal or bad input says why; the database's own refusal (a grant)
    /// is 403.
    func guarding(_ session: ConsoleSession, _ body: () async throws -> Response) async throws -> Response {
        do {
            return try await body()
        } catch let error as RunError {
            let status: HTTPResponse.Status = error.code == .notFound ? .notFound : error.code == .badInput ? .badRequest : .conflict
            return render("Not done", session: session, body: HTML.notice(error.message, ok: false) + backLink(), status: status)
        } catch let error as PostgresError where error.sqlState == "42501" {
            logger.warning("refused by the database", metadata: ["person": "\(session.user.name)", "error": "\(error.message)"])
            return render("Not allowed", session: session, body: HTML.notice("The database refused this for your role (\(session.user.role.rawValue)): \(error.message)", ok: false), status: .forbidden)
        } catch let error as PostgresError where error.sqlState?.hasPrefix("HUB") == true {
            return render("Not done", session: session, body: HTML.notice(error.message, ok: false) + backLink(), status: .conflict)
        } catch let error as ConfigError {
            logger.error("configuration problem", metadata: ["error": "\(error)"])
            return render("Not done", session: session, body: HTML.notice("The hub's configuration stops this: \(error)", ok: false), status: .internalServerError)
        } catch let error as HTTPError {
            throw error
        } catch {
            logger.error("request failed", metadata: ["person": "\(session.user.name)", "error": "\(error)"])
            return render("Something went wrong", session: session, body: HTML.notice("Something went wrong (it is logged): \(error). The runs list shows what was done.", ok: false), status: .internalServerError)
        }
    }

    func backLink() -> String { "<p class=\"noprint\"><a class=\"govuk-link\" href=\"/\">Back to Today</a></p>" }

    // MARK: Signing in and out

    func addSignInRoutes(_ router: Router<ConsoleContext>) {
        router.get("/signin") { request, _ -> Response in
            let next = Form.query(request)["next"] ?? "/"
            let body = self.templates.render(["next": next, "name": ""] as [String: Any], withTemplate: "signin") ?? ""
            return self.render("Sign in", session: nil, body: body)
        }
        router.post("/signin") { request, context -> Response in
            let form = try await Form.read(request, context: context)
            let name = form["name"].lowercased()
            let password = form.fields["password"] ?? ""
            var next = form["next"]
            if !next.hasPrefix("/") || next.hasPrefix("//") { next = "/" }
            let settings = self.settings
            let sessions = self.sessions
            let outcome: Result<(ConsoleSession, String), ConsoleUsers.SignInRefusal> = try await self.server { db in
                switch try ConsoleUsers.signIn(name: name, password: password, settings: settings, on: db) {
                case .success(let user): return .success(try sessions.start(for: user, on: db))
                case .failure(let refusal): return .failure(refusal)
                }
            }
            switch outcome {
            case .success(let (session, cookie)):
                self.logger.info("signed in", metadata: ["person": "\(session.user.name)", "role": "\(session.user.role.rawValue)"])
                return self.redirect(next, cookie: self.sessionCookie(cookie))
            case .failure(let refusal):
                let message: String
                switch refusal {
                case .wrong: message = "The name or password is not right"
                case .lockedOut(let minutes): message = "Too many failed sign-ins for this name: try again in \(minutes) minutes, or ask an administrator"
                }
                self.logger.notice("sign-in refused", metadata: ["name": "\(name.prefix(40))", "why": "\(refusal)"])
                let body = self.templates.render(
                    ["next": next, "name": name, "error": true, "errors": HTML.errorSummary([("name", message)])] as [String: Any], withTemplate: "signin") ?? ""
                return self.render("Sign in", session: nil, body: body, status: .unauthorized)
            }
        }
        action(router, "/signout", nil) { _, _, session, _ in
            let sessions = self.sessions
            try await self.server { try sessions.end(session.id, on: $0) }
            return self.redirect("/signin", cookie: self.sessionCookie("", expire: true))
        }
    }
}
