import Foundation

/// A JSON Schema (draft 2020-12 subset) describing a method's params or result, for
/// `rpc.discover`.
public struct JSONSchema: Sendable, Hashable, Encodable {
    /// The schema as JSON.
    public var json: JSONValue

    public init(json: JSONValue) { self.json = json }

    public func encode(to encoder: any Encoder) throws { try json.encode(to: encoder) }

    /// A string, optionally constrained by a regular expression or a format.
    public static func string(pattern: String? = nil, format: String? = nil, description: String? = nil) -> JSONSchema {
        var members: [String: JSONValue] = ["type": "string"]
        members["pattern"] = pattern.map(JSONValue.string)
        members["format"] = format.map(JSONValue.string)
        members["description"] = description.map(JSONValue.string)
        return JSONSchema(json: .object(members))
    }

    /// An integer, optionally bounded.
    public static func integer(minimum: Int64? = nil, maximum: Int64? = nil, description: String? = nil) -> JSONSchema {
        var members: [String: JSONValue] = ["type": "integer"]
        members["minimum"] = minimum.map(JSONValue.int)
        members["maximum"] = maximum.map(JSONValue.int)
        members["description"] = description.map(JSONValue.string)
        return JSONSchema(json: .object(members))
    }

    public static let number = JSONSchema(json: ["type": "number"])
    public static let boolean = JSONSchema(json: ["type": "boolean"])

    /// One of the given string values.
    public static func enumeration(_ values: [String]) -> JSONSchema {
        JSONSchema(json: ["type": "string", "enum": .array(values.map(JSONValue.string))])
    }

    /// An array whose items all follow `items`.
    public static func array(of items: JSONSchema) -> JSONSchema {
        JSONSchema(json: ["type": "array", "items": items.json])
    }

    /// An object with the given properties; `required` lists those that must be present.
    /// Unknown members are refused, as the decoders refuse them.
    public static func object(
        _ properties: [String: JSONSchema], required: [String] = [], description: String? = nil
    ) -> JSONSchema {
        var members: [String: JSONValue] = [
            "type": "object",
            "properties": .object(properties.mapValues(\.json)),
            "additionalProperties": false,
        ]
        if !required.isEmpty { members["required"] = .array(required.sorted().map(JSONValue.string)) }
        members["description"] = description.map(JSONValue.string)
        return JSONSchema(json: .object(members))
    }
}

/// A type that can describe its JSON form as a schema.
public protocol JSONSchemaDescribing {
    static var jsonSchema: JSONSchema { get }
}

extension String: JSONSchemaDescribing { public static var jsonSchema: JSONSchema { .string() } }
extension Bool: JSONSchemaDescribing { public static var jsonSchema: JSONSchema { .boolean } }
extension Int: JSONSchemaDescribing { public static var jsonSchema: JSONSchema { .integer() } }
extension Int64: JSONSchemaDescribing { public static var jsonSchema: JSONSchema { .integer() } }
extension Double: JSONSchemaDescribing { public static var jsonSchema: JSONSchema { .number } }
extension Date: JSONSchemaDescribing {
    public static var jsonSchema: JSONSchema { .string(format: "date-time") }
}
extension Array: JSONSchemaDescribing where Element: JSONSchemaDescribing {
    public static var jsonSchema: JSONSchema { .array(of: Element.jsonSchema) }
}
extension Optional: JSONSchemaDescribing where Wrapped: JSONSchemaDescribing {
    public static var jsonSchema: JSONSchema { Wrapped.jsonSchema }
}

extension JSONSchemaDescribing where Self: CaseIterable & RawRepresentable, RawValue == String {
    /// One of the cases' raw values: a string enumeration describes itself.
    public static var jsonSchema: JSONSchema { .enumeration(allCases.map(\.rawValue)) }
}
