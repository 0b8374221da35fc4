import ArgumentParser
import MadoguchiModels
import RegistrationAPI
import ServiceContract

extension Madoctl {
    /// `madoctl contracts import|show`.
    struct Contracts: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "contracts", abstract: "Contract records (madoguchi-registration; operators).",
            subcommands: [Import.self, Show.self])

        struct Import: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Import contract records from CSV or JSON lines: every row or none, with a report of refused rows.")
            @OptionGroup var connection: ConnectionOptions
            @OptionGroup var options: ImportOptions

            func run() async throws {
                try await Output.importFile(ContractRecords.self, options: options, on: .registration, with: connection)
            }
        }

        struct Show: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Show a contract by customer number.")
            @OptionGroup var connection: ConnectionOptions
            @Argument(help: "The customer number.", transform: CustomerNumber.argument) var customerNumber: CustomerNumber

            func run() async throws {
                let number = customerNumber
                try await Output.call(ContractShow.self, .init(customerNumber: number), on: .registration, with: connection) {
                    "\($0.customerNumber) \($0.name) (\($0.kana)), born \($0.birthDate); phones \($0.phoneNumbers.joined(separator: ", "))"
                        + ($0.myPageAccountId.map { "; My Page \($0)" } ?? "")
                }
            }
        }
    }
}
