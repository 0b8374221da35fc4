import AuthAPI
import Foundation
import JSONRPC
import MadoguchiModels
import Testing
import TestSupport

/// `madoctl bench` against the real madoguchi-auth: it makes exactly the calls asked,
/// spread over connections and pipelines, draws params from a data set in turn, and
/// counts error answers. (Its figures are BENCHMARKS.md's business, not a test's.)
@Suite(.sandboxed) struct BenchTests {
    struct Report: Decodable {
        var calls: Int
        var errors: Int
        var callsPerSecond: Double
        var latencyMicroseconds: [String: UInt64]
    }

    @Test func bench_makesTheCallsAsked_andCountsErrorAnswers() async throws {
        let sandbox = try ServiceSandbox()
        let auth = try await sandbox.startActivated("auth")
        let ping = try await sandbox.madoctl(
            ["bench", "auth", "service.ping", "--connections", "4", "--pipeline", "8", "--count", "403", "--json"])
        #expect(ping.status == 0, "\(ping.stderr)")
        let pings = try JSONDecoder().decode(Report.self, from: Data(ping.stdout.utf8))
        #expect(pings.calls == 403 && pings.errors == 0 && pings.callsPerSecond > 0)
        let latency = pings.latencyMicroseconds
        #expect(try #require(latency["p50"]) <= #require(latency["p99"]) && #require(latency["p99"]) <= #require(latency["max"]))

        // A data set of three lines, one without a PIN: a third of the checks are refused.
        // Blank lines, CRLF ends and indentation are not calls.
        let client = try await sandbox.client("auth")
        for line in ["09012345678", "09087654321"] {
            _ = try await client.call(
                PINSet.self, .init(subject: try PINSubject(validating: "line:\(line)"), kind: .network, pin: try PIN(validating: "4821")))
        }
        await client.close()
        let dataset = sandbox.root.file("pin-checks.jsonl")
        try ["09012345678", "09087654321", "09000000000"]
            .map { #"  {"subject":"line:\#($0)","kind":"network","pin":"4821"}"# }.joined(separator: "\t\r\n\n")
            .write(toFile: dataset, atomically: true, encoding: .utf8)
        let checks = try await sandbox.madoctl(
            ["bench", "auth", "pin.verify", "--params-file", dataset, "--connections", "3", "--count", "30", "--json"])
        #expect(checks.status == 1)
        let checked = try JSONDecoder().decode(Report.self, from: Data(checks.stdout.utf8))
        #expect(checked.calls == 30 && checked.errors == 10)
        let noLine = try await sandbox.client("auth")
        #expect(try await noLine.call(PINStatusMethod.self, .init(subject: try PINSubject(validating: "line:09012345678"), kind: .network)).failures == 0)
        await noLine.close()

        let refused = try await sandbox.madoctl(["bench", "auth", "service.ping", "--params", "{oops", "--count", "1"])
        #expect(refused.status != 0 && refused.stderr.contains("not JSON"))
        _ = try await auth.terminate()
    }

    /// How a data set is loaded (`Tests/Benchmarks/load` sets every PIN this way): a count
    /// equal to the data set's length sends each line once, however many connections
    /// share it, and `--params-start` goes on from a given line.
    @Test func bench_withACountOfTheDataSet_sendsEveryLineOnce() async throws {
        let sandbox = try ServiceSandbox()
        let auth = try await sandbox.startActivated("auth")
        let lines = (1...7).map { "0901234560\($0)" }
        let pins = sandbox.root.file("pin-set.jsonl")
        try lines.map { #"{"subject":"line:\#($0)","kind":"network","pin":"4821"}"# }.joined(separator: "\n")
            .write(toFile: pins, atomically: true, encoding: .utf8)
        let set = try await sandbox.madoctl(
            ["bench", "auth", "pin.set", "--params-file", pins, "--connections", "3", "--count", "7", "--json"])
        #expect(set.status == 0, "\(set.stderr)")
        let client = try await sandbox.client("auth")
        for line in lines {
            let status = try await client.call(PINStatusMethod.self, .init(subject: try PINSubject(validating: "line:\(line)"), kind: .network))
            #expect(status.isSet, "line \(line) got no PIN")
        }
        await client.close()

        // Checks of lines 1–7 where the first line's PIN is wrong: starting from the second
        // line, six checks find no error; from the first, one.
        let checks = sandbox.root.file("pin-verify.jsonl")
        try lines.enumerated().map { #"{"subject":"line:\#($1)","kind":"network","pin":"\#($0 == 0 ? "1593" : "4821")"}"# }
            .joined(separator: "\n").write(toFile: checks, atomically: true, encoding: .utf8)
        for (start, errors) in [(1, 0), (0, 1)] {
            let run = try await sandbox.madoctl(
                ["bench", "auth", "pin.verify", "--params-file", checks, "--params-start", "\(start)", "--count", "6", "--connections", "2", "--json"])
            let report = try JSONDecoder().decode(Report.self, from: Data(run.stdout.utf8))
            #expect(report.calls == 6 && report.errors == errors, "from line \(start)")
        }
        _ = try await auth.terminate()
    }
}
