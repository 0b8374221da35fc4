import JSONRPC
import Testing

/// Each check of `ContractTests` given a method, error or document that drifted from its
/// declaration, to show it is found: a check that cannot fail proves nothing.
@Suite struct ContractDriftTests {
    /// A params type whose hand-written schema forgot `note` and lists `colour`, which the
    /// type does not read.
    struct DriftingParams: Codable, Sendable, JSONSchemaDescribing {
        var name: String
        var note: String?
        static var jsonSchema: JSONSchema { .object(["name": .string(), "colour": .string()], required: ["name"]) }
    }
    enum Drifting: RPCMethod {
        static let name = "drift.params"
        static let access = MethodAccess.anyCaller
        static let summary = "A method whose schema drifted."
        typealias Params = DriftingParams
        typealias Result = NoParams
    }

    /// Params whose schema (derived) requires `limit`, but whose decoder defaults it.
    @WireObject
    struct DefaultingParams: Codable, Sendable {
        var limit: Int
        init(from decoder: any Decoder) throws {
            limit = try decoder.container(keyedBy: CodingKeys.self).decodeIfPresent(Int.self, forKey: .limit) ?? 10
        }
    }
    enum Defaulting: RPCMethod {
        static let name = "drift.required"
        static let access = MethodAccess.anyCaller
        static let summary = "Operators only: a method whose access drifted from its summary."
        typealias Params = DefaultingParams
        typealias Result = NoParams
        static var errors: [RPCError] { [RPCError(code: 1999, message: "Made up.", reason: "made_up")] }
    }

    enum DriftReason: String, ErrorReason {
        case madeUp = "made_up"
        case neverDeclared = "never_declared"
        var code: ErrorCode { 1999 }
    }

    let contracts: [MethodContract] = {
        var registry = MethodRegistry()
        registry.register(Drifting.self) { _, _ in NoParams() }
        registry.register(Defaulting.self) { _, _ in NoParams() }
        return registry.contracts
    }()

    func contract(_ name: String) -> MethodContract { contracts.first { $0.description.name == name }! }

    @Test func aSchemaMissingAField_orListingOneNotRead_isFound() {
        let seed: JSONValue = ["method": "drift.params", "params": ["name": "x"]]
        let problems = ContractCheck.params(of: contract("drift.params"), seeds: [seed])
        #expect(problems.contains { $0.contains("\"note\" is read but not in the schema") })
        #expect(problems.contains { $0.contains("\"colour\" is not read") })
    }

    @Test func aRequiredMemberTheDecoderDefaults_isFound() {
        let seed: JSONValue = ["method": "drift.required", "params": ["limit": 5]]
        let problems = ContractCheck.params(of: contract("drift.required"), seeds: [seed])
        #expect(problems == ["drift.required: schema requires \"limit\" but the params decode without it"])
    }

    @Test func aMethodWithoutASeed_andASeedWithoutAMethod_areFound() {
        let problems = ContractCheck.seeds(
            of: contracts, seeds: ["drift.params": [["method": "drift.params"]], "drift.gone": [["method": "drift.gone"]]])
        #expect(problems == ["drift.required: no fuzz seed", "seed drift.gone: no such method"])
    }

    @Test func anErrorNoReasonTypeSends_andAReasonNoMethodDeclares_areFound() {
        #expect(
            ContractCheck.errors(of: contracts, reasons: []) == [
                "drift.required: declares 1999 made_up, which no reason type sends"
            ])
        #expect(
            ContractCheck.errors(of: contracts, reasons: ReasonEntry.all(of: DriftReason.self)) == [
                "reason 1999 never_declared is declared by no method"
            ])
    }

    @Test func aReasonMissingFromTheDocs_andOneTheyInvent_areFound() {
        let markdown = """
            | code | reason | when |
            |---|---|---|
            | 1999 | `made_up`, `invented` | never |
            """
        #expect(
            ContractCheck.documentation(markdown, reasons: ReasonEntry.all(of: DriftReason.self)) == [
                "docs/errors.md: no row for 1999 never_declared",
                "docs/errors.md: documents 1999 invented, which no reason type sends",
            ])
    }

    @Test func anAccessTheSummaryContradicts_isFound() {
        #expect(
            ContractCheck.access(of: contracts) == [
                "drift.required: the summary says operators only, access is anyCaller"
            ])
    }
}
