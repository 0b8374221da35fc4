import Foundation
import Synchronization
import JSONRPC

// Methods of the JSON-RPC 2.0 specification's examples, plus a few that exercise errors,
// peer credentials and slow handlers.

extension JSONValue: JSONSchemaDescribing {
    public static var jsonSchema: JSONSchema { JSONSchema(json: [:]) }
}

enum Subtract: RPCMethod {
    static let name = "subtract"
    static let access = MethodAccess.anyCaller
    static let summary = "minuend - subtrahend, by position or by name."

    struct Params: Codable, Sendable, JSONSchemaDescribing {
        var minuend: Int
        var subtrahend: Int

        init(from decoder: any Decoder) throws {
            if var list = try? decoder.unkeyedContainer() {
                minuend = try list.decode(Int.self)
                subtrahend = try list.decode(Int.self)
            } else {
                let members = try decoder.container(keyedBy: CodingKeys.self)
                minuend = try members.decode(Int.self, forKey: .minuend)
                subtrahend = try members.decode(Int.self, forKey: .subtrahend)
            }
        }

        static var jsonSchema: JSONSchema {
            .object(["minuend": .integer(), "subtrahend": .integer()], required: ["minuend", "subtrahend"])
        }
    }
    typealias Result = Int
}

enum Sum: RPCMethod {
    static let name = "sum"
    static let access = MethodAccess.anyCaller
    static let summary = "Adds its positional params."
    typealias Params = [Int]
    typealias Result = Int
}

enum Update: RPCMethod {
    static let name = "update"
    static let access = MethodAccess.anyCaller
    static let summary = "Accepts anything; for notifications."
    typealias Params = JSONValue
    typealias Result = Bool
}

enum GetData: RPCMethod {
    static let name = "get_data"
    static let access = MethodAccess.anyCaller
    static let summary = "Returns [\"hello\", 5]."
    typealias Result = JSONValue
}

enum Greet: RPCMethod {
    static let name = "greet"
    static let access = MethodAccess.anyCaller
    static let summary = "Greets by name."
    struct Params: Codable, Sendable, JSONSchemaDescribing {
        var name: String
        var title: String?
        static var jsonSchema: JSONSchema { .object(["name": .string(), "title": .string()], required: ["name"]) }
    }
    typealias Result = String
}

enum WhoAmI: RPCMethod {
    static let name = "whoami"
    static let access = MethodAccess.anyCaller
    static let summary = "The caller's peer credentials."
    typealias Result = PeerCredentials
}

extension PeerCredentials: JSONSchemaDescribing {
    public static var jsonSchema: JSONSchema { .object(["pid": .integer(), "uid": .integer(), "gid": .integer()]) }
}

enum FailDomain: RPCMethod {
    static let name = "fail_domain"
    static let access = MethodAccess.anyCaller
    static let summary = "Always refuses with a domain error."
    typealias Result = Bool
}

enum FailUnexpected: RPCMethod {
    static let name = "fail_unexpected"
    static let access = MethodAccess.anyCaller
    static let summary = "Always throws an error that is not an RPC error."
    typealias Result = Bool
}

/// Waits until the test releases it: a call that is in flight for as long as a test needs.
enum Hold: RPCMethod {
    static let name = "hold"
    static let access = MethodAccess.anyCaller
    static let summary = "Answers once the test releases the gate."
    typealias Result = String
}

struct LockedOut: RPCErrorConvertible {
    var rpcError: RPCError {
        RPCError(code: ErrorCode(2001), message: "The PIN is locked.", reason: "locked", details: ["unlocksAt": "2026-11-22T00:00:00+09:00"])
    }
}

struct Unexpected: Error {}

/// A gate `hold` waits on.
actor Gate {
    private var waiters: [CheckedContinuation<Void, Never>] = []
    private var isOpen = false
    private(set) var arrivals = 0

    func wait() async {
        arrivals += 1
        if isOpen { return }
        await withCheckedContinuation { waiters.append($0) }
    }

    func open() {
        isOpen = true
        for waiter in waiters { waiter.resume() }
        waiters.removeAll()
    }
}

func testRegistry(gate: Gate = Gate(), bigCount: BigCount = BigCount()) -> MethodRegistry {
    var registry = MethodRegistry()
    registry.register(Big.self) { _, _ in
        bigCount.add()
        return String(repeating: "x", count: 64 << 10)
    }
    registry.register(Subtract.self) { params, _ in params.minuend - params.subtrahend }
    registry.register(Sum.self) { params, _ in params.reduce(0, +) }
    registry.register(Update.self) { _, _ in true }
    registry.register(GetData.self) { _, _ in ["hello", 5] }
    registry.register(Greet.self) { params, _ in "Hello, \(params.title.map { $0 + " " } ?? "")\(params.name)" }
    registry.register(WhoAmI.self) { _, context in context.peer }
    registry.register(FailDomain.self) { _, _ in throw LockedOut() }
    registry.register(FailUnexpected.self) { _, _ in throw Unexpected() }
    registry.register(Hold.self) { _, _ in
        await gate.wait()
        return "released"
    }
    registry.registerDiscovery(title: "test", version: "1.0")
    return registry
}

/// A 64 KiB answer: for a client that asks for many and reads none.
enum Big: RPCMethod {
    static let name = "big"
    static let access = MethodAccess.anyCaller
    static let summary = "Answers 64 KiB of text."
    typealias Result = String
}

/// How many calls of `big` have run.
final class BigCount: Sendable {
    private let count = Mutex(0)
    func add() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}
