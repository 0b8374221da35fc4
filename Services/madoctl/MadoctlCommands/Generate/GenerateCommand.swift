import ArgumentParser
import Foundation
import MadoguchiModels

extension Madoctl {
    /// `madoctl generate …`: realistic data sets of any size, for load tests and for
    /// proving that imports scale.
    struct Generate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write realistic data sets to import (deterministic: the same flags, and --as-of, give the same files).",
            subcommands: [GenerateCustomers.self, GenerateStatements.self])
    }

    /// `madoctl generate statements`.
    struct GenerateStatements: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "statements",
            abstract: "Statements for customers 1…N over the months up to --through, one JSON-lines file per month.")
        @Option(help: "How many customers (customer numbers 1 to N).") var customers = 1_000
        @Option(help: "How many months, ending with --through.") var months = 15
        @Option(help: "The last month, YYYY-MM.", transform: BillingMonth.argument) var through: BillingMonth
        @Option(help: "The folder to write statements-YYYY-MM.jsonl into.") var output = "."
        @Option(
            help: "The day the data set is as of, YYYY-MM-DD (default: today in Japan time): a statement is paid once its due date has passed, unpaid before.",
            transform: CivilDate.argument)
        var asOf: CivilDate?

        func run() async throws {
            let last = through
            let today = asOf ?? CivilDate(containing: Date())
            guard customers > 0, months > 0 else { throw ValidationError("--customers and --months must be positive.") }
            try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
            for offset in stride(from: months - 1, through: 0, by: -1) {
                let month = last.advanced(by: -offset)
                guard month >= BillingMonth.earliestStatement else { continue }
                let path = output + "/statements-\(month).jsonl"
                try StatementGenerator(month: month, asOf: today).write(customers: 1...customers, to: path)
                print(path)
            }
        }
    }
}
