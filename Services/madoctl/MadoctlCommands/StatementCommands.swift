import ArgumentParser
import BillingAPI
import Foundation
import MadoguchiModels
import ServiceContract

extension Madoctl {
    /// `madoctl statements list|show|export|import`.
    struct Statements: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "statements",
            abstract: "Monthly statements of the last 15 months (madoguchi-billing).",
            subcommands: [List.self, Show.self, Export.self, Import.self])

        /// Whose statements: a My Page session, or (operators) a customer number.
        struct Owner: ParsableArguments {
            @Option(help: "A My Page session token (madoctl login --for mypage).") var session: String?
            @Option(name: .customLong("customer"), help: "Operators: the customer number.", transform: CustomerNumber.argument) var customer: CustomerNumber?

            func owner() throws -> StatementOwner {
                guard session != nil || customer != nil else { throw ValidationError("Give --session or --customer.") }
                return StatementOwner(session: session, customerNumber: customer)
            }
        }

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "The statements of the last 15 months, newest first.")
            @OptionGroup var connection: ConnectionOptions
            @OptionGroup var owner: Owner

            func run() async throws {
                try await Output.call(StatementsList.self, try owner.owner(), on: .billing, with: connection) { list in
                    (["Customer \(list.customerNumber), \(list.from) to \(list.to):"]
                        + list.statements.map { statement in
                            "\(statement.month)  \(statement.total) (tax \(statement.tax))  due \(statement.dueDate)  \(statement.paymentStatus.label)"
                        }).joined(separator: "\n")
                }
            }
        }

        struct Show: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "One month's statement with its line items and tax per rate.")
            @OptionGroup var connection: ConnectionOptions
            @OptionGroup var owner: Owner
            @Argument(help: "The month, YYYY-MM.", transform: BillingMonth.argument) var month: BillingMonth

            func run() async throws {
                let params = StatementMonthParams(try owner.owner(), month: month)
                try await Output.call(StatementsShow.self, params, on: .billing, with: connection, show: Self.describe)
            }

            static func describe(_ statement: MonthlyStatement) -> String {
                var lines = [
                    "Statement \(statement.month) for customer \(statement.customerNumber) (\(statement.issuerRegistrationNumber))",
                    "issued \(statement.issueDate), due \(statement.dueDate), \(statement.paymentMethod.label), \(statement.paymentStatus.label)",
                ]
                lines += statement.items.map { item in
                    "  \(item.code)  \(item.description)  \(item.quantity) × \(item.unitPrice) = \(item.amount)  [\(item.taxCategory.label)]"
                }
                lines += statement.taxes.map { "  \($0.taxCategory.label): \($0.subtotal), tax \($0.tax)" }
                lines.append("subtotal \(statement.subtotal), tax \(statement.tax), total \(statement.total)")
                return lines.joined(separator: "\n")
            }
        }

        struct Export: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "One month's statement as CSV (UTF-8 with a byte order mark, for spreadsheets).")
            @OptionGroup var connection: ConnectionOptions
            @OptionGroup var owner: Owner
            @Argument(help: "The month, YYYY-MM.", transform: BillingMonth.argument) var month: BillingMonth
            @Option(name: .shortAndLong, help: "Write the file here (default: standard output).") var output: String?

            func run() async throws {
                let params = StatementMonthParams(try owner.owner(), month: month)
                let file: StatementCSV
                do {
                    let client = try await connection.connect(to: .billing)
                    file = try await client.call(StatementsExport.self, params)
                    await client.close()
                } catch {
                    throw Failure.exit(error, json: connection.json)
                }
                let bytes = Data(file.csv.utf8)
                if let output {
                    try bytes.write(to: URL(fileURLWithPath: output))
                    print(connection.json ? #"{"file":"\#(output)"}"# : "Wrote \(output) (\(bytes.count) bytes).")
                } else {
                    FileHandle.standardOutput.write(bytes)
                }
            }
        }

        struct Import: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Import statements (operators): JSON lines with an items list, or CSV with one line per item; every statement or none.")
            @OptionGroup var connection: ConnectionOptions
            @OptionGroup var options: ImportOptions

            func run() async throws {
                try await Output.importFile(StatementRecords.self, options: options, on: .billing, with: connection)
            }
        }
    }
}
