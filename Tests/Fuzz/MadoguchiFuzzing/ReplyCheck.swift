import Foundation
import JSONRPC

/// The rules every reply line keeps, whatever came in: one line of JSON holding one
/// response object or a non-empty array of them, each with `"jsonrpc": "2.0"`, an `id`,
/// and exactly one of `result` and `error` (an error with an integer code and a message).
enum ReplyCheck {
    static func problems(in reply: Data?) -> [String] {
        guard let reply else { return [] }
        guard reply.last == UInt8(ascii: "\n"), !reply.dropLast().contains(UInt8(ascii: "\n")) else {
            return ["the reply is not exactly one line"]
        }
        guard let value = try? JSONValue.parse(Data(reply.dropLast())) else { return ["the reply is not JSON"] }
        switch value {
        case .object:
            return problems(inResponse: value)
        case .array(let responses) where !responses.isEmpty:
            return responses.flatMap(problems(inResponse:))
        default:
            return ["the reply is neither a response nor a non-empty batch of them"]
        }
    }

    private static func problems(inResponse response: JSONValue) -> [String] {
        guard case .object(let members) = response else { return ["a batch holds a non-object"] }
        var found: [String] = []
        if members["jsonrpc"] != .string("2.0") { found.append("a response without \"jsonrpc\": \"2.0\"") }
        if members["id"] == nil { found.append("a response without an id") }
        switch (members["result"], members["error"]) {
        case (nil, let error?):
            guard case .int? = error["code"], case .string? = error["message"] else {
                found.append("an error without an integer code and a message")
                break
            }
        case (_?, nil):
            break
        default:
            found.append("a response without exactly one of result and error")
        }
        return found
    }
}
