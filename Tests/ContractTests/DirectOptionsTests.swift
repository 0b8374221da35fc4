import ArgumentParser
import AuthService
import BillingService
import LinesService
import LinkingService
import RegistrationService
import ServiceKit
import Testing

/// Each service's options read directly at start (`@DirectlyParsable`) against
/// swift-argument-parser's parse of the same command line: every option `--help` lists is
/// read, into the same property, with the same default, and whatever the direct reading
/// does not take is left to swift-argument-parser.
@Suite struct DirectOptionsTests {
    /// Values tried for an option, the first that swift-argument-parser accepts and that
    /// differs from the default being used.
    static let candidates = ["3", "2.5", "/var/tmp/x", "postgres", "sendmail", "network=6", "warning", "up", "T1010001067912", "5", "20", "60"]

    @Test func everyOption_ofEveryService_isReadDirectlyAsSwiftArgumentParserReadsIt() throws {
        try check(AuthService.self)
        try check(RegistrationService.self)
        try check(BillingService.self)
        try check(LinkingService.self)
        try check(LinesService.self)
    }

    @Test func commandLinesThatAreNotPlainOptions_areLeftToSwiftArgumentParser() {
        for arguments in [
            ["--help"], ["-h"], ["--version"], ["--generate-completion-script", "bash"], ["--experimental-dump-help"],
            ["--state-dir"], ["--peer-timeout", "-1"], ["--peer-timeout=-1"], ["--no-such-option", "1"], ["state-dir", "/x"],
            ["--", "--state-dir", "/x"], ["--log-level", "loud"], ["--idle-exit", "0"], ["--peer-timeout", "soon"],
            ["--state-dir", "/a", "--state-dir", "/b"], ["--pin-length", "network=6"],
        ] {
            #expect(ServiceCommand<RegistrationService>.parsedDirectly(arguments) == nil, "\(arguments)")
        }
        // Auth's own option is read by auth, both spellings, each value of a repeated one.
        let read = ServiceCommand<AuthService>.parsedDirectly(["--pin-length", "network=6", "--pin-length=card=8", "--state-dir=/s"])
        #expect(read?.1.pinLength == ["network=6", "card=8"] && read?.0.stateDir == "/s")
    }

    private func check<Definition: ServiceDefinition>(_: Definition.Type) throws {
        typealias Command = ServiceCommand<Definition>
        let defaults = try #require(Command.parsedDirectly([]), "\(Definition.name): no options at all")
        #expect(describe(defaults) == describe(try parsed(Command.self, [])), "\(Definition.name): the defaults differ")

        let names = optionNames(in: Command.helpMessage(columns: 10_000))
        #expect(names.count > 25, "\(Definition.name): \(names)")
        for name in names {
            var checked = false
            for value in Self.candidates {
                let arguments = ["--\(name)", value]
                guard let full = try? parsed(Command.self, arguments), describe(full) != describe(defaults) else { continue }
                let direct = Command.parsedDirectly(arguments)
                #expect(direct.map(describe) == describe(full), "\(Definition.name): --\(name) \(value)")
                checked = true
                break
            }
            #expect(checked, "\(Definition.name): no value of \(Self.candidates) sets --\(name)")
        }
    }

    /// The `--name` of each option a help text lists (a line that starts with it), but
    /// help and version.
    private func optionNames(in help: String) -> [String] {
        let names = help.split(separator: "\n").compactMap { line -> String? in
            let first = line.split(separator: " ").first ?? ""
            return first.hasPrefix("--") ? String(first.dropFirst(2)) : nil
        }
        return Array(Set(names).subtracting(["help", "version"])).sorted()
    }

    private func parsed<Definition: ServiceDefinition>(_: ServiceCommand<Definition>.Type, _ arguments: [String]) throws
        -> (ServiceOptions, Definition.Options)
    {
        let command = try ServiceCommand<Definition>.parseAsRoot(arguments)
        let parsed = try #require(command as? ServiceCommand<Definition>)
        return (parsed.options, parsed.serviceOptions)
    }

    /// Each property of both groups with its value, as `Option` describes it.
    private func describe<Options: ParsableArguments>(_ pair: (ServiceOptions, Options)) -> [String] {
        let common = Mirror(reflecting: pair.0).children.map { "\($0.label ?? "?")=\($0.value)" }
        let own = Mirror(reflecting: pair.1).children.map { "\($0.label ?? "?")=\($0.value)" }
        return common + own
    }
}
