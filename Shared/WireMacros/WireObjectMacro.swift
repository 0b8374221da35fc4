import SwiftDiagnostics
import SwiftSyntax
import SwiftSyntaxBuilder
import SwiftSyntaxMacros

/// `@WireObject` on a struct of the wire contract (a method's params or result): writes the
/// memberwise initialiser and the JSON schema from the stored properties themselves, so
/// that a field is declared once. A property's `///` comment becomes its description in
/// the schema; `@WireSchema(…)` on a property replaces the schema of its type (a pattern,
/// a bound); a nested `CodingKeys` renames or leaves out members as it does for `Codable`.
public struct WireObjectMacro: MemberMacro, ExtensionMacro {
    public static func expansion(
        of node: AttributeSyntax, providingMembersOf declaration: some DeclGroupSyntax,
        conformingTo protocols: [TypeSyntax], in context: some MacroExpansionContext
    ) throws -> [DeclSyntax] {
        guard declaration.is(StructDeclSyntax.self) else {
            throw MacroExpansionErrorMessage("@WireObject applies to a struct")
        }
        let fields = try WireField.all(in: declaration)
        let access = declaration.modifiers.contains { $0.name.tokenKind == .keyword(.public) } ? "public " : ""
        let schema = schema(fields, access: access, description: argument("description", of: node))
        // `memberwise: false`: the struct validates in an initialiser of its own.
        guard argument("memberwise", of: node) != "false" else { return [schema] }
        return [initializer(fields, access: access), schema]
    }

    public static func expansion(
        of node: AttributeSyntax, attachedTo declaration: some DeclGroupSyntax,
        providingExtensionsOf type: some TypeSyntaxProtocol, conformingTo protocols: [TypeSyntax],
        in context: some MacroExpansionContext
    ) throws -> [ExtensionDeclSyntax] {
        guard !protocols.isEmpty else { return [] }
        return [try ExtensionDeclSyntax("extension \(type.trimmed): JSONSchemaDescribing {}")]
    }

    /// The memberwise initialiser, public when the struct is: optional fields default to
    /// nil, fields with an initial value default to it.
    private static func initializer(_ fields: [WireField], access: String) -> DeclSyntax {
        let parameters = fields.map { field -> String in
            if let initial = field.initialValue { return "\(field.name): \(field.type) = \(initial)" }
            return field.isOptional ? "\(field.name): \(field.type) = nil" : "\(field.name): \(field.type)"
        }
        let assignments = fields.map { "self.\($0.name) = \($0.name)" }
        return """
            \(raw: access)init(\(raw: parameters.joined(separator: ", "))) {
            \(raw: assignments.joined(separator: "\n"))
            }
            """
    }

    /// The object schema: one property per coded field, the non-optional ones required.
    private static func schema(_ fields: [WireField], access: String, description: String?) -> DeclSyntax {
        let coded = fields.filter { $0.wireName != nil }
        let properties = coded.map { field -> String in
            var schema = field.schemaOverride ?? "JSONSchema.describing(\(field.type).self)"
            if let description = field.description {
                schema = "JSONSchema.field(\(schema), description: \(StringLiteralExprSyntax(content: description)))"
            }
            return "\(StringLiteralExprSyntax(content: field.wireName!)): \(schema)"
        }
        let required = coded.filter { !$0.isOptional }.map { "\(StringLiteralExprSyntax(content: $0.wireName!))" }
        let members = properties.isEmpty ? "[:]" : "[\(properties.joined(separator: ", "))]"
        return """
            \(raw: access)static var jsonSchema: JSONSchema {
            .object(\(raw: members), required: [\(raw: required.joined(separator: ", "))], description: \(raw: description ?? "nil"))
            }
            """
    }
}

extension WireObjectMacro {
    /// The expression given for `label` in `@WireObject(…)`.
    fileprivate static func argument(_ label: String, of node: AttributeSyntax) -> String? {
        guard case .argumentList(let arguments) = node.arguments else { return nil }
        return arguments.first { $0.label?.text == label }?.expression.trimmedDescription
    }
}

/// `@WireSchema(…)`: read by `@WireObject`; expands to nothing itself.
public struct WireSchemaMacro: PeerMacro {
    public static func expansion(
        of node: AttributeSyntax, providingPeersOf declaration: some DeclSyntaxProtocol,
        in context: some MacroExpansionContext
    ) throws -> [DeclSyntax] { [] }
}
