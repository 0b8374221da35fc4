import ArgumentParser
import AuthAPI
import JSONRPC
import LinesAPI
import LinkingAPI
import MadoguchiModels
import RegistrationAPI
import ServiceContract

extension Madoctl {
    /// `madoctl login`: every way in, one command. `--for` names the front end whose
    /// login method is called; the PIN or password is read from standard input (prompted
    /// for without echo on a terminal). Prints the session token on the first line and who
    /// it is for, until when, on the second (`--json`: the method's whole answer).
    struct Login: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Open a session; the PIN or password is read from standard input.",
            discussion: """
                --for auth (session.open): --phone alone (network PIN), --reception with \
                --phone (the phone number given at application, network PIN), or --login-id \
                (account ID or e-mail, password). --for mypage (mypage.login): --login-id and \
                password. --for line (line.login): --phone and network PIN. --for isp \
                (isp.login): --login-id, the carrier ID or its e-mail, and password. \
                Prints the token, then who and until when.
                """)

        /// The front end, and so the method, a login goes through.
        enum FrontEnd: String, CaseIterable, ExpressibleByArgument {
            case auth, mypage, line, isp
        }

        @OptionGroup var connection: ConnectionOptions
        @Option(name: .customLong("for"), help: "Whose login: auth, mypage, line or isp.") var frontEnd: FrontEnd = .auth
        @OptionGroup var login: LoginOptions

        func validate() throws {
            let given = login.given
            let allowed: [[String]] =
                switch frontEnd {
                case .auth: [["--phone"], ["--reception", "--phone"], ["--login-id"]]
                case .mypage, .isp: [["--login-id"]]
                case .line: [["--phone"]]
                }
            guard allowed.contains(where: { Set($0) == given }) else {
                let ways = allowed.map { $0.joined(separator: " with ") }.joined(separator: ", or ")
                throw ValidationError("madoctl login --for \(frontEnd.rawValue) takes \(ways).")
            }
        }

        func run() async throws {
            switch frontEnd {
            case .auth: try await openSession()
            case .mypage:
                let params = MyPageLogin.Params(loginId: try login.id.text, password: try password(), origin: login.origin)
                try await Output.call(MyPageLogin.self, params, on: .registration, with: connection) {
                    Self.show($0.session, "My Page account \($0.accountId) until \($0.expiresAt)")
                }
            case .line:
                let params = LineLogin.Params(phoneNumber: try login.phoneNumber, pin: try networkPIN(), origin: login.origin)
                try await Output.call(LineLogin.self, params, on: .lines, with: connection) {
                    Self.show($0.session, "line \($0.phoneNumber) until \($0.expiresAt)")
                }
            case .isp:
                let params = ISPLogin.Params(loginId: try login.id.text, password: try password(), origin: login.origin)
                try await Output.call(ISPLogin.self, params, on: .linking, with: connection) {
                    Self.show(
                        $0.token ?? "",
                        "carrier ID \($0.carrierId) → ISP \($0.customerNumber) (\($0.contractDescription)) until \($0.expiresAt)")
                }
            }
        }

        private func openSession() async throws {
            let method: SessionLogin =
                if let reception = login.reception {
                    .reception(reception, try login.phoneNumber, try networkPIN())
                } else if let phone = login.phone {
                    .phonePIN(phone, try networkPIN())
                } else {
                    .password(try Input.value(login.id.text), try password())
                }
            try await Output.call(SessionOpen.self, .init(method, origin: login.origin), on: .auth, with: connection) {
                Self.show($0.token ?? "", "\($0.principal) until \($0.expiresAt)")
            }
        }

        private func networkPIN() throws -> PIN { try Input.value(try Input.secretLine("network PIN")) }
        private func password() throws -> String { try Input.secretLine("password") }

        /// The token alone on the first line (for `| head -1`), then who and until when.
        static func show(_ token: String, _ who: String) -> String { "\(token)\n\(who)" }
    }
}

/// Who logs in, shared by every front end of `madoctl login`; which of them a front end
/// takes is checked by the command.
struct LoginOptions: ParsableArguments {
    @Option(help: "The line's phone number.", transform: PhoneNumber.argument) var phone: PhoneNumber?
    @Option(help: "The 13-character reception number of an application.", transform: ReceptionNumber.argument)
    var reception: ReceptionNumber?
    @Option(help: "Account ID or e-mail address (for isp: the carrier ID or its e-mail).", transform: LoginName.init)
    var loginId: LoginName?
    @Option(help: "The end user's origin, as a trusted front end reports it (e.g. ivr:0312345678).") var origin: String?

    /// The options given, by their flags.
    var given: Set<String> {
        Set([phone.map { _ in "--phone" }, reception.map { _ in "--reception" }, loginId.map { _ in "--login-id" }].compactMap { $0 })
    }

    var phoneNumber: PhoneNumber { get throws { try phone.orThrow("--phone") } }
    var id: LoginName { get throws { try loginId.orThrow("--login-id") } }
}

/// A login ID as typed: checked by the method that takes it (an account ID, an e-mail, a
/// carrier ID each have their own rules).
struct LoginName {
    let text: String
    init(_ text: String) { self.text = text }
}

extension Optional {
    /// The value, or a usage error naming the missing option (the command's `validate`
    /// has already asked for it; this keeps `run` free of `!`).
    fileprivate func orThrow(_ option: String) throws -> Wrapped {
        guard let self else { throw ValidationError("Give \(option).") }
        return self
    }
}
