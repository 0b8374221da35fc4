import ArgumentParser
import Foundation
import MadoguchiModels
import RegistrationAPI
import ServiceContract

extension Madoctl {
    /// `madoctl application …`: applications by reception number.
    struct Application: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "application",
            abstract: "Online applications (madoguchi-registration). Log in with `madoctl login --reception R --phone P` (network PIN on standard input).",
            subcommands: [Submit.self, Status.self, Upload.self, Activate.self, Cancel.self, Advance.self, Show.self])

        static func describe(_ view: ApplicationView) -> String {
            var lines = ["\(view.receptionNumber): \(view.state.rawValue)"]
            if let note = view.note { lines.append("  requested: \(note)") }
            if let estimate = view.estimatedShipDate, let latest = view.latestShipDate {
                lines.append("  ships around \(estimate) (at the latest \(latest))")
            }
            if let tracking = view.trackingNumber { lines.append("  tracking: \(tracking)") }
            if let line = view.lineNumber { lines.append("  line: \(line)") }
            if let ported = view.portedOutAt { lines.append("  old line switched off at \(ported)") }
            return lines.joined(separator: "\n")
        }

        struct Submit: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Apply (network PIN on standard input); prints the reception number.")
            @OptionGroup var connection: ConnectionOptions
            @Option(help: "The phone number to reach the applicant.", transform: PhoneNumber.argument) var phone: PhoneNumber
            @Option(help: "The applicant's name in kanji.", transform: PersonName.argument) var name: PersonName
            @Option(help: "The applicant's name in katakana.", transform: KanaName.argument) var kana: KanaName
            @Option(help: "YYYY-MM-DD.", transform: CivilDate.argument) var birthDate: CivilDate
            @Option(help: "The applicant's e-mail address.", transform: EmailAddress.argument) var email: EmailAddress
            @Option(help: "An existing number to port in.", transform: PhoneNumber.argument) var portIn: PhoneNumber?
            @Option(help: "The port-in's MNP reservation number (10 digits).") var mnpNumber: String?
            @Option(help: "The day the MNP reservation was issued, YYYY-MM-DD (it holds 15 days).", transform: CivilDate.argument) var mnpIssued: CivilDate?

            func run() async throws {
                let params = ApplicationSubmit.Params(
                    phoneNumber: phone, pin: try Input.value(try Input.secretLine("PIN")),
                    name: name, kana: kana, birthDate: birthDate,
                    email: email, portInNumber: portIn,
                    mnpReservationNumber: mnpNumber, mnpIssuedOn: mnpIssued)
                try await Output.call(ApplicationSubmit.self, params, on: .registration, with: connection) { $0.receptionNumber }
            }
        }

        struct Status: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "The application's state (reception session).")
            @OptionGroup var connection: ConnectionOptions
            @OptionGroup var login: SessionOptions

            func run() async throws {
                try await Output.call(ApplicationStatus.self, .init(session: login.session), on: .registration, with: connection, show: describe)
            }
        }

        struct Upload: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Upload a new identity-document image (JPEG or PNG).")
            @OptionGroup var connection: ConnectionOptions
            @OptionGroup var login: SessionOptions
            @Option(help: "drivers_licence, my_number_card, passport or residence_card.") var type: String
            @Argument(help: "The document: a JPEG, PNG or PDF file.") var file: String

            func run() async throws {
                guard let data = FileManager.default.contents(atPath: file) else { throw ValidationError("Cannot read \(file).") }
                let contentType = file.lowercased().hasSuffix(".png") ? "image/png" : "image/jpeg"
                let params = ApplicationUploadDocument.Params(
                    session: login.session, documentType: type, contentType: contentType, data: data.base64EncodedString())
                try await Output.call(ApplicationUploadDocument.self, params, on: .registration, with: connection, show: describe)
            }
        }

        struct Activate: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Activate the delivered line.")
            @OptionGroup var connection: ConnectionOptions
            @OptionGroup var login: SessionOptions

            func run() async throws {
                try await Output.call(ApplicationActivate.self, .init(session: login.session), on: .registration, with: connection, show: describe)
            }
        }

        struct Cancel: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Cancel the application before it ships.")
            @OptionGroup var connection: ConnectionOptions
            @OptionGroup var login: SessionOptions

            func run() async throws {
                try await Output.call(ApplicationCancel.self, .init(session: login.session), on: .registration, with: connection, show: describe)
            }
        }

        struct Advance: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Operators: move an application (under_review, documents_requested, approved, shipped, delivered, cancelled).")
            @OptionGroup var connection: ConnectionOptions
            @Argument(help: "The application's 13-character reception number.", transform: ReceptionNumber.argument) var receptionNumber: ReceptionNumber
            @Argument(help: "The next state of the application.") var state: String
            @Option(help: "A note for the applicant.") var note: String?
            @Option(help: "The delivery's tracking number (shipped).") var trackingNumber: String?
            @Option(help: "The phone number given to the new line (activated).", transform: PhoneNumber.argument) var lineNumber: PhoneNumber?

            func run() async throws {
                guard let target = ApplicationState(rawValue: state) else {
                    throw ValidationError("The state is one of: \(ApplicationState.allCases.map(\.rawValue).joined(separator: ", ")).")
                }
                let params = ApplicationAdvance.Params(
                    receptionNumber: receptionNumber, to: target, note: note, trackingNumber: trackingNumber,
                    lineNumber: lineNumber)
                try await Output.call(ApplicationAdvance.self, params, on: .registration, with: connection, show: describe)
            }
        }

        struct Show: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Operators: show an application.")
            @OptionGroup var connection: ConnectionOptions
            @Argument(help: "The application's 13-character reception number.", transform: ReceptionNumber.argument) var receptionNumber: ReceptionNumber

            func run() async throws {
                try await Output.call(
                    ApplicationShow.self, .init(receptionNumber: receptionNumber), on: .registration,
                    with: connection, show: describe)
            }
        }
    }
}
