import Foundation
import NIOCore
import NIOFoundationCompat

/// One answer: the echoed id and either an encoded result or an error.
public struct Response: Sendable, Hashable {
    public enum Outcome: Sendable, Hashable {
        /// The result, already encoded as JSON.
        case result(Data)
        case error(RPCError)

        /// The error, when the call was refused.
        public var refusal: RPCError? {
            if case .error(let error) = self { error } else { nil }
        }
    }

    public var id: RequestID
    public var outcome: Outcome

    public init(id: RequestID, outcome: Outcome) {
        self.id = id
        self.outcome = outcome
    }

    public static func error(_ error: RPCError, id: RequestID) -> Response {
        Response(id: id, outcome: .error(error))
    }

    /// Writes the response as compact JSON: `{"jsonrpc":"2.0","id":…,"result":…}` or with
    /// `"error"`. Straight into the connection's buffer: no intermediate copies.
    public func write(into out: inout ByteBuffer) {
        out.writeStaticString(#"{"jsonrpc":"2.0","id":"#)
        if case .int(let number) = id {
            out.writeDecimal(number)
        } else {
            out.writeBytes(id.jsonValue.compactJSON)
        }
        switch outcome {
        case .result(let result):
            out.writeStaticString(#","result":"#)
            out.writeBytes(result)
        case .error(let error):
            out.writeStaticString(#","error":"#)
            // Errors are plain values; encoding them cannot fail.
            out.writeBytes((try? JSONValueEncoder.json(error)) ?? Data("null".utf8))
        }
        out.writeStaticString("}")
    }

    /// The response as compact JSON.
    public func encoded() -> Data {
        var out = ByteBuffer()
        write(into: &out)
        return Data(buffer: out)
    }

    /// Writes this response as a whole reply line (a single call's), ending in `\n`.
    public func writeLine(into out: inout ByteBuffer) {
        write(into: &out)
        out.writeStaticString("\n")
    }

    /// Writes a whole reply line: one response, or a batch's responses as one array, then
    /// `\n`.
    public static func writeLine(_ responses: [Response], asBatch: Bool, into out: inout ByteBuffer) {
        if asBatch { out.writeStaticString("[") }
        for (index, response) in responses.enumerated() {
            if index > 0 { out.writeStaticString(",") }
            response.write(into: &out)
        }
        if asBatch { out.writeStaticString("]") }
        out.writeStaticString("\n")
    }

    /// A whole reply line, as `writeLine` writes it.
    public static func line(for responses: [Response], asBatch: Bool) -> Data {
        var out = ByteBuffer()
        writeLine(responses, asBatch: asBatch, into: &out)
        return Data(buffer: out)
    }
}

extension ByteBuffer {
    /// Writes `number` in decimal, as JSON writes it, without making a `String` of it.
    mutating func writeDecimal(_ number: Int64) {
        if number < 0 { writeStaticString("-") }
        var magnitude = number.magnitude
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // room for 20 digits, filled from the end
        var count = 0
        withUnsafeMutableBytes(of: &digits) { room in
            repeat {
                count += 1
                room[24 - count] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            _ = writeBytes(UnsafeRawBufferPointer(rebasing: room[(24 - count)...]))
        }
    }
}
