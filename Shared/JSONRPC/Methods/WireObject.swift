/// Writes a wire struct's memberwise initialiser and its JSON schema (`JSONSchemaDescribing`)
/// from its stored properties, so that each field of a method's params or result is
/// declared once: its name and type (optional ones not required, defaulting to nil in the
/// initialiser), its `///` comment as the schema's description, its member name from a
/// nested `CodingKeys` if there is one. `description` describes the object as a whole (a
/// rule between its members); `memberwise: false` leaves the initialiser to the struct, for
/// one that validates its fields.
@attached(member, names: named(init), named(jsonSchema))
@attached(extension, conformances: JSONSchemaDescribing)
public macro WireObject(description: String? = nil, memberwise: Bool = true) = #externalMacro(module: "WireMacros", type: "WireObjectMacro")

/// The schema of one property of a `@WireObject` struct when its type's own is not the
/// whole rule: `@WireSchema(.integer(minimum: 1, maximum: 100)) var limit: Int?`.
@attached(peer)
public macro WireSchema(_ schema: JSONSchema) = #externalMacro(module: "WireMacros", type: "WireSchemaMacro")

extension JSONSchema {
    /// The schema of `type`; what `@WireObject` writes for a property.
    public static func describing<T: JSONSchemaDescribing>(_ type: T.Type) -> JSONSchema { T.jsonSchema }

    /// `schema` with `description`, unless it has one already; what `@WireObject` writes
    /// for a documented property.
    public static func field(_ schema: JSONSchema, description: String) -> JSONSchema { schema.described(description) }

    /// This schema with `text` as its description, unless it has one already.
    public func described(_ text: String) -> JSONSchema {
        guard case .object(var members) = json, members["description"] == nil else { return self }
        members["description"] = .string(text)
        return JSONSchema(json: .object(members))
    }
}
