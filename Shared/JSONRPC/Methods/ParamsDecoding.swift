import Foundation

/// Decodes a method's params, turning every failure into an Invalid params error that
/// names the member and the rule, never the value.
enum ParamsDecoding {
    /// Decodes `Codable` params: `JSONValueDecoder` over the parsed message, refusing any
    /// member the type did not read.
    static func decode<P: Decodable>(_ type: P.Type, from params: JSONValue?) throws -> P {
        try decodeCodable(P.self, from: params ?? .object([:]))
    }

    /// Decodes params that read themselves straight from the parsed message, skipping
    /// `Codable` (the more specific overload wins wherever the type is known to be one).
    static func decode<P: Decodable & JSONValueDecodable>(_ type: P.Type, from params: JSONValue?) throws -> P {
        try P(json: params ?? .object([:]))
    }

    private static func decodeCodable<P: Decodable>(_ type: P.Type, from given: JSONValue) throws -> P {
        let decoded: (value: P, unreadMember: String?)
        do {
            decoded = try JSONValueDecoder().decodeFindingUnreadMember(P.self, from: given)
        } catch let error as DecodingError {
            throw invalidParams(from: error)
        }
        // Synthesised `Decodable` ignores members it does not know; a caller's typo should
        // not pass silently, so any non-null member the type did not read, at any depth,
        // is refused.
        if let field = decoded.unreadMember {
            throw RPCError.invalidParams("unknown member \"\(field)\".", reason: "unknown_member", field: field)
        }
        return decoded.value
    }

    private static func invalidParams(from error: DecodingError) -> RPCError {
        func path(_ context: DecodingError.Context) -> String { JSONValueDecoder.dottedPath(context.codingPath) }
        switch error {
        case .keyNotFound(let key, let context):
            let field = (path(context).isEmpty ? "" : path(context) + ".") + key.stringValue
            return .invalidParams("missing member \"\(field)\".", reason: "missing_member", field: field)
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            let field = path(context)
            let name = field.isEmpty ? "params" : "\"\(field)\""
            return .invalidParams(
                "\(name) has the wrong type: \(context.debugDescription)", reason: "wrong_type",
                field: field.isEmpty ? nil : field)
        case .dataCorrupted(let context):
            let field = path(context)
            let name = field.isEmpty ? "params" : "\"\(field)\""
            return .invalidParams(
                "\(name): \(context.debugDescription)", reason: "invalid_value", field: field.isEmpty ? nil : field)
        @unknown default:
            return .invalidParams("the params could not be read.")
        }
    }
}
