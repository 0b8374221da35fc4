/// Params a method reads straight from the parsed message, skipping `Codable`.
///
/// `Codable` params are decoded from the parsed `JSONValue` by `JSONValueDecoder`, through
/// the containers and boxes of `Codable`: fine for a login, much of the cost for a 512 KiB
/// batch of import rows. Such params conform here and refuse unknown members themselves.
public protocol JSONValueDecodable: SendableMetatype {
    init(json: JSONValue) throws(RPCError)
}

extension JSONValue {
    /// The members of an object, with every member outside `known` refused as the
    /// `Codable` params are (`unknown_member`); `at` prefixes the field names.
    public func members(known: Set<String>, at path: String = "") throws(RPCError) -> [String: JSONValue] {
        guard case .object(let members) = self else {
            throw .invalidParams("\(path.isEmpty ? "params" : "\"\(path)\"") must be an object.", reason: "wrong_type",
                                 field: path.isEmpty ? nil : path)
        }
        // Sorted only when there is one to name (the first in order, for a stable answer):
        // this runs for every row of an import batch.
        func isUnknown(_ key: String) -> Bool { !known.contains(key) && members[key] != .null }
        if members.keys.contains(where: isUnknown), let unknown = members.keys.sorted().first(where: isUnknown) {
            let field = String((path.isEmpty ? unknown : path + "." + unknown).prefix(100))
            throw .invalidParams("unknown member \"\(field)\".", reason: "unknown_member", field: field)
        }
        return members
    }
}
