/// `rpc.discover`: the OpenRPC document of the service, generated from its registry.
public enum RPCDiscover: RPCMethod {
    public static let name = "rpc.discover"
    public static let summary = "Describes every method of this service as an OpenRPC document."
    public static let access = MethodAccess.anyCaller

    /// The OpenRPC document (`openrpc`, `info`, `methods`).
    public struct Result: Codable, Sendable, Hashable, JSONSchemaDescribing {
        public var document: JSONValue

        public init(document: JSONValue) { self.document = document }
        public init(from decoder: any Decoder) throws { document = try JSONValue(from: decoder) }
        public func encode(to encoder: any Encoder) throws { try document.encode(to: encoder) }

        public static var jsonSchema: JSONSchema {
            JSONSchema(json: ["$ref": "https://meta.open-rpc.org/"])
        }
    }

    /// The OpenRPC 1.3 document for `methods`.
    public static func document(title: String, version: String, methods: [MethodDescription]) -> JSONValue {
        [
            "openrpc": "1.3.2",
            "info": ["title": .string(title), "version": .string(version)],
            "methods": .array(methods.map(describe)),
        ]
    }

    private static func describe(_ method: MethodDescription) -> JSONValue {
        // Params go by name: one OpenRPC parameter per member of the params object.
        var params: [JSONValue] = []
        let required = Set(method.params.json["required"].flatMap { value -> [String]? in
            if case .array(let names) = value { return names.compactMap(\.stringValue) }
            return nil
        } ?? [])
        if case .object(let properties)? = method.params.json["properties"] {
            for (name, schema) in properties.sorted(by: { $0.key < $1.key }) {
                params.append(["name": .string(name), "required": .bool(required.contains(name)), "schema": schema])
            }
        }
        var description: [String: JSONValue] = [
            "name": .string(method.name),
            "summary": .string(method.summary),
            // Who may call it (any, service, operator): an OpenRPC extension field.
            "x-access": .string(method.access.rawValue),
            "paramStructure": "by-name",
            "params": .array(params),
            "result": ["name": "result", "schema": method.result.json],
        ]
        if !method.errors.isEmpty {
            description["errors"] = .array(
                method.errors.map { error in
                    var entry: [String: JSONValue] = ["code": .int(Int64(error.code.rawValue)), "message": .string(error.message)]
                    entry["data"] = error.data
                    return .object(entry)
                })
        }
        return .object(description)
    }
}

extension MethodRegistry {
    /// Registers `rpc.discover` answering with this registry's own methods (itself included).
    public mutating func registerDiscovery(title: String, version: String) {
        var withDiscovery = self
        withDiscovery.register(RPCDiscover.self) { _, _ in RPCDiscover.Result(document: .null) }
        registerLazyConstant(RPCDiscover.self) { [withDiscovery] in
            RPCDiscover.Result(document: RPCDiscover.document(title: title, version: version, methods: withDiscovery.descriptions))
        }
    }
}
