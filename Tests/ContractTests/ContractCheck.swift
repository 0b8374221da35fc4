import Foundation
import JSONRPC

/// One reason a service may answer, from its `ErrorReason` type.
struct ReasonEntry: Hashable, Comparable, CustomStringConvertible {
    var code: Int
    var reason: String

    /// Every case of `type`.
    static func all<Reason: ErrorReason>(of type: Reason.Type) -> [ReasonEntry] {
        Reason.allCases.map { ReasonEntry(code: $0.code.rawValue, reason: $0.rawValue) }
    }

    static func < (a: ReasonEntry, b: ReasonEntry) -> Bool { (a.code, a.reason) < (b.code, b.reason) }
    var description: String { "\(code) \(reason)" }
}

/// The checks of the contract test, each over what it is given, so that a test can also
/// give it something that drifted and see it found. Each returns one sentence per problem.
enum ContractCheck {
    /// Every method has a fuzz seed (`Tests/Fuzz/corpus/<method>[.<variant>].json`), and
    /// every seed a method.
    static func seeds(of contracts: [MethodContract], seeds: [String: [JSONValue]]) -> [String] {
        let names = Set(contracts.map(\.description.name))
        return names.subtracting(seeds.keys).sorted().map { "\($0): no fuzz seed" }
            + Set(seeds.keys).subtracting(names).sorted().map { "seed \($0): no such method" }
    }

    /// The params schema against the params type: every seed decodes; the members the type
    /// asks for, over all the seeds (a member asked for only in one variant of the params,
    /// `session.open`'s login methods), are the schema's properties; a required member left
    /// out of a seed is refused.
    static func params(of contract: MethodContract, seeds: [JSONValue]) -> [String] {
        let name = contract.description.name
        let schema = contract.description.params.json
        let properties = Set(schema["properties"]?.objectValue?.keys.map { $0 } ?? [])
        let required = Set(schema["required"]?.arrayValue?.compactMap(\.stringValue) ?? [])
        var problems: [String] = []
        var asked: Set<String> = []
        for seed in seeds {
            let params = seed["params"] ?? .object([:])
            do {
                try contract.checkParams(params)
            } catch {
                problems.append("\(name): a fuzz seed's params do not decode: \(error)")
                continue
            }
            asked.formUnion(contract.keysAsked(params).filter { !$0.contains(".") })
            problems += requiredMembers(required, of: contract, in: params)
        }
        guard problems.isEmpty else { return problems }
        for missing in asked.subtracting(properties).sorted() {
            problems.append("\(name): params member \"\(missing)\" is read but not in the schema")
        }
        for extra in properties.subtracting(asked).sorted() {
            problems.append("\(name): schema property \"\(extra)\" is not read by the params type")
        }
        for member in required.subtracting(properties).sorted() {
            problems.append("\(name): required \"\(member)\" is not a property")
        }
        return problems
    }

    /// Each required member is in `params`, and the params without it are refused.
    private static func requiredMembers(_ required: Set<String>, of contract: MethodContract, in params: JSONValue)
        -> [String]
    {
        guard case .object(let members) = params else { return [] }
        let name = contract.description.name
        return required.sorted().compactMap { member in
            guard members[member] != nil else { return "\(name): a seed leaves out required \"\(member)\"" }
            var without = members
            without[member] = nil
            guard (try? contract.checkParams(.object(without))) != nil else { return nil }
            return "\(name): schema requires \"\(member)\" but the params decode without it"
        }
    }

    /// Every error a method declares is one of the reasons the services can send (with its
    /// code), and every reason is declared by some method.
    static func errors(of contracts: [MethodContract], reasons: [ReasonEntry]) -> [String] {
        let known = Set(reasons)
        var declared: Set<ReasonEntry> = []
        var problems: [String] = []
        for contract in contracts {
            for error in contract.description.errors {
                let entry = ReasonEntry(code: error.code.rawValue, reason: error.reason ?? "")
                declared.insert(entry)
                if !known.contains(entry) {
                    problems.append("\(contract.description.name): declares \(entry), which no reason type sends")
                }
            }
        }
        for entry in known.subtracting(declared).sorted() {
            problems.append("reason \(entry) is declared by no method")
        }
        return problems
    }

    /// docs/errors.md has a row for every reason with its code, and documents no
    /// application reason (code 1000 and up) that is not one.
    static func documentation(_ markdown: String, reasons: [ReasonEntry]) -> [String] {
        let documented = documentedReasons(markdown)
        let known = Set(reasons)
        return known.subtracting(documented).sorted().map { "docs/errors.md: no row for \($0)" }
            + documented.subtracting(known).sorted().map { "docs/errors.md: documents \($0), which no reason type sends" }
    }

    /// The (code, reason) pairs of docs/errors.md's tables with application codes: each
    /// back-quoted word of a row's second column.
    static func documentedReasons(_ markdown: String) -> Set<ReasonEntry> {
        var found: Set<ReasonEntry> = []
        for line in markdown.split(separator: "\n") where line.hasPrefix("| ") {
            let columns = line.split(separator: "|", omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            guard columns.count > 3, let code = Int(columns[1]), code >= 1000 else { continue }
            for word in columns[2].split(separator: "`", omittingEmptySubsequences: false).enumerated() where word.offset % 2 == 1 {
                found.insert(ReasonEntry(code: code, reason: String(word.element)))
            }
        }
        return found
    }

    /// A method whose summary says it is for operators is declared so, and the other way
    /// round: what `rpc.discover` says in words and in `x-access` agree.
    static func access(of contracts: [MethodContract]) -> [String] {
        contracts.compactMap { contract in
            let description = contract.description
            let saysOperators = description.summary.hasPrefix("Operators only")
            switch (saysOperators, description.access) {
            case (true, .operator), (false, .anyCaller), (false, .service): return nil
            case (true, let access): return "\(description.name): the summary says operators only, access is \(access)"
            case (false, .operator): return "\(description.name): access is operator, the summary does not say so"
            }
        }
    }
}

extension JSONValue {
    var objectValue: [String: JSONValue]? {
        if case .object(let members) = self { return members }
        return nil
    }
    var arrayValue: [JSONValue]? {
        if case .array(let elements) = self { return elements }
        return nil
    }
}
