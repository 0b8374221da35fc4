import ArgumentParser
import Foundation
import JSONRPC
import ServiceClient

extension Madoctl {
    /// `madoctl outbox`: what the spool holds (mail, SMS, voice calls, letters).
    struct Outbox: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the messages delivered to the spool folder.")

        @Option(help: "The spool folder (default: $MADOGUCHI_SPOOL_DIR, else ./.madoguchi/spool).")
        var spoolDir: String?

        @Option(help: "Only this channel: mail, sms, voice or letter.")
        var channel: String?

        @Option(help: "Only messages to this recipient.")
        var to: String?

        @Flag(help: "Print JSON for scripts.")
        var json = false

        func run() async throws {
            let directory =
                spoolDir ?? ProcessInfo.processInfo.environment["MADOGUCHI_SPOOL_DIR"]
                ?? FileManager.default.currentDirectoryPath + "/.madoguchi/spool"
            let entries = SpoolReader.entries(in: directory).filter { entry in
                (channel == nil || entry.channel.rawValue == channel) && (to == nil || entry.to == to)
            }
            if json {
                print((try? JSONValue(encoding: entries).jsonText) ?? "[]")
                return
            }
            if entries.isEmpty { print("The spool at \(directory) holds no messages.") }
            for entry in entries {
                print("[\(entry.channel.rawValue)] to \(entry.to)" + (entry.subject.map { " — \($0)" } ?? ""))
                print(entry.body.split(separator: "\n", omittingEmptySubsequences: false).map { "    \($0)" }.joined(separator: "\n"))
                print("    (\(entry.file))")
            }
        }
    }
}
