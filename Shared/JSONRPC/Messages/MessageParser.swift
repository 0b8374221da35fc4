import Foundation
import NIOCore

/// Turns one line of bytes into an `IncomingMessage`, applying the specification's rules
/// for requests, notifications and batches.
public enum MessageParser {
    public static func parse(_ bytes: Data) -> IncomingMessage {
        bytes.withUnsafeBytes { parse($0) }
    }

    /// Parses a line as it arrived from the socket, without copying it.
    public static func parse(_ bytes: ByteBuffer) -> IncomingMessage {
        bytes.withUnsafeReadableBytes { parse($0) }
    }

    private static func parse(_ bytes: UnsafeRawBufferPointer) -> IncomingMessage {
        let message: JSONReader.Message
        do {
            message = try JSONReader.readMessage(bytes)
        } catch {
            // Invalid JSON, invalid UTF-8, nesting beyond the decoder's depth limit, a
            // number no Double can hold: all "not JSON we can read".
            return .unreadable(.parseError())
        }
        switch message {
        case .request(let members):
            return .single(entry(from: members))
        case .other(.array(let elements)):
            guard !elements.isEmpty else { return .unreadable(.invalidRequest("an empty batch.")) }
            return .batch(elements.map(entry(from:)))
        case .other(let value):
            return .single(entry(from: value))
        }
    }

    /// Reads one request object, or says why it is not one.
    public static func entry(from value: JSONValue) -> IncomingEntry {
        guard case .object(let members) = value else {
            return .invalid(.invalidRequest("a request is a JSON object."), id: .null)
        }
        return entry(
            from: JSONReader.RequestMembers(
                jsonrpc: members["jsonrpc"], id: members["id"], method: members["method"], params: members["params"],
                deadline: members["deadline"]))
    }

    private static func entry(from members: JSONReader.RequestMembers) -> IncomingEntry {
        var id: RequestID? = nil
        if let rawID = members.id {
            guard let parsed = RequestID(rawID) else {
                return .invalid(.invalidRequest("the id must be a string, a number or null."), id: .null)
            }
            id = parsed
        }
        guard members.jsonrpc == .string("2.0") else {
            return .invalid(.invalidRequest("\"jsonrpc\" must be exactly \"2.0\"."), id: id ?? .null)
        }
        guard case .string(let method)? = members.method else {
            return .invalid(.invalidRequest("\"method\" must be a string."), id: id ?? .null)
        }
        let params = members.params
        switch params {
        case nil, .object?, .array?: break
        default:
            return .invalid(.invalidRequest("\"params\" must be an object or an array."), id: id ?? .null)
        }
        var deadline: CallDeadline? = nil
        if let rawDeadline = members.deadline {
            guard case .int(let nanoseconds) = rawDeadline, nanoseconds >= 0 else {
                return .invalid(
                    .invalidRequest("\"deadline\" must be a whole number of nanoseconds on CLOCK_MONOTONIC."),
                    id: id ?? .null)
            }
            deadline = CallDeadline(nanoseconds: UInt64(nanoseconds))
        }
        return .request(Request(id: id, method: method, params: params, deadline: deadline))
    }
}
