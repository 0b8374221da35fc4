import ArgumentParser
import MadoguchiModels
import RegistrationAPI
import ServiceContract

extension Madoctl {
    /// `madoctl recover …`: forgotten member ID or password.
    struct Recover: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "recover", abstract: "Member recovery (madoguchi-registration).",
            subcommands: [Request.self, Open.self, SetPassword.self])

        struct Request: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Look up by (--email and --name) or (--iccid and --phone), with --birth-date; --route screen or post.")
            @OptionGroup var connection: ConnectionOptions
            @Option(help: "The e-mail address of the account.", transform: EmailAddress.argument) var email: EmailAddress?
            @Option(help: "The holder's name in kanji.", transform: PersonName.argument) var name: PersonName?
            @Option(help: "The SIM's ICCID (19 digits).", transform: ICCID.argument) var iccid: ICCID?
            @Option(help: "A phone number on the contract.", transform: PhoneNumber.argument) var phone: PhoneNumber?
            @Option(help: "YYYY-MM-DD.", transform: CivilDate.argument) var birthDate: CivilDate
            @Option(help: "screen (a mailed link, good for 1 hour) or post (a registered letter).") var route: RecoveryRoute

            func run() async throws {
                let params = RecoveryRequest.Params(
                    email: email, name: name,
                    iccid: iccid, phoneNumber: phone,
                    birthDate: birthDate, route: route)
                try await Output.call(RecoveryRequest.self, params, on: .registration, with: connection) { $0.message }
            }
        }

        struct Open: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Open a recovery link: shows the member ID.")
            @OptionGroup var connection: ConnectionOptions
            @Option(help: "The token of the mailed link.") var token: String

            func run() async throws {
                try await Output.call(RecoveryOpen.self, .init(token: token), on: .registration, with: connection) { $0.accountId }
            }
        }

        struct SetPassword: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "set-password", abstract: "Set a new password through a recovery link (password on standard input).")
            @OptionGroup var connection: ConnectionOptions
            @Option(help: "The token of the mailed link.") var token: String

            func run() async throws {
                let params = RecoverySetPassword.Params(token: token, password: try Input.secretLine("password"))
                try await Output.call(RecoverySetPassword.self, params, on: .registration, with: connection) {
                    "New password set for \($0.accountId)."
                }
            }
        }
    }
}
