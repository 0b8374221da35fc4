import ArgumentParser
import AuthAPI
import JSONRPC
import MadoguchiModels
import ServiceContract

extension Madoctl {
    /// `madoctl login`: opens a session; the PIN or password is read from standard input.
    struct Login: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Open a session (madoguchi-auth); the PIN or password is read from standard input.",
            discussion: """
                --phone alone: phone number + network PIN. --reception with --phone: reception \
                number + the phone number given at application + network PIN. --login-id: \
                account ID or e-mail address + password.
                """)

        @OptionGroup var connection: ConnectionOptions
        @Option(help: "The line's phone number.", transform: PhoneNumber.argument) var phone: PhoneNumber?
        @Option(help: "The 13-character reception number of an application.", transform: ReceptionNumber.argument)
        var reception: ReceptionNumber?
        @Option(help: "Account ID or e-mail address.", transform: LoginID.argument) var loginId: LoginID?

        func run() async throws {
            let secret = readLine(strippingNewline: true) ?? ""
            let login: SessionLogin
            switch (phone, reception, loginId) {
            case (let phone?, nil, nil):
                login = .phonePIN(phone, try Input.value(secret))
            case (let phone?, let reception?, nil):
                login = .reception(reception, phone, try Input.value(secret))
            case (nil, nil, let loginId?):
                login = .password(loginId, secret)
            default:
                throw ValidationError("Give --phone, --reception with --phone, or --login-id.")
            }
            try await Output.call(SessionOpen.self, .init(login), on: .auth, with: connection) { session in
                "Logged in as \(session.principal) until \(session.expiresAt).\ntoken: \(session.token ?? "")"
            }
        }
    }
}
