import Console
import Foundation
import HousingFinance
import Hub
import Hummingbird
import HummingbirdTesting
import Scheduler
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The server on a real socket: a client that connects and hangs, or hangs up mid-answer,
/// stalls nothing.
@Suite struct ConsoleServerTests {
    /// A client that connects and sends part of a request, then waits.
    final class HangingClient: @unchecked Sendable {
        let fd: Int32
        init(port: Int, send text: String) throws {
            fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_port = in_port_t(UInt16(port).bigEndian)
            inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr)
            let connected = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
            guard connected == 0 else { throw ConsoleTestError("cannot connect to port \(port)") }
            _ = Array(text.utf8).withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        }
        /// Hangs up at once, with unread data (the server sees a reset).
        func vanish() {
            var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
            setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
            close(fd)
        }
        deinit { close(fd) }
    }

    struct ConsoleTestError: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    @Test func aClientThatHangsOrVanishesStallsNeitherThePagesNorTheProcess() async throws {
        let console = try ConsoleFixture.console()
        let app = Application(router: console.router(), configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.live) { client in
            let port = try #require(client.port)
            // Ten clients that send half a request and wait; ten that ask for the metrics and hang up.
            let hanging = try (0..<10).map { _ in try HangingClient(port: port, send: "GET /health HTTP/1.1\r\nHost: x\r\n") }
            for _ in 0..<10 {
                let gone = try HangingClient(port: port, send: "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
                gone.vanish()
            }
            // A server that served one connection at a time would never answer these (the client's
            // read timeout would fail the test); no timing is asserted, as the machine may be busy.
            for _ in 0..<20 {
                try await client.execute(uri: "/assets/console.css", method: .get) { response in #expect(response.status == .ok) }
            }
            try await client.execute(uri: "/health", method: .get) { response in #expect(response.status == .ok) }
            try await client.execute(uri: "/signin", method: .get) { response in #expect(response.status == .ok) }
            withExtendedLifetime(hanging) {}
        }
    }

    @Test func theSchedulersMetricsAreServedInThePrometheusFormat() {
        let metrics = ConsoleMetrics()
        let scheduler = metrics.scheduler
        scheduler.register(jobs: ["rent-debit"])
        scheduler.record(
            SlotResult(job: "rent-debit", slot: "2026-11-23T02:00+00:00", outcome: .completed, runIds: [7, 8], attempt: 1, tookOver: false, message: nil, seconds: 1.5),
            at: Date(timeIntervalSince1970: 1_795_000_000))
        let text = metrics.render()
        #expect(text.contains("# TYPE hub_scheduler_slots_total counter\n"), "\(text)")
        #expect(text.contains("hub_scheduler_slots_total{job=\"rent-debit\",outcome=\"completed\"} 1\n"), "\(text)")
        #expect(text.contains("hub_scheduler_slots_total{job=\"rent-debit\",outcome=\"refused\"} 0\n"))
        #expect(text.contains("hub_job_runs_total{job=\"rent-debit\"} 2\n"))
        #expect(text.contains("hub_job_last_success_timestamp_seconds{job=\"rent-debit\"} 1795000000"))
        #expect(text.contains("hub_job_duration_seconds_count{job=\"rent-debit\"} 1\n"))
        #expect(text.contains("hub_job_duration_seconds_sum{job=\"rent-debit\"} 1.5\n"))
        #expect(text.contains("hub_scheduler_running_slots{job=\"rent-debit\"} 0.0\n"))
    }

    @Test func pagesAreEscapedAndMoneyAndDatesReadAsPeopleWriteThem() async throws {
        let console = try ConsoleFixture.console()
        let app = Application(router: console.router())
        try await app.test(.router) { client in
            var browser = Browser(client: client)
            _ = try await browser.signIn("audrey")
            let page = try await browser.get("/accounts?q=%3Cscript%3E")
            #expect(page.text.contains("No account matches '&lt;script&gt;'"))
            #expect(!page.text.contains("<script>"))
            let today = try await browser.get("/")
            // "Today, Sun 6 Dec 2026": a weekday, the day, the month's short name, the year.
            #expect(today.text.range(of: "Today, (Mon|Tue|Wed|Thu|Fri|Sat|Sun) [0-9]{1,2} [A-Z][a-z]{2} 20[0-9]{2}", options: .regularExpression) != nil)
            #expect(today.text.range(of: "£[0-9]{1,3}(,[0-9]{3})*\\.[0-9]{2}", options: .regularExpression) != nil)
        }
    }
}
