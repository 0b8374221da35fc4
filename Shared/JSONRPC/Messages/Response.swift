import Foundation

/// One answer: the echoed id and either an encoded result or an error.
public struct Response: Sendable, Hashable {
    public enum Outcome: Sendable, Hashable {
        /// The result, already encoded as JSON.
        case result(Data)
        case error(RPCError)
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

    /// The response as compact JSON: `{"jsonrpc":"2.0","id":…,"result":…}` or with `"error"`.
    public func encoded() -> Data {
        var out = Data(#"{"jsonrpc":"2.0","id":"#.utf8)
        if case .int(let number) = id {
            out.append(contentsOf: String(number).utf8)
        } else {
            out.append(contentsOf: id.jsonValue.compactJSON)
        }
        switch outcome {
        case .result(let result):
            out.append(contentsOf: #","result":"#.utf8)
            out.append(result)
        case .error(let error):
            out.append(contentsOf: #","error":"#.utf8)
            out.append(Self.encode(error))
        }
        out.append(UInt8(ascii: "}"))
        return out
    }

    /// A whole reply line: one response, or a batch's responses as one array, then `\n`.
    public static func line(for responses: [Response], asBatch: Bool) -> Data {
        line(encoded: responses.map { $0.encoded() }, asBatch: asBatch)
    }

    /// A whole reply line from responses already encoded.
    public static func line(encoded responses: [Data], asBatch: Bool) -> Data {
        var out = Data()
        if asBatch { out.append(UInt8(ascii: "[")) }
        for (index, response) in responses.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            out.append(response)
        }
        if asBatch { out.append(UInt8(ascii: "]")) }
        out.append(UInt8(ascii: "\n"))
        return out
    }

    private static func encode(_ value: some Encodable) -> Data {
        // Errors are plain values; encoding them cannot fail.
        (try? JSONCoding.sharedEncoder.encode(value)) ?? Data("null".utf8)
    }
}

/// The members of a response as a client reads them.
public struct ResponseEnvelope<Result: Decodable>: Decodable {
    public var id: RequestID?
    public var result: Result?
    public var error: RPCError?
}
