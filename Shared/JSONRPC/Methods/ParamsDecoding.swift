import Foundation

/// Decodes a method's params, turning every failure into an Invalid params error that
/// names the member and the rule, never the value.
enum ParamsDecoding {
    static func decode<P: Decodable & Encodable>(_ type: P.Type, from params: JSONValue?) throws -> P {
        let given = params ?? .object([:])
        if let direct = P.self as? any JSONValueDecodable.Type {
            return try direct.init(json: given) as! P
        }
        let decoded: P
        do {
            decoded = try given.decode(as: P.self)
        } catch let error as DecodingError {
            throw invalidParams(from: error)
        }
        try refuseUnknownMembers(given: given, decoded: decoded)
        return decoded
    }

    /// Synthesised `Decodable` ignores members it does not know; a caller's typo should
    /// not pass silently, so any non-null member the type does not read is refused.
    private static func refuseUnknownMembers(given: JSONValue, decoded: some Encodable) throws {
        guard case .object(let members) = given, !members.isEmpty else { return }
        guard case .object(let known)? = try? JSONValue(encoding: decoded) else { return }
        _ = try given.members(known: Set(known.keys))
    }

    private static func invalidParams(from error: DecodingError) -> RPCError {
        func path(_ context: DecodingError.Context) -> String {
            context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
        }
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
        case .dataCorrupted(let context)
        where context.codingPath.isEmpty && context.debugDescription.hasSuffix("not valid JSON."):
            // The params were re-encoded from valid JSON, so "not valid JSON" here is how
            // Foundation reports a number too large for its member, without a path.
            return .invalidParams("a value could not be read (is a number out of range?).", reason: "invalid_value")
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
