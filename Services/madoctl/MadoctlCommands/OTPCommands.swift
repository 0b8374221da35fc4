import ArgumentParser
import AuthAPI
import JSONRPC
import MadoguchiModels
import ServiceContract

extension Madoctl {
    /// `madoctl otp issue|verify`.
    struct OTPCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "otp", abstract: "Send and check one-time codes (madoguchi-auth).",
            subcommands: [Issue.self, Verify.self])
    }
}

/// Options naming a code: its purpose and where it goes.
struct CodeTarget: ParsableArguments {
    @Argument(help: "What the code is for, e.g. isp-link.", transform: CodePurpose.argument) var purpose: CodePurpose
    @Option(help: "How the code is sent.") var channel: CodeDestination.Channel
    @Option(help: "The e-mail address or phone number.") var to: String

    func validated() throws -> (CodePurpose, CodeDestination) {
        do {
            return (purpose, try CodeDestination(channel: channel, to: to))
        } catch {
            throw ValidationError(error.message)
        }
    }
}

extension Madoctl.OTPCommand {
    struct Issue: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Send a code (see it with madoctl outbox).")
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var target: CodeTarget

        func run() async throws {
            let (purpose, destination) = try target.validated()
            try await Output.call(OTPIssue.self, .init(purpose: purpose, destination: destination), on: .auth, with: connection) {
                "Sent a \($0.digits)-digit code, valid until \($0.expiresAt)."
            }
        }
    }

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Check a code (read from standard input unless --code).")
        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var target: CodeTarget
        @Option(help: "The code; without it, the first line of standard input.") var code: String?

        func run() async throws {
            let (purpose, destination) = try target.validated()
            guard let code = code ?? Terminal.readWithoutEcho(prompt: "Code: ") else { throw ValidationError("No code given.") }
            try await Output.call(
                OTPVerify.self, .init(purpose: purpose, destination: destination, code: code), on: .auth,
                with: connection
            ) { _ in "Code correct." }
        }
    }
}
