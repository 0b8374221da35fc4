import ArgumentParser
import MadoguchiModels
import RegistrationAPI
import ServiceContract

extension Madoctl {
    /// `madoctl carrier-id …`: the carrier ID issuance journey, step by step.
    struct CarrierID: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "carrier-id", abstract: "Carrier ID issuance (madoguchi-registration).",
            subcommands: [Start.self, Status.self, Key.self, Choose.self, Details.self, Confirm.self, Consent.self, Show.self])

        static func describe(_ journey: CarrierIDJourney) -> String {
            "journey \(journey.journeyId): next \(journey.step.rawValue)"
                + (journey.carrierId.map { ", ID \($0)" } ?? "") + ", until \(journey.expiresAt)"
        }

        struct Start: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Start with an e-mail address; a 6-digit key is mailed.")
            @OptionGroup var connection: ConnectionOptions
            @Argument(help: "The e-mail address the key is mailed to.", transform: EmailAddress.argument) var email: EmailAddress

            func run() async throws {
                try await Output.call(CarrierIDStart.self, .init(email: email), on: .registration, with: connection, show: describe)
            }
        }

        struct Status: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Where a journey stands.")
            @OptionGroup var connection: ConnectionOptions
            @Option(help: "The journey ID carrier-id start printed.") var journey: String

            func run() async throws {
                try await Output.call(CarrierIDStatus.self, .init(journeyId: journey), on: .registration, with: connection, show: describe)
            }
        }

        struct Key: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Enter the mailed key (standard input).")
            @OptionGroup var connection: ConnectionOptions
            @Option(help: "The journey ID carrier-id start printed.") var journey: String

            func run() async throws {
                let params = CarrierIDVerifyKey.Params(journeyId: journey, code: try Input.secretLine("key"))
                try await Output.call(CarrierIDVerifyKey.self, params, on: .registration, with: connection, show: describe)
            }
        }

        struct Choose: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Choose the ID (--id, or --use-email).")
            @OptionGroup var connection: ConnectionOptions
            @Option(help: "The journey ID carrier-id start printed.") var journey: String
            @Option(help: "The carrier ID to take (instead of --use-email).") var id: String?
            @Flag(help: "Use the e-mail address as the carrier ID.") var useEmail = false

            func run() async throws {
                let params = CarrierIDChooseID.Params(journeyId: journey, carrierId: id, useEmail: useEmail)
                try await Output.call(CarrierIDChooseID.self, params, on: .registration, with: connection, show: describe)
            }
        }

        struct Details: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "The basic details (password on standard input).")
            @OptionGroup var connection: ConnectionOptions
            @Option(help: "The journey ID carrier-id start printed.") var journey: String
            @Option(help: "The holder's name in kanji.", transform: PersonName.argument) var name: PersonName
            @Option(help: "The holder's name in katakana.", transform: KanaName.argument) var kana: KanaName
            @Option(help: "As the customer chose it.") var gender: Gender
            @Option(help: "YYYY-MM-DD.", transform: CivilDate.argument) var birthDate: CivilDate
            @Option(help: "A mobile number to reach the holder.", transform: PhoneNumber.argument) var contactMobile: PhoneNumber

            func run() async throws {
                let params = CarrierIDDetails.Params(
                    journeyId: journey, password: try Input.secretLine("password"), name: name,
                    kana: kana, gender: gender, birthDate: birthDate,
                    contactMobile: contactMobile)
                try await Output.call(CarrierIDDetails.self, params, on: .registration, with: connection, show: describe)
            }
        }

        struct Confirm: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Confirm the details and accept the terms.")
            @OptionGroup var connection: ConnectionOptions
            @Option(help: "The journey ID carrier-id start printed.") var journey: String
            @Flag(help: "Accept the terms of use.") var acceptTerms = false

            func run() async throws {
                try await Output.call(
                    CarrierIDConfirm.self, .init(journeyId: journey, acceptTerms: acceptTerms), on: .registration,
                    with: connection, show: describe)
            }
        }

        struct Consent: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Share with the linking service or not; issues the ID.")
            @OptionGroup var connection: ConnectionOptions
            @Option(help: "The journey ID carrier-id start printed.") var journey: String
            @Flag(inversion: .prefixedNo, help: "Share the details with the linking service (or --no-share).") var share: Bool
            @Flag(help: "Do not ask again about sharing.") var dontAskAgain = false

            func run() async throws {
                try await Output.call(
                    CarrierIDConsent.self, .init(journeyId: journey, share: share, dontAskAgain: dontAskAgain),
                    on: .registration, with: connection, show: describe)
            }
        }

        struct Show: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "The carrier ID of a session (madoctl login --login-id …).")
            @OptionGroup var connection: ConnectionOptions
            @OptionGroup var login: SessionOptions

            func run() async throws {
                try await Output.call(CarrierIDShow.self, .init(session: login.session), on: .registration, with: connection) {
                    "\($0.carrierId): \($0.name) (\($0.kana)) <\($0.email)>, sharing with linking: \($0.shareWithLinking)"
                }
            }
        }
    }
}
