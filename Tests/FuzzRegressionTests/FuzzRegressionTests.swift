import Foundation
import MadoguchiFuzzing
import Testing

/// Replays the fuzzer's seed corpus and every input it ever found a fault with
/// (`Tests/Fuzz/regressions`, one file each, named for what it broke) through the same
/// harness the fuzzer runs, so a fixed finding stays fixed.
@Suite struct FuzzRegressionTests {
    static let fuzzFolder = URL(filePath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fuzz")

    static func inputs(in folder: String) -> [URL] {
        let url = fuzzFolder.appendingPathComponent(folder)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
        return names.filter { !$0.hasPrefix(".") && $0 != "README.md" }.sorted().map { url.appendingPathComponent($0) }
    }

    @Test func everySeedKeepsTheProtocol() async throws {
        let harness = try FuzzHarness.make()
        let seeds = Self.inputs(in: "corpus")
        #expect(seeds.count >= 50, "the seed corpus is missing")
        for seed in seeds {
            let problems = await harness.problems(answering: try Data(contentsOf: seed))
            #expect(problems.isEmpty, "\(seed.lastPathComponent): \(problems)")
        }
    }

    @Test func everyPastFindingKeepsTheProtocol() async throws {
        let harness = try FuzzHarness.make()
        for finding in Self.inputs(in: "regressions") {
            let problems = await harness.problems(answering: try Data(contentsOf: finding))
            #expect(problems.isEmpty, "\(finding.lastPathComponent): \(problems)")
        }
    }
}
