import Foundation
import JSONRPC
import Logging
import Testing
import TestSupport

/// The JSON-RPC 2.0 specification's examples, and more, as golden text.
@Suite struct DispatcherTests {
    let dispatcher = Dispatcher(registry: testRegistry(), logger: Logger(label: "test"))
    let peer = PeerCredentials(pid: 1, uid: 1000, gid: 1000)

    func reply(_ line: String) async -> String? {
        await dispatcher.reply(to: Data(line.utf8), peer: peer).map { String(decoding: $0, as: UTF8.self) }
    }

    @Test(arguments: [
        // Positional and named params.
        (#"{"jsonrpc": "2.0", "method": "subtract", "params": [42, 23], "id": 1}"#,
         #"{"jsonrpc":"2.0","id":1,"result":19}"#),
        (#"{"jsonrpc": "2.0", "method": "subtract", "params": [23, 42], "id": 2}"#,
         #"{"jsonrpc":"2.0","id":2,"result":-19}"#),
        (#"{"jsonrpc": "2.0", "method": "subtract", "params": {"subtrahend": 23, "minuend": 42}, "id": 3}"#,
         #"{"jsonrpc":"2.0","id":3,"result":19}"#),
        // Ids echo exactly as given.
        (#"{"jsonrpc":"2.0","method":"sum","params":[1],"id":"abc"}"#, #"{"jsonrpc":"2.0","id":"abc","result":1}"#),
        (#"{"jsonrpc":"2.0","method":"sum","params":[1],"id":null}"#, #"{"jsonrpc":"2.0","id":null,"result":1}"#),
        (#"{"jsonrpc":"2.0","method":"sum","params":[1],"id":9007199254740993}"#,
         #"{"jsonrpc":"2.0","id":9007199254740993,"result":1}"#),
        (#"{"jsonrpc":"2.0","method":"sum","params":[1],"id":-7}"#, #"{"jsonrpc":"2.0","id":-7,"result":1}"#),
        (#"{"jsonrpc":"2.0","method":"sum","params":[1],"id":1.5}"#, #"{"jsonrpc":"2.0","id":1.5,"result":1}"#),
        // Errors of the specification.
        (#"{"jsonrpc": "2.0", "method": "foobar", "id": "1"}"#,
         #"{"jsonrpc":"2.0","id":"1","error":{"code":-32601,"data":{"method":"foobar","reason":"method_not_found"},"message":"Method not found."}}"#),
        (#"{"jsonrpc": "2.0", "method": "foobar, "params": "bar", "baz]"#,
         #"{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"data":{"reason":"parse_error"},"message":"Parse error: the message is not valid JSON."}}"#),
        (#"{"jsonrpc": "2.0", "method": 1, "params": "bar"}"#,
         #"{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"data":{"reason":"invalid_request"},"message":"Invalid request: \"method\" must be a string."}}"#),
        (#"{"jsonrpc": "1.0", "method": "sum", "id": 4}"#,
         #"{"jsonrpc":"2.0","id":4,"error":{"code":-32600,"data":{"reason":"invalid_request"},"message":"Invalid request: \"jsonrpc\" must be exactly \"2.0\"."}}"#),
        (#"{"jsonrpc": "2.0", "method": "sum", "params": 3, "id": 5}"#,
         #"{"jsonrpc":"2.0","id":5,"error":{"code":-32600,"data":{"reason":"invalid_request"},"message":"Invalid request: \"params\" must be an object or an array."}}"#),
        (#"{"jsonrpc": "2.0", "method": "sum", "id": {"a": 1}}"#,
         #"{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"data":{"reason":"invalid_request"},"message":"Invalid request: the id must be a string, a number or null."}}"#),
        (#"[]"#,
         #"{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"data":{"reason":"invalid_request"},"message":"Invalid request: an empty batch."}}"#),
        (#"[1]"#,
         #"[{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"data":{"reason":"invalid_request"},"message":"Invalid request: a request is a JSON object."}}]"#),
        (#"[1,2]"#,
         #"[{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"data":{"reason":"invalid_request"},"message":"Invalid request: a request is a JSON object."}},{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"data":{"reason":"invalid_request"},"message":"Invalid request: a request is a JSON object."}}]"#),
        ("\"plain string\"",
         #"{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"data":{"reason":"invalid_request"},"message":"Invalid request: a request is a JSON object."}}"#),
        // Mixed batch: answers for requests and invalid entries, none for notifications.
        (#"[{"jsonrpc": "2.0", "method": "sum", "params": [1,2,4], "id": "1"}, {"jsonrpc": "2.0", "method": "update", "params": [7]}, {"jsonrpc": "2.0", "method": "subtract", "params": [42,23], "id": "2"}, {"foo": "boo"}, {"jsonrpc": "2.0", "method": "foo.get", "params": {"name": "myself"}, "id": "5"}, {"jsonrpc": "2.0", "method": "get_data", "id": "9"}]"#,
         #"[{"jsonrpc":"2.0","id":"1","result":7},{"jsonrpc":"2.0","id":"2","result":19},{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"data":{"reason":"invalid_request"},"message":"Invalid request: \"jsonrpc\" must be exactly \"2.0\"."}},{"jsonrpc":"2.0","id":"5","error":{"code":-32601,"data":{"method":"foo.get","reason":"method_not_found"},"message":"Method not found."}},{"jsonrpc":"2.0","id":"9","result":["hello",5]}]"#),
        // Params errors name the member and rule.
        (#"{"jsonrpc":"2.0","method":"greet","params":{},"id":6}"#,
         #"{"jsonrpc":"2.0","id":6,"error":{"code":-32602,"data":{"field":"name","reason":"missing_member"},"message":"Invalid params: missing member \"name\"."}}"#),
        (#"{"jsonrpc":"2.0","method":"greet","params":{"name":"Taro","nickname":"T"},"id":7}"#,
         #"{"jsonrpc":"2.0","id":7,"error":{"code":-32602,"data":{"field":"nickname","reason":"unknown_member"},"message":"Invalid params: unknown member \"nickname\"."}}"#),
        (#"{"jsonrpc":"2.0","method":"greet","params":{"name":"Taro","title":null},"id":8}"#,
         #"{"jsonrpc":"2.0","id":8,"result":"Hello, Taro"}"#),
        (#"{"jsonrpc":"2.0","method":"subtract","params":{"minuend":1e400,"subtrahend":1},"id":9}"#,
         #"{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"data":{"reason":"parse_error"},"message":"Parse error: the message is not valid JSON."}}"#),
        (#"{"jsonrpc":"2.0","method":"subtract","params":{"minuend":99999999999999999999,"subtrahend":1},"id":10}"#,
         #"{"jsonrpc":"2.0","id":10,"error":{"code":-32602,"data":{"field":"minuend","reason":"invalid_value"},"message":"Invalid params: \"minuend\": Expected a whole number from -9223372036854775808 to 9223372036854775807."}}"#),
        (#"{"jsonrpc":"2.0","method":"subtract","params":{"minuend":"one","subtrahend":1},"id":13}"#,
         #"{"jsonrpc":"2.0","id":13,"error":{"code":-32602,"data":{"field":"minuend","reason":"wrong_type"},"message":"Invalid params: \"minuend\" has the wrong type: Expected to decode Int but found a string instead."}}"#),
        // Domain and unexpected errors.
        (#"{"jsonrpc":"2.0","method":"fail_domain","id":11}"#,
         #"{"jsonrpc":"2.0","id":11,"error":{"code":2001,"data":{"reason":"locked","unlocksAt":"2026-11-22T00:00:00+09:00"},"message":"The PIN is locked."}}"#),
        (#"{"jsonrpc":"2.0","method":"fail_unexpected","id":12}"#,
         #"{"jsonrpc":"2.0","id":12,"error":{"code":-32603,"data":{"reason":"internal"},"message":"Internal error."}}"#),
    ])
    func answers(_ request: String, _ expected: String) async {
        let answer = await reply(request)
        #expect(answer?.last == "\n")
        #expect(GoldenJSON.matches(answer, expected), "got \(answer ?? "nothing")")
    }

    @Test(arguments: [
        #"{"jsonrpc": "2.0", "method": "update", "params": [1,2,3,4,5]}"#,
        #"{"jsonrpc": "2.0", "method": "no_such_method"}"#,
        #"{"jsonrpc": "2.0", "method": "greet", "params": {"wrong": 1}}"#,
        #"[{"jsonrpc": "2.0", "method": "update", "params": [1,2,4]}, {"jsonrpc": "2.0", "method": "update", "params": [7]}]"#,
        "", "   ",
    ])
    func notificationsAndBlankLines_getNoAnswer(_ request: String) async {
        #expect(await reply(request) == nil)
    }

    @Test func deepNesting_isAParseErrorNotACrash() async {
        let answer = await reply(String(repeating: "[", count: 100_000))
        #expect(answer?.contains("-32700") == true)
        let closed = await reply(String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000))
        #expect(closed?.contains("\"error\"") == true)
    }

    @Test func invalidUTF8_isAParseError() async {
        var bytes = Data(#"{"jsonrpc":"2.0","method":"greet","params":{"name":""#.utf8)
        bytes.append(contentsOf: [0xFF, 0xFE, 0xC3])
        bytes.append(contentsOf: Data(#""},"id":1}"#.utf8))
        let answer = await dispatcher.reply(to: bytes, peer: peer).map { String(decoding: $0, as: UTF8.self) }
        #expect(answer?.contains("-32700") == true)
    }

    @Test func discovery_describesEveryMethodWithSchemas() async throws {
        let answer = try #require(await reply(#"{"jsonrpc":"2.0","method":"rpc.discover","id":1}"#))
        let document = try #require(GoldenJSON.parse(answer)?["result"])
        #expect(document["openrpc"] == "1.3.2")
        guard case .array(let methods)? = document["methods"] else {
            Issue.record("no methods")
            return
        }
        let names = methods.compactMap { $0["name"]?.stringValue }
        #expect(names == names.sorted())
        #expect(Set(names).isSuperset(of: ["rpc.discover", "subtract", "greet", "whoami"]))
        let greet = try #require(methods.first { $0["name"] == "greet" })
        #expect(greet["params"] == [
            ["name": "name", "required": true, "schema": ["type": "string"]],
            ["name": "title", "required": false, "schema": ["type": "string"]],
        ])
    }
    /// A reply line stops growing at the cap: the entry that would pass it is answered
    /// `reply_too_large`, and later entries of the batch are not run.
    @Test func aBatchReply_stopsAtTheReplyCap() async throws {
        var limits = Dispatcher.Limits()
        limits.maximumReplyBytes = 4096
        let capped = Dispatcher(registry: testRegistry(), logger: Logger(label: "test"), limits: limits)
        let discover = #"{"jsonrpc":"2.0","method":"rpc.discover","id":7}"#
        let line = "[" + Array(repeating: discover, count: 10).joined(separator: ",") + "]"
        let bytes = try #require(await capped.reply(to: Data(line.utf8), peer: peer))
        let answer = String(decoding: bytes, as: UTF8.self)
        #expect(answer.utf8.count <= 4096, "\(answer.utf8.count) bytes")
        // The first document fits; the second would pass the cap, so it and the rest are refused.
        #expect(answer.components(separatedBy: #""openrpc""#).count - 1 == 1)
        #expect(answer.components(separatedBy: "reply_too_large").count - 1 == 9)
    }

    @Test func aBatchOverTheEntryCap_isRefusedWhole() async throws {
        let line = "[" + Array(repeating: #"{"jsonrpc":"2.0","method":"update","id":1}"#, count: 101).joined(separator: ",") + "]"
        let answer = try #require(await reply(line))
        #expect(answer == #"{"jsonrpc":"2.0","id":null,"error":{"code":-32004,"data":{"limit":100,"reason":"batch_too_large"},"message":"A batch may hold at most 100 entries; none was run."}}"# + "\n")
    }

    /// A request whose deadline has passed is not run; one with time left is.
    @Test func aRequestPastItsDeadline_isNotStarted() async throws {
        let past = CallDeadline.monotonicNow() - 1
        let late = try #require(await reply(#"{"jsonrpc":"2.0","method":"subtract","params":[5,3],"id":1,"deadline":\#(past)}"#))
        #expect(late.contains("-32003") && late.contains("deadline_exceeded"))
        let future = CallDeadline.after(.seconds(30)).nanoseconds
        let inTime = try #require(await reply(#"{"jsonrpc":"2.0","method":"subtract","params":[5,3],"id":1,"deadline":\#(future)}"#))
        #expect(inTime == #"{"jsonrpc":"2.0","id":1,"result":2}"# + "\n")
        let bad = try #require(await reply(#"{"jsonrpc":"2.0","method":"subtract","params":[5,3],"id":1,"deadline":"soon"}"#))
        #expect(bad.contains("-32600"))
    }
}
