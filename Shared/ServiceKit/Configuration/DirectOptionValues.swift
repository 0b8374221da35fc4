import ArgumentParser

/// Writes `parseDirectly(_:)` for an options struct of `@Option(help: …)` properties: the
/// options read by name at a service's start without swift-argument-parser's reflection
/// (`DirectlyParsableMacro` says why).
@attached(extension, conformances: DirectlyParsable, names: named(parseDirectly))
public macro DirectlyParsable() = #externalMacro(module: "WireMacros", type: "DirectlyParsableMacro")

/// Options that can be read from a plain command line without swift-argument-parser's
/// parse; `@DirectlyParsable` writes the conformance from the declarations.
public protocol DirectlyParsable: ParsableArguments {
    /// Takes this struct's options out of `values`, each property left at its initial
    /// value when its option is not given; throws `NotDirectlyParsable` when a value does
    /// not convert or a single option is given twice.
    static func parseDirectly(_ values: inout DirectOptionValues) throws -> Self
}

/// A command line made only of `--name value` and `--name=value`, by name: what a
/// service's systemd unit or test gives it. Anything else — `--help`, `--version`, a
/// positional argument, a value that starts with `-`, an option without its value — is
/// not read here (`init` answers nil) and goes to swift-argument-parser, which also says
/// what is wrong with it.
public struct DirectOptionValues {
    private var values: [String: [String]] = [:]

    public init?(_ arguments: [String]) {
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            guard argument.hasPrefix("--"), argument.count > 2 else { return nil }
            let option = argument.dropFirst(2)
            let name: Substring
            let value: String
            if let equals = option.firstIndex(of: "=") {
                (name, value) = (option[..<equals], String(option[option.index(after: equals)...]))
                index += 1
            } else {
                guard index + 1 < arguments.count else { return nil }
                (name, value) = (option, arguments[index + 1])
                index += 2
            }
            guard !name.isEmpty, !value.hasPrefix("-") else { return nil }
            values[String(name), default: []].append(value)
        }
    }

    /// Whether every option given has been taken: one that no struct took is unknown.
    public var isEmpty: Bool { values.isEmpty }

    /// A single-value option, else `initial`.
    public mutating func single<Value: ExpressibleByArgument>(_ name: String, as: Value.Type, default initial: Value) throws -> Value {
        try optional(name, as: Value.self) ?? initial
    }

    /// A single-value option with no default: nil when it is not given.
    public mutating func optional<Value: ExpressibleByArgument>(_ name: String, as: Value.Type) throws -> Value? {
        guard let given = values.removeValue(forKey: name) else { return nil }
        // swift-argument-parser keeps the last of a repeated option; a unit that repeats
        // one is left to it rather than second-guessed here.
        guard given.count == 1, let value = Value(argument: given[0]) else { throw NotDirectlyParsable() }
        return value
    }

    /// A repeatable option: every value given, in order, else `initial`.
    public mutating func all<Element: ExpressibleByArgument>(_ name: String, as: Element.Type, default initial: [Element]) throws -> [Element] {
        guard let given = values.removeValue(forKey: name) else { return initial }
        return try given.map { text in
            guard let value = Element(argument: text) else { throw NotDirectlyParsable() }
            return value
        }
    }

    /// An option that must be given.
    public mutating func required<Value: ExpressibleByArgument>(_ name: String, as: Value.Type) throws -> Value {
        guard let value = try optional(name, as: Value.self) else { throw NotDirectlyParsable() }
        return value
    }
}

/// The command line is not read directly; swift-argument-parser parses it instead.
public struct NotDirectlyParsable: Error {}
