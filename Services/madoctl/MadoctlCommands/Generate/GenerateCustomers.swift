import ArgumentParser
import Foundation
import MadoguchiModels

extension Madoctl {
    /// `madoctl generate customers`: a whole operator's customers, as the files its
    /// services import and the call data sets `madoctl bench` draws from.
    struct GenerateCustomers: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "customers",
            abstract: "Customers 1…N of a realistic operator: contracts, ISP contracts, network PINs, My Page passwords and benchmark call sets.",
            discussion: """
                Writes into --output:
                  contracts.jsonl        madoctl contracts import (registration)
                  isp-contracts.jsonl    madoctl isp-contracts import (linking)
                  lines.jsonl            madoctl lines import (lines): every line, voice or data
                  pin-set.jsonl          pin.set params, one per voice line (madoctl bench auth pin.set --params-file … --count LINES)
                  password-set.jsonl     password.set params for the first --accounts customers' My Page logins
                  pin-verify.jsonl       --calls pin.verify params over all voice lines, --wrong-percent of them wrong
                  statements-list.jsonl  --calls statements.list params (operator) over all customers
                  password-verify.jsonl  --calls password.verify params over the --accounts logins
                Statements come from `madoctl generate statements` for the same customers. With \
                --first-customer the numbers start later, so a generated set never overwrites \
                customers already there (the demo's are 1 to 3).
                """)

        @Option(help: "How many customers.") var customers = 1_000
        @Option(help: "The first customer number (the demo data has 1 to 3).") var firstCustomer = 1
        @Option(help: "How many of them (the first) get a My Page password.") var accounts = 1_000
        @Option(help: "Calls in each benchmark call set.") var calls = 200_000
        @Option(help: "Share of PIN checks with a wrong PIN, in percent.") var wrongPercent = 5
        @Option(help: "The folder to write into.") var output = "."

        func validate() throws {
            guard (1...99_999_999).contains(customers) else { throw ValidationError("--customers is 1 to 99,999,999.") }
            guard firstCustomer >= 1, firstCustomer + customers - 1 <= 99_999_999 else {
                throw ValidationError("--first-customer is at least 1, and the last number (first + customers − 1) at most 99,999,999.")
            }
            guard (0...customers).contains(accounts) else { throw ValidationError("--accounts is 0 to --customers.") }
            guard calls > 0 else { throw ValidationError("--calls must be positive.") }
            guard (0...100).contains(wrongPercent) else { throw ValidationError("--wrong-percent is 0 to 100.") }
        }

        func run() async throws {
            try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
            let records = CustomerRecords()
            let voiceLines = try writeRecords(records)
            try write("password-set.jsonl", count: accounts) { records.passwordSet(customer: firstCustomer + $0) }
            var random = SplitMix64(seed: UInt64(customers))
            try write("pin-verify.jsonl", count: calls) { _ in
                let customer = SyntheticCustomer(number: firstCustomer + Int(random.next() % UInt64(customers)))
                let lines = customer.lines.filter(\.voice)
                guard let line = lines.isEmpty ? nil : lines[Int(random.next() % UInt64(lines.count))] else {
                    return nil  // a data-only customer has no PIN to check: draw again
                }
                let wrong = Int(random.next() % 100) < wrongPercent
                return records.pinVerify(customer, line: line, wrong: wrong, origin: Self.origin(&random))
            }
            try write("statements-list.jsonl", count: calls) { _ in
                #"{"customerNumber":"\#(UInt64(firstCustomer) + random.next() % UInt64(customers))"}"#
            }
            if accounts > 0 {
                try write("password-verify.jsonl", count: calls) { _ in
                    records.passwordVerify(customer: firstCustomer + Int(random.next() % UInt64(accounts)), origin: Self.origin(&random))
                }
            }
            print(
                "\(customers) customers (\(firstCustomer) to \(firstCustomer + customers - 1)), \(voiceLines) voice lines, \(accounts) My Page passwords in \(output)")
        }

        /// The record files, in one pass over the customers; answers the voice lines.
        private func writeRecords(_ records: CustomerRecords) throws -> Int {
            var contractFile = try JSONLinesWriter(path: output + "/contracts.jsonl")
            var ispFile = try JSONLinesWriter(path: output + "/isp-contracts.jsonl")
            var pinFile = try JSONLinesWriter(path: output + "/pin-set.jsonl")
            var lineFile = try JSONLinesWriter(path: output + "/lines.jsonl")
            for number in firstCustomer...(firstCustomer + customers - 1) {
                let customer = SyntheticCustomer(number: number)
                contractFile.append(records.contract(customer))
                if let line = records.ispContract(customer) { ispFile.append(line) }
                for line in customer.lines {
                    lineFile.append(records.line(customer, line: line))
                    if line.voice { pinFile.append(records.pinSet(customer, line: line)) }
                }
            }
            let voiceLines = pinFile.lines
            try contractFile.close()
            try ispFile.close()
            try pinFile.close()
            try lineFile.close()
            return voiceLines
        }

        /// Writes `count` lines made by `line`, which may answer nil to be asked again.
        private func write(_ name: String, count: Int, line: (Int) -> String?) throws {
            var file = try JSONLinesWriter(path: output + "/" + name)
            while file.lines < count {
                if let text = line(file.lines) { file.append(text) }
            }
            try file.close()
        }

        /// An end user's address as a front end reports it: many, so that the per-origin
        /// failure throttle counts them apart as it would real callers.
        private static func origin(_ random: inout SplitMix64) -> String {
            let value = random.next()
            return "10.\(value & 0xFF).\((value >> 8) & 0xFF).\((value >> 16) & 0xFF)"
        }
    }
}
