import Foundation
import JSONRPC
import MadoguchiFuzzing
import ServiceContract
import ServiceKit
import Testing

/// The contract of every method of every service, as the services serve it, held against
/// what is derived from it or written beside it: the params schema against the params type,
/// the declared errors against the reasons the services send, docs/errors.md against both,
/// the declared access against the summary, and a fuzz seed for each method.
/// `ContractDriftTests` shows that each check finds what drifted.
@Suite struct ContractTests {
    /// Every service's table, as it serves it.
    static let tables = (try? ServiceTables.all()) ?? []

    /// Every service's methods, merged as one caller sees them all.
    static let contracts = tables.map(\.registry).reduce(MethodRegistry()) { $0.merging($1) }.contracts

    /// Every reason any service sends, from the reason types themselves: the two of
    /// access, the common ones, and each service's own (`ServiceDefinition.Reason`).
    static let reasons: [ReasonEntry] =
        ReasonEntry.all(of: AccessReason.self) + ReasonEntry.all(of: CommonReason.self)
        + tables.flatMap { $0.reasons.map { ReasonEntry(code: $0.code, reason: $0.reason) } }

    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The seeds of `Tests/Fuzz/corpus`, by their method.
    static let seeds: [String: [JSONValue]] = {
        let folder = repository.appendingPathComponent("Tests/Fuzz/corpus")
        let files = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        var seeds: [String: [JSONValue]] = [:]
        // `protocol-*` seeds are broken on purpose (the protocol's own refusals).
        for file in files where file.hasSuffix(".json") && !file.hasPrefix("protocol-") {
            guard let data = FileManager.default.contents(atPath: folder.appendingPathComponent(file).path),
                let seed = try? JSONValue.parse(data), let method = seed["method"]?.stringValue
            else { continue }
            seeds[method, default: []].append(seed)
        }
        return seeds
    }()

    @Test func everyService_isInTheTables() {
        #expect(Self.tables.map(\.service) == ServiceName.allCases)
    }

    @Test func theServices_declareMethods() {
        // Five services, each with ping, info, health and discover at least.
        #expect(Self.contracts.count > 80)
        #expect(Self.contracts.contains { $0.description.name == "pin.verify" })
    }

    @Test func everyMethod_hasAFuzzSeed() {
        let problems = ContractCheck.seeds(of: Self.contracts, seeds: Self.seeds)
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
    }

    @Test func everyParamsSchema_isWhatItsParamsTypeReads() {
        var problems: [String] = []
        for contract in Self.contracts {
            guard let seeds = Self.seeds[contract.description.name] else { continue }
            problems += ContractCheck.params(of: contract, seeds: seeds)
        }
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
    }

    @Test func everyDeclaredError_isSent_andEverySentReason_isDeclared() {
        let problems = ContractCheck.errors(of: Self.contracts, reasons: Self.reasons)
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
    }

    @Test func docsErrors_listsEveryReason_andNoOther() throws {
        let markdown = try String(contentsOf: Self.repository.appendingPathComponent("docs/errors.md"), encoding: .utf8)
        let problems = ContractCheck.documentation(markdown, reasons: Self.reasons)
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
    }

    @Test func everyMethodsAccess_agreesWithItsSummary() {
        let problems = ContractCheck.access(of: Self.contracts)
        #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
    }

    @Test func reasons_areEachOneCodeAndReason() {
        // A reason is one pair: the same word under two codes of one type would make
        // `is(_:)` ambiguous.
        let pairs = Self.reasons.map { "\($0.code) \($0.reason)" }
        #expect(Set(pairs).count == pairs.count)
    }
}
