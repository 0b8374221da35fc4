import SwiftCompilerPlugin
import SwiftSyntaxMacros

/// The compiler plug-in that carries the package's macros: the wire contract's, and the
/// services' directly parsed options.
@main
struct WireMacrosPlugin: CompilerPlugin {
    let providingMacros: [any Macro.Type] = [WireObjectMacro.self, WireSchemaMacro.self, DirectlyParsableMacro.self]
}
