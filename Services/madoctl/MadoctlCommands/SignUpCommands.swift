import ArgumentParser
import MadoguchiModels
import RegistrationAPI
import ServiceContract

extension Madoctl {
    /// `madoctl signup …`: the My Page sign-up journey, step by step.
    struct SignUp: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "signup", abstract: "My Page sign-up, login and profile (madoguchi-registration).",
            subcommands: [Verify.self, CheckID.self, Submit.self, Complete.self, Profile.self])

        struct Verify: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Step 1: check the contract details; prints a ticket.")
            @OptionGroup var connection: ConnectionOptions
            @Option(help: "The customer number on the contract.", transform: CustomerNumber.argument) var customerNumber: CustomerNumber
            @Option(help: "A phone number on the contract.", transform: PhoneNumber.argument) var phone: PhoneNumber
            @Option(help: "Holder name in katakana (アイコム　タロウ).", transform: KanaName.argument) var kana: KanaName

            func run() async throws {
                let params = SignUpVerifyIdentity.Params(
                    customerNumber: customerNumber, phoneNumber: phone,
                    kana: kana)
                try await Output.call(SignUpVerifyIdentity.self, params, on: .registration, with: connection) { $0.ticket }
            }
        }

        struct CheckID: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "check-id", abstract: "Is this account ID free?")
            @OptionGroup var connection: ConnectionOptions
            @Argument(help: "The account ID (check-id: to look up; submit: to take).") var accountId: String

            func run() async throws {
                try await Output.call(SignUpCheckAccountID.self, .init(accountId: accountId), on: .registration, with: connection) {
                    $0.available ? "available" : "not available: \($0.message ?? "")"
                }
            }
        }

        struct Submit: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Steps 2-4: submit the details (password on standard input); the main-registration link is mailed.")
            @OptionGroup var connection: ConnectionOptions
            @Option(help: "The ticket signup verify printed.") var ticket: String
            @Option(help: "The account ID (check-id: to look up; submit: to take).", transform: AccountID.argument) var accountId: AccountID
            @Option(help: "The e-mail address My Page mails.", transform: EmailAddress.argument) var email: EmailAddress
            @Option(help: "The nickname My Page shows.") var nickname: String

            func run() async throws {
                let params = SignUpSubmit.Params(
                    ticket: ticket, accountId: accountId, password: try Input.secretLine("password"),
                    email: email, nickname: nickname)
                try await Output.call(SignUpSubmit.self, params, on: .registration, with: connection) {
                    "Provisionally registered \($0.accountId); complete by \($0.expiresAt) with the mailed link."
                }
            }
        }

        struct Complete: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Step 5: the mailed link's token and the password (standard input) complete registration.")
            @OptionGroup var connection: ConnectionOptions
            @Option(help: "The token of the mailed link (madoctl outbox code --to EMAIL).") var token: String

            func run() async throws {
                let params = SignUpComplete.Params(token: token, password: try Input.secretLine("password"))
                try await Output.call(SignUpComplete.self, params, on: .registration, with: connection) {
                    "Registered \($0.accountId)."
                }
            }
        }

        struct Profile: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "The logged-in account's profile.")
            @OptionGroup var connection: ConnectionOptions
            @OptionGroup var login: SessionOptions

            func run() async throws {
                try await Output.call(MyPageProfile.self, .init(session: login.session), on: .registration, with: connection) {
                    "\($0.accountId) (\($0.nickname)) <\($0.email)>, customer \($0.customerNumber)"
                }
            }
        }
    }
}
