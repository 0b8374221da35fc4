import SwiftCompilerPlugin
import SwiftSyntaxMacros

/// The compiler plug-in that carries the wire contract's macros.
@main
struct WireMacrosPlugin: CompilerPlugin {
    let providingMacros: [any Macro.Type] = [WireObjectMacro.self, WireSchemaMacro.self]
}
