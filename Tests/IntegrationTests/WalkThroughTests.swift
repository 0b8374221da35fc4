import Foundation
import TestSupport
import Testing

/// README's walk-through runs as written, top to bottom: the block after
/// `<!-- walk-through -->` is run by bash (`-euo pipefail`: any step that fails fails the
/// test) from the checkout, against a fresh `compose/dev-run` with its demo data.
@Suite(.sandboxed) struct WalkThroughTests {
    /// The walk-through's commands, from README.
    static func walkThrough() throws -> String {
        let readme = try String(contentsOfFile: Repository.file("README.md"), encoding: .utf8)
        let marker = try #require(readme.range(of: "<!-- walk-through -->\n```sh\n"), "README has no walk-through")
        let end = try #require(readme.range(of: "\n```\n", range: marker.upperBound..<readme.endIndex))
        return String(readme[marker.upperBound..<end.lowerBound])
    }

    @Test func readmesWalkThrough_runsAsWritten_againstTheDevRunner() async throws {
        let root = try TemporaryDirectory()
        defer { root.remove() }
        let devRun = try ChildProcess(
            Repository.file("compose/dev-run"), [], logPath: root.file("dev-run.log"),
            environment: ["MADOGUCHI_DEV_ROOT": root.path, "MADOGUCHI_BIN_DIR": Executables.directory])
        try await waitUntil("dev-run to load the demo and serve", timeout: .seconds(120)) {
            guard devRun.isRunning else { throw ChildExited(log: devRun.log) }
            return devRun.log.contains("Press Ctrl-C to stop them all.")
        }
        let script = try Self.walkThrough()
        #expect(script.contains("$M login --for isp"))
        let walked = try await ChildProcess.run(
            "/bin/bash", ["-euo", "pipefail", "-c", "cd \"$0\" && \(script)", Repository.root],
            environment: ["MADOGUCHI_RUNTIME_DIR": root.file("run"), "MADOGUCHI_SPOOL_DIR": root.file("spool")])
        #expect(walked.status == 0, "stdout:\n\(walked.stdout)\nstderr:\n\(walked.stderr)\ndev-run:\n\(devRun.log.suffix(2000))")
        #expect(walked.stdout.contains("Registered taro.yamada."), "\(walked.stdout)")
        #expect(walked.stdout.contains("carrier ID ichiro@example.jp ↔ N100000001"), "\(walked.stdout)")
        #expect(walked.stdout.contains("carrier ID ichiro@example.jp → ISP N100000001 (fibre with family plan) until"), "\(walked.stdout)")
        devRun.signal(SIGINT)
        #expect(try await devRun.waitForExit(timeout: .seconds(30)) == 0, "\(devRun.log.suffix(2000))")
    }
}
