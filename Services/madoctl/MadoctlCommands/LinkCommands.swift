import ArgumentParser
import LinkingAPI
import MadoguchiModels
import ServiceContract

extension Madoctl {
    /// `madoctl link …`: linking an ISP contract to a carrier ID, step by step, and after.
    struct Link: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "link", abstract: "Link an ISP contract to a carrier ID (madoguchi-linking).",
            subcommands: [
                Start.self, Status.self, Code.self, ISPLoginStep.self, SecondFactor.self, Confirm.self, Show.self,
                Unlink.self,
            ])

        static func describe(_ journey: LinkJourney) -> String {
            var text = "journey \(journey.journeyId): next \(journey.step.rawValue), until \(journey.expiresAt)"
            if let phone = journey.phoneOnFile, let channels = journey.channels {
                text += "; phone on file \(phone) takes \(channels.map(\.rawValue).joined(separator: " or "))"
            }
            if let channel = journey.codeSentBy, journey.step == .secondFactor { text += "; code sent by \(channel.rawValue)" }
            if let link = journey.link { text += "\n" + describe(link) }
            return text
        }

        static func describe(_ link: LinkConfirmation) -> String {
            "link \(link.linkNumber): carrier ID \(link.carrierId) ↔ \(link.customerNumber) (\(link.contractDescription)), since \(link.linkedAt)"
                + (link.holderMatchesContract ? "" : "; holder differs from the contract holder")
        }

        /// The carrier ID's session and the journey, named by every step.
        struct JourneyOptions: ParsableArguments {
            @Option(help: "The carrier ID's session token (madoctl login --login-id …).") var session: String
            @Option(help: "The journey ID from link start.") var journey: String
        }

        struct Start: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Start, as a logged-in carrier ID: a 6-digit code goes to the ISP address.")
            @OptionGroup var connection: ConnectionOptions
            @OptionGroup var login: SessionOptions
            @Option(help: "The ISP contract holder's name in kanji.", transform: PersonName.argument) var name: PersonName
            @Option(help: "The ISP contract holder's name in katakana.", transform: KanaName.argument) var kana: KanaName
            @Option(help: "YYYY-MM-DD.", transform: CivilDate.argument) var birthDate: CivilDate
            @Option(help: "The ISP e-mail address.", transform: EmailAddress.argument) var ispEmail: EmailAddress

            func run() async throws {
                let params = LinkStart.Params(
                    session: login.session, name: name, kana: kana,
                    birthDate: birthDate, ispEmail: ispEmail)
                try await Output.call(LinkStart.self, params, on: .linking, with: connection, show: describe)
            }
        }

        struct Status: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Where a journey stands.")
            @OptionGroup var connection: ConnectionOptions
            @OptionGroup var journey: JourneyOptions

            func run() async throws {
                try await Output.call(
                    LinkStatus.self, .init(session: journey.session, journeyId: journey.journey), on: .linking,
                    with: connection, show: describe)
            }
        }

        struct Code: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Enter the code mailed to the ISP address (standard input).")
            @OptionGroup var connection: ConnectionOptions
            @OptionGroup var journey: JourneyOptions

            func run() async throws {
                let params = LinkCodeParams(session: journey.session, journeyId: journey.journey, code: try Input.secretLine("code"))
                try await Output.call(LinkCode.self, params, on: .linking, with: connection, show: describe)
            }
        }

        struct ISPLoginStep: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "isp-login", abstract: "Log in to the ISP: its e-mail address, and its password on standard input.")
            @OptionGroup var connection: ConnectionOptions
            @OptionGroup var journey: JourneyOptions
            @Option(help: "The ISP e-mail address.", transform: EmailAddress.argument) var ispEmail: EmailAddress

            func run() async throws {
                let params = LinkISPLogin.Params(
                    session: journey.session, journeyId: journey.journey, ispEmail: ispEmail,
                    password: try Input.secretLine("ISP password"))
                try await Output.call(LinkISPLogin.self, params, on: .linking, with: connection, show: describe)
            }
        }

        struct SecondFactor: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "second-factor",
                abstract: "The 2-step check: --send sms|voice sends a code to the phone on file; without it, the code on standard input links.")
            @OptionGroup var connection: ConnectionOptions
            @OptionGroup var journey: JourneyOptions
            @Option(help: "sms or voice (a landline takes only voice).") var send: String?

            func run() async throws {
                if let send {
                    guard let channel = PhoneChannel(rawValue: send) else { throw ValidationError("--send is sms or voice.") }
                    try await Output.call(
                        LinkSecondFactorSend.self, .init(session: journey.session, journeyId: journey.journey, channel: channel),
                        on: .linking, with: connection, show: describe)
                } else {
                    let params = LinkCodeParams(
                        session: journey.session, journeyId: journey.journey, code: try Input.secretLine("code"))
                    try await Output.call(LinkSecondFactorVerify.self, params, on: .linking, with: connection, show: describe)
                }
            }
        }

        struct Confirm: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "The carrier ID's link: link number, ISP customer number and contract.")
            @OptionGroup var connection: ConnectionOptions
            @OptionGroup var login: SessionOptions

            func run() async throws {
                try await Output.call(LinkConfirm.self, .init(session: login.session), on: .linking, with: connection, show: describe)
            }
        }

        struct Show: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Operators: an ISP contract's links, newest first.")
            @OptionGroup var connection: ConnectionOptions
            @Argument(help: "The ISP customer number (N + 9 digits).", transform: ISPCustomerNumber.argument) var customerNumber: ISPCustomerNumber

            func run() async throws {
                let number = customerNumber
                try await Output.call(LinkShow.self, .init(customerNumber: number), on: .linking, with: connection) { result in
                    (["\(result.customerNumber) (\(result.contractDescription)): \(result.links.count) link(s)"]
                        + result.links.map { record in
                            describe(record.link) + "; entered \(record.enteredName) (\(record.enteredKana)) \(record.enteredBirthDate)"
                                + (record.unlinkedAt.map { "; unlinked \($0) by \(record.unlinkedBy ?? "?")" } ?? "")
                        }).joined(separator: "\n")
                }
            }
        }

        struct Unlink: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Unlink: --session (the carrier ID's own), or as an operator an ISP customer number with --staff and --reason.")
            @OptionGroup var connection: ConnectionOptions
            @Option(help: "The carrier ID's session token.") var session: String?
            @Argument(help: "Operators: the ISP customer number.", transform: ISPCustomerNumber.argument)
            var customerNumber: ISPCustomerNumber?
            @Option(help: "Who unlinks (staff ID), for the audit; with --reason, an operator unlink.") var staff: String?
            @Option(help: "Why, for the audit.") var reason: String?

            func validate() throws {
                guard (session == nil) != (customerNumber == nil) else {
                    throw ValidationError("Give --session, or an ISP customer number (operators).")
                }
            }

            func run() async throws {
                let params = LinkUnlink.Params(
                    session: session, customerNumber: customerNumber, staff: staff,
                    reason: reason)
                try await Output.call(LinkUnlink.self, params, on: .linking, with: connection) {
                    "unlinked \($0.linkNumber) (\($0.customerNumber)) at \($0.unlinkedAt)"
                }
            }
        }
    }

    /// `madoctl isp-contracts import|set-password`.
    struct ISPContracts: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "isp-contracts", abstract: "ISP contracts (madoguchi-linking; operators).",
            subcommands: [Import.self, SetPassword.self])

        struct Import: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Import ISP contracts from CSV or JSON lines (no passwords): every row or none.")
            @OptionGroup var connection: ConnectionOptions
            @OptionGroup var options: ImportOptions

            func run() async throws {
                try await Output.importFile(ISPContractRecords.self, options: options, on: .linking, with: connection)
            }
        }

        struct SetPassword: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "set-password", abstract: "Set an ISP contract's login password (standard input), held by madoguchi-auth.")
            @OptionGroup var connection: ConnectionOptions
            @Argument(help: "The ISP customer number (N + 9 digits).", transform: ISPCustomerNumber.argument)
            var customerNumber: ISPCustomerNumber

            func run() async throws {
                let params = ISPContractSetPassword.Params(
                    customerNumber: customerNumber, password: try Input.secretLine("password"))
                try await Output.call(ISPContractSetPassword.self, params, on: .linking, with: connection) { _ in
                    "password set for \(params.customerNumber)"
                }
            }
        }
    }

    /// `madoctl isp session`: the ISP side of a link (its login is `madoctl login --for isp`).
    struct ISP: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "isp",
            abstract: "Which ISP contract a session of a linked carrier ID may use (madoguchi-linking; log in with madoctl login --for isp).",
            subcommands: [Session.self])

        static func describe(_ session: ISPSession) -> String {
            (session.token.map { "session \($0)\n" } ?? "")
                + "carrier ID \(session.carrierId) → ISP \(session.customerNumber) (\(session.contractDescription)), until \(session.expiresAt)"
        }

        struct Session: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Which ISP contract a session may use now.")
            @OptionGroup var connection: ConnectionOptions
            @Argument(help: "The ISP session token madoctl login --for isp printed.") var token: String

            func run() async throws {
                try await Output.call(ISPSessionCheck.self, .init(session: token), on: .linking, with: connection, show: describe)
            }
        }
    }
}
