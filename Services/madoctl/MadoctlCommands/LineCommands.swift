import ArgumentParser
import LinesAPI
import MadoguchiModels
import ServiceContract

/// How a `madoctl line …` command gets into the line: its number with the network PIN
/// on standard input, or a session (`madoctl login --for line`).
struct LineAccessOptions: ParsableArguments {
    @Option(help: "The line's phone number (its network PIN is read from standard input).", transform: PhoneNumber.argument)
    var line: PhoneNumber?
    @Option(help: "A session opened with `madoctl login --for line` instead of the PIN.") var session: String?
    @Option(help: "The end user's origin, as a trusted front end reports it.") var origin: String?

    func access() throws -> LineAccess {
        switch (line, session) {
        case (let line?, nil): return .pin(line, try Input.value(try Input.secretLine("network PIN")))
        case (nil, let session?): return .session(session)
        default: throw ValidationError("Give --line (PIN on standard input) or --session.")
        }
    }

    /// The params of a call that only names the line.
    func lineParams() throws -> LineParams { LineParams(access: try access(), origin: origin) }
}

extension Madoctl {
    /// `madoctl line …`: a voice line's options (madoguchi-lines).
    struct Line: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "line",
            abstract: "A voice line's block list, voicemail and call forwarding (madoguchi-lines).",
            subcommands: [Status.self, Block.self, Voicemail.self, Forward.self, Audit.self])

        struct Status: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Every option of the line.")
            @OptionGroup var connection: ConnectionOptions
            @OptionGroup var access: LineAccessOptions

            func run() async throws {
                let params = try access.lineParams()
                try await Output.call(LineStatus.self, params, on: .lines, with: connection) { options in
                    [
                        "line \(options.phoneNumber)", Block.describe(options.blockList),
                        Voicemail.describe(options.voicemail), Forward.describe(options.forwarding),
                    ].joined(separator: "\n")
                }
            }
        }

        struct Audit: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Changes to lines' options, newest first (operators).")
            @OptionGroup var connection: ConnectionOptions
            @Option(help: "Only this line.", transform: PhoneNumber.argument) var line: PhoneNumber?
            @Option(help: "At most this many entries.") var limit: Int?

            func run() async throws {
                let params = LineAudit.Params(phoneNumber: line, limit: limit)
                try await Output.call(LineAudit.self, params, on: .lines, with: connection) { entries in
                    entries.map { "\($0.at) \($0.phoneNumber) \($0.event)\($0.detail.map { " \($0)" } ?? "") (\($0.via), uid \($0.peerUID))" }
                        .joined(separator: "\n")
                }
            }
        }
    }

    /// `madoctl lines import FILE`: the line inventory (operators).
    struct Lines: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "lines", abstract: "The line inventory (madoguchi-lines; operators).", subcommands: [Import.self])

        struct Import: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Import lines (phoneNumber, customerNumber, iccid, kind voice|data) from CSV or JSON lines: every row or none.")
            @OptionGroup var connection: ConnectionOptions
            @OptionGroup var options: ImportOptions

            func run() async throws {
                try await Output.importFile(LineRecords.self, options: options, on: .lines, with: connection)
            }
        }
    }
}
