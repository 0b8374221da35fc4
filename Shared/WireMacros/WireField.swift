import SwiftSyntax
import SwiftSyntaxMacros

/// A stored property of a `@WireObject` struct, as the macro reads it.
struct WireField {
    var name: String
    var type: String
    var isOptional: Bool
    var initialValue: String?
    /// The member's name in JSON; nil when `CodingKeys` leaves the property out.
    var wireName: String?
    /// The property's `///` comment, joined into one line.
    var description: String?
    /// The expression of its `@WireSchema(…)`, if any.
    var schemaOverride: String?

    /// The stored instance properties of `declaration`, in order.
    static func all(in declaration: some DeclGroupSyntax) throws -> [WireField] {
        let codingKeys = CodingKeyNames(in: declaration)
        var fields: [WireField] = []
        for member in declaration.memberBlock.members {
            guard let variable = member.decl.as(VariableDeclSyntax.self), !isStatic(variable) else { continue }
            for binding in variable.bindings {
                guard let identifier = binding.pattern.as(IdentifierPatternSyntax.self), isStored(binding) else { continue }
                let name = identifier.identifier.trimmedDescription
                guard let type = binding.typeAnnotation?.type else {
                    throw MacroExpansionErrorMessage("@WireObject needs the type of '\(name)' written out")
                }
                // A `let` with a value is not set by the initialiser nor decoded.
                if variable.bindingSpecifier.tokenKind == .keyword(.let), binding.initializer != nil { continue }
                fields.append(
                    WireField(
                        name: name, type: type.trimmedDescription, isOptional: isOptional(type),
                        initialValue: binding.initializer?.value.trimmedDescription,
                        wireName: codingKeys.wireName(of: name), description: documentation(of: variable),
                        schemaOverride: schemaOverride(of: variable)))
            }
        }
        return fields
    }

    private static func isStatic(_ variable: VariableDeclSyntax) -> Bool {
        variable.modifiers.contains { [.keyword(.static), .keyword(.class)].contains($0.name.tokenKind) }
    }

    /// True unless the binding computes its value (observers still store one).
    private static func isStored(_ binding: PatternBindingSyntax) -> Bool {
        switch binding.accessorBlock?.accessors {
        case nil: return true
        case .getter: return false
        case .accessors(let accessors):
            return accessors.allSatisfy { [.keyword(.willSet), .keyword(.didSet)].contains($0.accessorSpecifier.tokenKind) }
        }
    }

    private static func isOptional(_ type: TypeSyntax) -> Bool {
        if type.is(OptionalTypeSyntax.self) || type.is(ImplicitlyUnwrappedOptionalTypeSyntax.self) { return true }
        if let named = type.as(IdentifierTypeSyntax.self) { return named.name.text == "Optional" }
        return false
    }

    private static func documentation(of variable: VariableDeclSyntax) -> String? {
        let lines = variable.leadingTrivia.compactMap { piece -> String? in
            guard case .docLineComment(let text) = piece else { return nil }
            return text.dropFirst(3).trimmingCharacters(in: " ")
        }
        return lines.isEmpty ? nil : lines.joined(separator: " ")
    }

    private static func schemaOverride(of variable: VariableDeclSyntax) -> String? {
        for case .attribute(let attribute) in variable.attributes
        where attribute.attributeName.trimmedDescription == "WireSchema" {
            if case .argumentList(let arguments) = attribute.arguments, let first = arguments.first {
                return first.expression.trimmedDescription
            }
        }
        return nil
    }
}

/// The names a nested `enum CodingKeys` gives, when the struct declares one.
private struct CodingKeyNames {
    /// Property name to member name; nil when the struct has no `CodingKeys`.
    private var names: [String: String]?

    init(in declaration: some DeclGroupSyntax) {
        for member in declaration.memberBlock.members {
            guard let keys = member.decl.as(EnumDeclSyntax.self), keys.name.text == "CodingKeys" else { continue }
            var names: [String: String] = [:]
            for keyMember in keys.memberBlock.members {
                guard let cases = keyMember.decl.as(EnumCaseDeclSyntax.self) else { continue }
                for element in cases.elements {
                    let property = element.name.text
                    let literal = element.rawValue?.value.as(StringLiteralExprSyntax.self)?.representedLiteralValue
                    names[property] = literal ?? property
                }
            }
            self.names = names
        }
    }

    func wireName(of property: String) -> String? {
        guard let names else { return property }
        return names[property]
    }
}

private extension StringProtocol {
    func trimmingCharacters(in character: Character) -> String {
        String(drop { $0 == character }.reversed().drop { $0 == character }.reversed())
    }
}
