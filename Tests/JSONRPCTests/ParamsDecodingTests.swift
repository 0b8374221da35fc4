import Foundation
@testable import JSONRPC
import Testing

/// Params decode in one pass: every failure an Invalid params error naming the member
/// (`missing_member`, `wrong_type`, `invalid_value`), and every member the params type did
/// not read, at any depth, refused (`unknown_member`).
@Suite struct ParamsDecodingTests {
    func refusal<P: Decodable & SendableMetatype>(_ type: P.Type, _ text: String) -> RPCError? {
        do {
            _ = try ParamsDecoding.decode(P.self, from: JSONValue.parse(Data(text.utf8)))
            return nil
        } catch {
            return error as? RPCError
        }
    }

    func expectRefusal<P: Decodable & SendableMetatype>(
        _ type: P.Type, _ text: String, reason: String, field: String?, message: String? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let refused = refusal(P.self, text)
        #expect(refused?.code == .invalidParams, "\(text)", sourceLocation: sourceLocation)
        #expect(refused?.reason == reason, "\(text): \(String(describing: refused))", sourceLocation: sourceLocation)
        #expect(refused?.data?["field"] == field.map(JSONValue.string), "\(text)", sourceLocation: sourceLocation)
        if let message {
            #expect(refused?.message == "Invalid params: " + message, sourceLocation: sourceLocation)
        }
    }

    // MARK: Unknown members

    @Test func unknownMembers_areRefused_theFirstInSortedOrder() {
        expectRefusal(Login.self, #"{"loginId":"a","password":"p","zeta":1,"beta":2}"#, reason: "unknown_member", field: "beta",
                      message: #"unknown member "beta"."#)
        let long = String(repeating: "x", count: 150)
        expectRefusal(Login.self, #"{"loginId":"a","password":"p","\#(long)":1}"#, reason: "unknown_member",
                      field: String(long.prefix(100)))
    }

    @Test func nullMembers_unknownOrNot_areAccepted() {
        #expect(refusal(Login.self, #"{"loginId":"a","password":"p","typo":null,"origin":null}"#) == nil)
        #expect(refusal(Outer.self, #"{"destination":{"channel":"mail","to":"x","cc":null},"items":[{"name":"n","x":null}]}"#) == nil)
    }

    @Test func nestedUnknownMembers_areRefused_byTheirDottedPath() {
        expectRefusal(Outer.self, #"{"destination":{"channel":"mail","to":"x","cc":"y"}}"#, reason: "unknown_member",
                      field: "destination.cc", message: #"unknown member "destination.cc"."#)
        expectRefusal(Outer.self, #"{"destination":{"channel":"mail","to":"x"},"items":[{"name":"a"},{"name":"b","extra":1}]}"#,
                      reason: "unknown_member", field: "items.1.extra")
        // The first in sorted order of the whole path, wherever it is.
        expectRefusal(Outer.self, #"{"destination":{"channel":"mail","to":"x","z":1},"b":1}"#, reason: "unknown_member", field: "b")
        expectRefusal(Outer.self, #"{"destination":{"channel":"mail","to":"x","a":1},"e":1}"#, reason: "unknown_member",
                      field: "destination.a")
    }

    /// A dictionary reads every member it is given (`allKeys`), and a `JSONValue` member
    /// takes its value whole; an enum's keys listed by `allKeys` are read, the rest not.
    @Test func dictionariesAndJSONValues_readEveryMember() {
        #expect(refusal(Free.self, #"{"labels":{"anything":1,"at all":2},"document":{"a":{"b":[{"c":1}]}}}"#) == nil)
        expectRefusal(Listed.self, #"{"one":1,"two":2}"#, reason: "unknown_member", field: "two")
        #expect(refusal(Listed.self, #"{"one":1}"#) == nil)
    }

    /// `contains`, `decodeNil`, `superDecoder(forKey:)` and nested containers read the
    /// member they name, even when its value is not used.
    @Test func membersAskedForInAnyWay_areRead() {
        #expect(refusal(AskingEveryWay.self, #"{"seen":"x","nothing":null,"parent":{"id":1},"nested":{"k":1},"list":[1]}"#) == nil)
        expectRefusal(AskingEveryWay.self, #"{"seen":"x","nothing":null,"parent":{"id":1,"typo":2},"nested":{"k":1},"list":[1]}"#,
                      reason: "unknown_member", field: "parent.typo")
        expectRefusal(AskingEveryWay.self, #"{"seen":"x","nothing":null,"parent":{"id":1},"nested":{"k":1,"j":2},"list":[1]}"#,
                      reason: "unknown_member", field: "nested.j")
    }

    /// A type reading its members through two containers of one decoder (as
    /// `SessionOpenParams` reads its login and its origin) has them all read.
    @Test func twoContainersOfOneValue_readTogether() {
        #expect(refusal(TwoContainers.self, #"{"method":"m","origin":"o"}"#) == nil)
        expectRefusal(TwoContainers.self, #"{"method":"m","origin":"o","pin":"1"}"#, reason: "unknown_member", field: "pin")
        #expect(refusal(Rewrapped.self, #"{"inner":{"name":"n","count":1}}"#) == nil)
        expectRefusal(Rewrapped.self, #"{"inner":{"name":"n","count":1,"x":1}}"#, reason: "unknown_member", field: "inner.x")
    }

    /// A decode a type tries and catches leaves nothing read: what the successful one read
    /// is what counts.
    @Test func failedTries_readNothing() {
        #expect(refusal(Either.self, #"{"value":{"b":2}}"#) == nil)
        // "a" was read only by the try that failed (it had no "c").
        expectRefusal(Either.self, #"{"value":{"a":1,"b":2}}"#, reason: "unknown_member", field: "value.a")
        #expect(refusal(Either.self, #"{"value":{"a":1,"c":2}}"#) == nil)
        // A value tried as a struct and then taken whole is not checked at all.
        #expect(refusal(Either.self, #"{"value":{"z":true}}"#) == nil)
    }

    // MARK: Errors, as before

    @Test func missingWrongAndOutOfRangeMembers_nameTheirPath() {
        expectRefusal(Outer.self, #"{}"#, reason: "missing_member", field: "destination", message: #"missing member "destination"."#)
        expectRefusal(Outer.self, #"{"destination":{"channel":"mail"}}"#, reason: "missing_member", field: "destination.to")
        expectRefusal(Outer.self, #"{"destination":{"channel":"mail","to":"x"},"items":[{"name":"a"},{}]}"#, reason: "missing_member",
                      field: "items.1.name")
        expectRefusal(Outer.self, #"{"destination":{"channel":"mail","to":5}}"#, reason: "wrong_type", field: "destination.to",
                      message: #""destination.to" has the wrong type: Expected to decode String but found number instead."#)
        expectRefusal(Outer.self, #"{"destination":{"channel":"mail","to":"x"},"items":[{"name":null}]}"#, reason: "wrong_type",
                      field: "items.0.name")
        expectRefusal(Outer.self, #"[1]"#, reason: "wrong_type", field: nil,
                      message: "params has the wrong type: Expected to decode Dictionary<String, Any> but found an array instead.")
        expectRefusal(Outer.self, #"{"destination":{"channel":"mail","to":"x"},"limit":99999999999999999999}"#, reason: "invalid_value",
                      field: "limit", message: #""limit": Expected a whole number from 0 to 255."#)
        expectRefusal(Outer.self, #"{"destination":{"channel":"mail","to":"x"},"limit":256}"#, reason: "invalid_value", field: "limit")
        expectRefusal(Outer.self, #"{"destination":{"channel":"mail","to":"x"},"limit":2.5}"#, reason: "invalid_value", field: "limit")
        expectRefusal(Outer.self, #"{"destination":{"channel":"fax","to":"x"}}"#, reason: "invalid_value", field: "destination.channel")
        expectRefusal([Int32].self, #"[1,2147483648]"#, reason: "invalid_value", field: "1")
    }

    @Test func wholeNumbersWithAnExponent_fitIntegers() throws {
        let given = try JSONValue.parse(Data(#"{"destination":{"channel":"mail","to":"x"},"limit":2.55e2}"#.utf8))
        #expect(try ParamsDecoding.decode(Outer.self, from: given).limit == 255)
    }

    /// An `RPCError` a type throws itself is the answer as it is, however deep.
    @Test func rpcErrorsOfTheTypes_passThroughUnchanged() {
        let refused = refusal(Guarded.self, #"{"access":{"session":"s","pin":"1"}}"#)
        #expect(refused == .invalidParams("access is one or the other.", reason: "invalid_access", field: "access"))
    }

    /// A type no params may use is a programming error: not the caller's Invalid params.
    @Test func unsupportedTypes_areNotInvalidParams() {
        #expect(throws: JSONValueDecoder.UnsupportedType.self) {
            try ParamsDecoding.decode(Dated.self, from: ["at": "2026-11-22T00:00:00Z"])
        }
    }

    // MARK: Untouched paths

    @Test func noParams_keepsItsOwnAnswers() {
        for accepted: JSONValue? in [nil, .object([:]), .array([])] {
            #expect(throws: Never.self) { try ParamsDecoding.decode(NoParams.self, from: accepted) }
        }
        expectRefusal(NoParams.self, #"{"a":null}"#, reason: "unknown_member", field: "a")
        expectRefusal(NoParams.self, #"[1]"#, reason: "unexpected_params", field: nil)
    }

    @Test func jsonValueDecodableParams_readThemselves() throws {
        let given: JSONValue = ["anything": [1, .double(2.5), nil]]
        #expect(try ParamsDecoding.decode(Direct.self, from: given).json == given)
        #expect(try ParamsDecoding.decode(Direct.self, from: nil).json == .object([:]))
    }

    /// A method's way of reading its params is chosen where the method is declared (no
    /// runtime cast at registration): `Direct` params through the method, as the registry
    /// reads them, come straight from the message (through `Codable` they would lack
    /// their `json` member), and `Codable` params still refuse a member they do not read.
    @Test func aMethodReadsItsParamsTheWayItsParamsTypeChooses() throws {
        let given: JSONValue = ["anything": [1, .double(2.5), nil]]
        #expect(try DirectMethod.decodeParams(given).json == given)
        #expect(try DirectMethod.decodeParams(nil).json == .object([:]))
        #expect(try Subtract.decodeParams(["minuend": 3, "subtrahend": 1]).minuend == 3)
        #expect(throws: RPCError.self) { try Subtract.decodeParams(["minuend": 3, "subtrahend": 1, "extra": 1]) }
    }

    /// `decode(as:)` reads with the same decoder, but does not refuse unread members.
    @Test func decodeAs_ignoresUnreadMembers() throws {
        let value: JSONValue = ["loginId": "a", "password": "p", "extra": ["x": 1]]
        #expect(try value.decode(as: Login.self).loginId == "a")
    }
}

// MARK: Params types

private struct Login: Codable {
    var loginId: String
    var password: String
    var origin: String?
}

private struct Destination: Codable {
    enum Channel: String, Codable { case mail, sms }
    var channel: Channel
    var to: String
}

private struct Item: Codable {
    var name: String
}

private struct Outer: Codable {
    var destination: Destination
    var items: [Item]?
    var limit: UInt8?
}

private struct Free: Codable {
    var labels: [String: Int]
    var document: JSONValue
}

/// Reads its members through `allKeys` of an enum's keys.
private struct Listed: Codable {
    enum Keys: String, CodingKey { case one }
    var count = 0
    init(from decoder: any Decoder) throws {
        count = try decoder.container(keyedBy: Keys.self).allKeys.count
    }
    func encode(to encoder: any Encoder) throws {}
}

private struct AskingEveryWay: Decodable {
    enum Keys: String, CodingKey { case seen, nothing, parent, nested, list }
    enum NestedKeys: String, CodingKey { case k }
    enum ParentKeys: String, CodingKey { case id }

    init(from decoder: any Decoder) throws {
        let members = try decoder.container(keyedBy: Keys.self)
        _ = members.contains(.seen)
        _ = try members.decodeNil(forKey: .nothing)
        _ = try members.superDecoder(forKey: .parent).container(keyedBy: ParentKeys.self).decode(Int.self, forKey: .id)
        _ = try members.nestedContainer(keyedBy: NestedKeys.self, forKey: .nested).contains(.k)
        _ = try members.nestedUnkeyedContainer(forKey: .list)
    }
}

private struct TwoContainers: Decodable {
    enum First: String, CodingKey { case method }
    enum Second: String, CodingKey { case origin }
    init(from decoder: any Decoder) throws {
        _ = try decoder.container(keyedBy: First.self).decode(String.self, forKey: .method)
        _ = try decoder.container(keyedBy: Second.self).decodeIfPresent(String.self, forKey: .origin)
    }
}

/// Reads one object through two decoders at the same path: its own keyed container, and
/// a struct decoded again through a single-value container.
private struct Rewrapped: Decodable {
    struct Named: Decodable { var name: String }
    enum Keys: String, CodingKey { case inner }
    enum CountKey: String, CodingKey { case count }
    init(from decoder: any Decoder) throws {
        let inner = try decoder.container(keyedBy: Keys.self).superDecoder(forKey: .inner)
        _ = try inner.singleValueContainer().decode(Named.self)
        _ = try inner.container(keyedBy: CountKey.self).decode(Int.self, forKey: .count)
    }
}

/// A member tried as one struct, then another, then taken whole.
private struct Either: Decodable {
    struct AC: Decodable { var a: Int; var c: Int }
    struct B: Decodable { var b: Int }
    enum Keys: String, CodingKey { case value }
    init(from decoder: any Decoder) throws {
        let members = try decoder.container(keyedBy: Keys.self)
        if (try? members.decode(AC.self, forKey: .value)) != nil { return }
        if (try? members.decode(B.self, forKey: .value)) != nil { return }
        _ = try members.decode(JSONValue.self, forKey: .value)
    }
}

/// Throws its own `RPCError` from a nested member, as `LineAccess` does.
private struct Guarded: Decodable {
    struct Access: Decodable {
        init(from decoder: any Decoder) throws {
            enum Keys: String, CodingKey { case session, pin }
            let members = try decoder.container(keyedBy: Keys.self)
            if members.contains(.session), members.contains(.pin) {
                throw RPCError.invalidParams("access is one or the other.", reason: "invalid_access", field: "access")
            }
        }
    }
    var access: Access
}

private struct Dated: Codable {
    var at: Date
}

private struct Direct: Codable, Sendable, JSONValueDecodable, JSONSchemaDescribing {
    var json: JSONValue
    init(json: JSONValue) throws(RPCError) { self.json = json }
    static var jsonSchema: JSONSchema { JSONSchema(json: [:]) }
}

private enum DirectMethod: RPCMethod {
    static let name = "test.direct"
    static let access = MethodAccess.anyCaller
    static let summary = "Reads its params straight from the message."
    typealias Params = Direct
    typealias Result = Bool
}
