import SwiftDiagnostics
import SwiftSyntax
import SwiftSyntaxBuilder
import SwiftSyntaxMacros

/// `@DirectlyParsable` on a service's options struct, whose stored properties are all
/// `@Option(help: …)`: writes `parseDirectly(_:)`, which reads each option from a
/// command line by the name swift-argument-parser gives it (`stateDir` is `--state-dir`),
/// falling back to the property's own initial value, with no run-time reflection.
///
/// Why a macro: swift-argument-parser finds a struct's options by reflecting over it and
/// instantiating its property wrappers' generic types from their mangled names, each a
/// scan of the binary's conformance records, at every start: about 30 % of a service's
/// cold start (BENCHMARKS.md). Written from the same declarations, the direct reading
/// cannot name an option differently from `--help`; anything it does not take (a custom
/// name, a flag, an argument) is a compile error here rather than a silent difference.
public struct DirectlyParsableMacro: ExtensionMacro {
    public static func expansion(
        of node: AttributeSyntax, attachedTo declaration: some DeclGroupSyntax,
        providingExtensionsOf type: some TypeSyntaxProtocol, conformingTo protocols: [TypeSyntax],
        in context: some MacroExpansionContext
    ) throws -> [ExtensionDeclSyntax] {
        guard declaration.is(StructDeclSyntax.self) else {
            throw MacroExpansionErrorMessage("@DirectlyParsable applies to a struct")
        }
        let access = declaration.modifiers.contains { $0.name.tokenKind == .keyword(.public) } ? "public " : ""
        let reads = try options(in: declaration).map(\.read)
        let conformance = protocols.isEmpty ? "" : ": DirectlyParsable"
        // A struct with no options reads none (and `var` would be a warning).
        let body = reads.isEmpty ? "Self()" : "var options = Self()\n\(reads.joined(separator: "\n"))\nreturn options"
        return [
            try ExtensionDeclSyntax(
                """
                extension \(type.trimmed)\(raw: conformance) {
                    \(raw: access)static func parseDirectly(_ values: inout DirectOptionValues) throws -> Self {
                        \(raw: body)
                    }
                }
                """)
        ]
    }

    /// One `@Option` property and how it is read.
    private struct DirectOption {
        var property: String
        var read: String
    }

    private static func options(in declaration: some DeclGroupSyntax) throws -> [DirectOption] {
        var options: [DirectOption] = []
        for member in declaration.memberBlock.members {
            guard let variable = member.decl.as(VariableDeclSyntax.self),
                !variable.modifiers.contains(where: { $0.name.tokenKind == .keyword(.static) })
            else { continue }
            for binding in variable.bindings where binding.accessorBlock == nil {
                guard let identifier = binding.pattern.as(IdentifierPatternSyntax.self) else { continue }
                let property = identifier.identifier.text
                try checkIsPlainOption(variable, property)
                guard let type = binding.typeAnnotation?.type else {
                    throw MacroExpansionErrorMessage("@DirectlyParsable needs the type of '\(property)' written out")
                }
                let name = "\"\(kebabCase(property))\""
                let initial = binding.initializer?.value.trimmedDescription
                let read: String
                if let optional = type.as(OptionalTypeSyntax.self) {
                    guard initial == nil || initial == "nil" else {
                        throw MacroExpansionErrorMessage("@DirectlyParsable reads an optional option with no default ('\(property)')")
                    }
                    read = "values.optional(\(name), as: \(optional.wrappedType.trimmed).self)"
                } else if let array = type.as(ArrayTypeSyntax.self) {
                    read = "values.all(\(name), as: \(array.element.trimmed).self, default: \(initial ?? "[]"))"
                } else if let initial {
                    read = "values.single(\(name), as: \(type.trimmed).self, default: \(initial))"
                } else {
                    read = "values.required(\(name), as: \(type.trimmed).self)"
                }
                options.append(DirectOption(property: property, read: "options.\(property) = try \(read)"))
            }
        }
        return options
    }

    /// Only `@Option(help: …)` is read directly: a custom name, a parsing strategy, a flag
    /// or an argument would be read differently from how swift-argument-parser reads it.
    private static func checkIsPlainOption(_ variable: VariableDeclSyntax, _ property: String) throws {
        let attributes = variable.attributes.compactMap { $0.as(AttributeSyntax.self) }
        guard attributes.count == 1, let option = attributes.first, option.attributeName.trimmedDescription == "Option" else {
            throw MacroExpansionErrorMessage("@DirectlyParsable reads only @Option properties ('\(property)')")
        }
        if case .argumentList(let arguments) = option.arguments, arguments.contains(where: { $0.label?.text != "help" }) {
            throw MacroExpansionErrorMessage("@DirectlyParsable reads only @Option(help:) ('\(property)')")
        }
    }

    /// The option's name as swift-argument-parser derives it from the property's
    /// (`convertedToSnakeCase(separator: "-")`): `maxConnectionsPerUid` is
    /// `max-connections-per-uid`, and an initialism ends before its last capital when a
    /// lower-case letter follows (`URLFile` is `url-file`).
    static func kebabCase(_ property: String) -> String {
        let characters = Array(property)
        var result = ""
        var separateOnUppercase = true
        for (index, character) in characters.enumerated() {
            if character.isUppercase {
                if separateOnUppercase && !result.isEmpty { result += "-" }
                separateOnUppercase =
                    index + 2 < characters.count && characters[index + 1].isUppercase && characters[index + 2].isLowercase
            } else {
                separateOnUppercase = character != "-"
            }
            result += character.lowercased()
        }
        return result
    }
}
