import ArgumentParser
import AuthAPI
import Foundation
import JSONRPC
import MadoguchiModels
import ServiceClient
import ServiceContract

/// `madoctl customer erase`: a former customer's personal data removed from every service
/// on request, with a report of what went where (README "Erasing a former customer").
struct Customer: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "A former customer's personal data across the services (operators).", subcommands: [Erase.self])

    struct Erase: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Erase a former customer's personal data from every service, and report what was removed and kept where.",
            discussion: """
                Registration is asked first (without changing anything) for the customer's phone numbers and My Page \
                login IDs, then auth, lines, linking and billing erase, and registration last: a run cut short (a \
                service unreachable) changes nothing it did not report, and running it again finishes the job.
                """)
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "The customer number.", transform: CustomerNumber.argument) var customerNumber: CustomerNumber
        @Option(help: "A carrier ID of the customer's, whose links and journeys go too (repeatable).", transform: LoginID.argument)
        var carrierId: [LoginID] = []
        @Flag(help: "Count what would go; change nothing.") var dryRun = false

        /// Registration first to learn the identities, last to erase: until it has erased,
        /// a second run learns them again.
        static let order: [ServiceName] = [.auth, .lines, .linking, .billing, .registration]

        func run() async throws {
            var reports: [ErasureReport] = []
            do {
                let registration = try await erase(on: .registration, phones: [], logins: [], dryRun: true)
                let logins = registration.loginIds + carrierId.map(\.value)
                for service in Self.order {
                    reports.append(try await erase(on: service, phones: registration.phoneNumbers, logins: logins, dryRun: dryRun))
                }
            } catch {
                if !connection.json { print(reports.map(Self.text).joined(separator: "\n")) }
                Output.standardError("erasure incomplete after \(reports.count) of \(Self.order.count) services: run it again")
                throw Failure.exit(error, json: connection.json)
            }
            print(connection.json ? (try JSONValue(encoding: reports)).jsonText : reports.map(Self.text).joined(separator: "\n"))
        }

        private func erase(on service: ServiceName, phones: [String], logins: [String], dryRun: Bool) async throws -> ErasureReport {
            let client = try await connection.connect(to: service)
            do {
                // An erasure may take a service 60 s on PostgreSQL (one transaction over its tables).
                let report = try await client.call(
                    CustomerErase.self,
                    .init(customerNumber: customerNumber, phoneNumbers: phones, loginIds: logins, dryRun: dryRun),
                    timeout: connection.callTimeout(unlessGiven: .seconds(120)))
                await client.close()
                return report
            } catch {
                await client.close()
                throw error
            }
        }

        /// `auth: removed 2 PINs, 1 passwords; kept 3 security audit rows (why)`.
        static func text(_ report: ErasureReport) -> String {
            let removed = report.removed.isEmpty ? "nothing" : report.removed.map { "\($0.rows) \($0.what)" }.joined(separator: ", ")
            var line = "\(report.service): \(report.dryRun ? "would remove" : "removed") \(removed)"
            for kept in report.kept { line += "\n    kept \(kept.rows) \(kept.what): \(kept.why)" }
            return line
        }
    }
}
