import AuthAPI
import Foundation
import JSONRPC
import MadoguchiModels
import MetricsExporter
import ServiceClient
import ServiceContract
import TestSupport
import Testing

/// Metrics end to end: the services count, madoguchi-exporter (socket-activated on a
/// loopback port, as its unit runs it) gathers them over the services' sockets without
/// starting a stopped one, and a real Prometheus scrapes it with the shipped alert rules.
@Suite(.sandboxed) struct MetricsTests {
    @Test func prometheusScrapesTheExporter_andSeesAPINLock_whileAStoppedServiceStaysStopped() async throws {
        let sandbox = try ServiceSandbox()
        _ = try await sandbox.startActivated("auth")
        // Lines listens (socket-activated) but has never been called: it must stay stopped.
        let lines = try await sandbox.startActivated("lines")
        let exporterPort = try LoopbackHTTP.freePort()
        _ = try ChildProcess(
            "/usr/bin/systemd-socket-activate",
            ["-l", "127.0.0.1:\(exporterPort)", Executables.path("madoguchi-exporter"), "--runtime-dir", sandbox.runtimeDirectory],
            logPath: sandbox.root.file("exporter.log"))
        let prometheus = try await PrometheusServer.start(
            in: sandbox.root.file("prometheus"), job: "madoguchi", targets: ["127.0.0.1:\(exporterPort)"],
            ruleFiles: [Repository.file("compose/prometheus/madoguchi-alerts.yml")])

        // A PIN locked by three wrong entries.
        let auth = try await sandbox.client("auth")
        let line = PINSubject.line(try PhoneNumber(validating: "09012345678"))
        _ = try await auth.call(PINSet.self, .init(subject: line, kind: .network, pin: try PIN(validating: "4821")))
        for _ in 0..<3 {
            _ = await refusal { try await auth.call(PINVerify.self, .init(subject: line, kind: .network, pin: try PIN(validating: "1593"))) }
        }

        try await waitUntil("Prometheus to scrape the lock") {
            try await prometheus.query(#"madoguchi_pin_locks_total{service="auth",kind="network"}"#).first?.value == "1"
        }
        #expect(try await prometheus.query(#"madoguchi_pin_failures_total{service="auth",kind="network"}"#).first?.value == "3")
        #expect(
            try await prometheus.query(#"madoguchi_calls_total{service="auth",method="pin.verify",outcome="pin_locked"}"#).first?.value
                == "1")
        #expect(try await prometheus.query(#"up{job="madoguchi"}"#).first?.value == "1")
        #expect(try await prometheus.query(#"madoguchi_up{service="auth"}"#).first?.value == "1")
        #expect(try await prometheus.query(#"madoguchi_up{service="lines"}"#).first?.value == "0")
        // The exporter itself: HEAD answers as GET without a body; another path is 404.
        let head = try await LoopbackHTTP.get(port: exporterPort, "/metrics", method: "HEAD")
        #expect(head.status == 200 && head.body.isEmpty, "\(head)")
        #expect(try await LoopbackHTTP.get(port: exporterPort, "/").status == 404)
        // The shipped rules loaded and are evaluated.
        let rules = try await LoopbackHTTP.get(port: prometheus.port, "/api/v1/rules")
        #expect(rules.status == 200 && rules.body.contains("MadoguchiOutboxStuck") && rules.body.contains(#""health":"ok""#))

        // Scraped many times over, lines was never started: its activator still waits.
        #expect(!RunningMarker.isHeld(at: RunningMarker.path(runtimeDirectory: sandbox.runtimeDirectory, service: "lines")))
        let comm = try String(contentsOfFile: "/proc/\(lines.pid)/comm", encoding: .utf8)
        #expect(comm.hasPrefix("systemd-socket"), "lines was started: \(comm)")
        await auth.close()
    }

    /// Anyone on the host can reach the exporter: past its cap a connection is answered
    /// 503, and connections that send nothing more are closed after the idle timeout, so
    /// that they cannot keep the scraper out for long.
    @Test func theExporter_refusesConnectionsPastItsCap_andClosesIdleOnes() async throws {
        let sandbox = try ServiceSandbox()
        let port = try LoopbackHTTP.freePort()
        let exporter = try ChildProcess(
            Executables.path("madoguchi-exporter"),
            ["--runtime-dir", sandbox.runtimeDirectory, "--listen", "127.0.0.1:\(port)", "--max-connections", "2", "--idle-timeout", "2"],
            logPath: sandbox.root.file("exporter.log"))
        try await waitUntil("the exporter to listen") { (try? await LoopbackHTTP.get(port: port, "/metrics"))?.status == 200 }
        var idle: [Int32] = []
        defer { for fd in idle { close(fd) } }
        for _ in 0..<2 { idle.append(try await LoopbackHTTP.openKeptAlive(port: port, "/metrics")) }
        let refused = try await LoopbackHTTP.get(port: port, "/metrics")
        #expect(refused.status == 503, "\(refused)")
        for fd in idle { #expect(try await LoopbackHTTP.closedByPeer(fd, within: 20)) }
        let scraped = try await LoopbackHTTP.get(port: port, "/metrics")
        #expect(scraped.status == 200 && scraped.body.contains(#"madoguchi_up{service="auth"} 0"#), "\(scraped)")
        #expect(exporter.log.components(separatedBy: "scrape connections refused").count == 2, "\(exporter.log)")
        _ = try await exporter.terminate()
    }

    @Test func theShippedAlertRules_passPromtool() async throws {
        let checked = try await ChildProcess.run(
            "/usr/bin/promtool", ["check", "rules", Repository.file("compose/prometheus/madoguchi-alerts.yml")])
        #expect(checked.status == 0, "\(checked.stdout)\(checked.stderr)")
    }
}

/// The exporter's merge: Prometheus refuses a family declared twice, so five services'
/// expositions become one with each family once and every service's samples in it.
@Suite struct ExpositionMergeTests {
    @Test func familiesOfSeveralServices_areDeclaredOnce_withEverySample() {
        var merged = Exposition()
        merged.add(
            """
            # TYPE madoguchi_calls_total counter
            madoguchi_calls_total{method="service.ping",outcome="ok",service="auth"} 3
            # TYPE madoguchi_call_duration_seconds histogram
            madoguchi_call_duration_seconds_bucket{method="service.ping",service="auth",le="+Inf"} 3
            madoguchi_call_duration_seconds_sum{method="service.ping",service="auth"} 0.001
            madoguchi_call_duration_seconds_count{method="service.ping",service="auth"} 3
            """)
        merged.add(
            """
            # TYPE madoguchi_calls_total counter
            madoguchi_calls_total{method="service.ping",outcome="ok",service="lines"} 1
            """)
        #expect(
            merged.text == """
                # TYPE madoguchi_calls_total counter
                madoguchi_calls_total{method="service.ping",outcome="ok",service="auth"} 3
                madoguchi_calls_total{method="service.ping",outcome="ok",service="lines"} 1
                # TYPE madoguchi_call_duration_seconds histogram
                madoguchi_call_duration_seconds_bucket{method="service.ping",service="auth",le="+Inf"} 3
                madoguchi_call_duration_seconds_sum{method="service.ping",service="auth"} 0.001
                madoguchi_call_duration_seconds_count{method="service.ping",service="auth"} 3

                """)
    }
}
