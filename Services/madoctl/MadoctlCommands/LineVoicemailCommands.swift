import ArgumentParser
import LinesAPI
import ServiceContract

extension Madoctl.Line {
    /// `madoctl line voicemail start|stop|status|ring-time|messages|save|delete`.
    struct Voicemail: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Voicemail: on or off, the ring time, and the messages.",
            subcommands: [Start.self, Stop.self, Status.self, RingTime.self, Messages.self, Save.self, Delete.self])

        static func describe(_ settings: VoicemailSettings) -> String {
            let range = settings.ringSecondsAllowed
            return """
                voicemail: \(settings.enabled ? "on" : "off"), answers after \(settings.ringSeconds) s \
                (\(range.minimum)–\(range.maximum) s in steps of \(range.step)); \
                \(settings.newMessages) new, \(settings.savedMessages) saved
                """
        }

        static func describe(_ message: VoicemailMessage) -> String {
            "#\(message.id) \(message.receivedAt) from \(message.caller ?? "withheld"), \(message.seconds) s\(message.saved ? " (saved)" : "")"
        }

        struct Start: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Turn voicemail on.")
            @OptionGroup var connection: ConnectionOptions
            @OptionGroup var access: LineAccessOptions

            func run() async throws {
                let params = try access.lineParams()
                try await Output.call(LineVoicemailStart.self, params, on: .lines, with: connection, show: describe)
            }
        }

        struct Stop: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Turn voicemail off.")
            @OptionGroup var connection: ConnectionOptions
            @OptionGroup var access: LineAccessOptions

            func run() async throws {
                let params = try access.lineParams()
                try await Output.call(LineVoicemailStop.self, params, on: .lines, with: connection, show: describe)
            }
        }

        struct Status: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Voicemail's settings and message counts.")
            @OptionGroup var connection: ConnectionOptions
            @OptionGroup var access: LineAccessOptions

            func run() async throws {
                let params = try access.lineParams()
                try await Output.call(LineVoicemailStatus.self, params, on: .lines, with: connection, show: describe)
            }
        }

        struct RingTime: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "ring-time", abstract: "Seconds the phone rings before voicemail answers.")
            @OptionGroup var connection: ConnectionOptions
            @OptionGroup var access: LineAccessOptions
            @Argument(help: "Seconds of ringing before voicemail answers (0 to 120, in steps of 5).") var seconds: Int

            func run() async throws {
                let params = LineVoicemailRingTime.Params(access: try access.access(), seconds: seconds, origin: access.origin)
                try await Output.call(LineVoicemailRingTime.self, params, on: .lines, with: connection, show: describe)
            }
        }

        struct Messages: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "The messages, newest first.")
            @OptionGroup var connection: ConnectionOptions
            @OptionGroup var access: LineAccessOptions
            @Option(help: "Which messages.") var box: LineVoicemailMessages.Params.Box = .all

            func run() async throws {
                let params = LineVoicemailMessages.Params(access: try access.access(), box: box, origin: access.origin)
                try await Output.call(LineVoicemailMessages.self, params, on: .lines, with: connection) { messages in
                    messages.isEmpty ? "no messages" : messages.map(describe).joined(separator: "\n")
                }
            }
        }

        struct Save: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Keep a message among the saved ones.")
            @OptionGroup var connection: ConnectionOptions
            @OptionGroup var access: LineAccessOptions
            @Argument(help: "The message's number (madoctl line voicemail messages).") var id: Int64

            func run() async throws {
                let params = VoicemailMessageParams(access: try access.access(), id: id, origin: access.origin)
                try await Output.call(LineVoicemailSave.self, params, on: .lines, with: connection, show: describe)
            }
        }

        struct Delete: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Delete a message.")
            @OptionGroup var connection: ConnectionOptions
            @OptionGroup var access: LineAccessOptions
            @Argument(help: "The message's number (madoctl line voicemail messages).") var id: Int64

            func run() async throws {
                let params = VoicemailMessageParams(access: try access.access(), id: id, origin: access.origin)
                try await Output.call(LineVoicemailDelete.self, params, on: .lines, with: connection, show: describe)
            }
        }
    }
}
