import Foundation

/// Decodes a method's params, turning every failure into an Invalid params error that
/// names the member and the rule, never the value.
enum ParamsDecoding {
    static func decode<P: Decodable & SendableMetatype>(_ type: P.Type, from params: JSONValue?) throws -> P {
        try decoder(for: P.self)(params)
    }

    /// Decodes params of type `P`, the way to read them (straight from the message for a
    /// `JSONValueDecodable` type, else `Codable`) chosen once here rather than at every
    /// call.
    static func decoder<P: Decodable & SendableMetatype>(for type: P.Type) -> @Sendable (JSONValue?) throws -> P {
        if let direct = P.self as? any JSONValueDecodable.Type {
            return { params in try direct.init(json: params ?? .object([:])) as! P }
        }
        return { params in try decodeCodable(P.self, from: params ?? .object([:])) }
    }

    /// Checks params as `decoder(for:)` reads them, for a method whose answer does not
    /// depend on them: a `JSONValueDecodable` value is not even cast to `P`.
    static func checker<P: Decodable & SendableMetatype>(for type: P.Type) -> @Sendable (JSONValue?) throws -> Void {
        if let direct = P.self as? any JSONValueDecodable.Type {
            return { params in _ = try direct.init(json: params ?? .object([:])) }
        }
        return { params in _ = try decodeCodable(P.self, from: params ?? .object([:])) }
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
