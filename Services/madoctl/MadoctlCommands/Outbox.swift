import ArgumentParser
import Foundation
import JSONRPC
import ServiceClient
import ServiceContract

extension Madoctl {
    /// `madoctl outbox [spool]|queue|requeue|drop|audit`: what the spool holds, and each
    /// service's queue of messages still to send.
    struct Outbox: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The spool's delivered messages, and each service's queue of messages still to send (operators).",
            subcommands: [Spool.self, Code.self, Queue.self, Requeue.self, Drop.self, Audit.self], defaultSubcommand: Spool.self)
    }
}

extension Madoctl.Outbox {
    /// `madoctl outbox [spool]`: what the spool holds (mail, SMS, voice calls, letters).
    struct Spool: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the messages delivered to the spool folder.")

        @Option(help: "The spool folder (default: $MADOGUCHI_SPOOL_DIR, else /var/spool/madoguchi, as installed).")
        var spoolDir: String?

        @Option(help: "Only this channel.") var channel: OutboxMessage.Channel?

        @Option(help: "Only messages to this recipient.")
        var to: String?

        @Flag(help: "Print JSON for scripts.")
        var json = false

        func run() async throws {
            let directory = spoolDir ?? ProcessInfo.processInfo.environment["MADOGUCHI_SPOOL_DIR"] ?? "/var/spool/madoguchi"
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: directory, isDirectory: &isFolder), isFolder.boolValue else {
                Output.standardError("error: no spool folder at \(directory) (give --spool-dir or set MADOGUCHI_SPOOL_DIR)")
                throw ExitCode(1)
            }
            let entries = SpoolReader.entries(in: directory).filter { entry in
                (channel == nil || entry.channel == channel) && (to == nil || entry.to == to)
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

    /// `madoctl outbox code --to R`: the code a journey's next step asks for, from the
    /// spool, so the journeys can be walked by hand or in a script (README's walk-through).
    struct Code: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The one-time code, or a mailed link's token, in the newest message to --to that has one; waits for it.")
        @Option(help: "The spool folder (default: $MADOGUCHI_SPOOL_DIR, else /var/spool/madoguchi).") var spoolDir: String?
        @Option(help: "The recipient: an e-mail address or a phone number's digits.") var to: String
        @Option(help: "Seconds to wait for the message.") var wait: Double = 10

        func run() async throws {
            let directory = spoolDir ?? ProcessInfo.processInfo.environment["MADOGUCHI_SPOOL_DIR"] ?? "/var/spool/madoguchi"
            let deadline = ContinuousClock.now + .milliseconds(Int(wait * 1000))
            repeat {
                let newest = SpoolReader.entries(in: directory).filter { $0.to == to }.reversed()
                if let code = newest.lazy.compactMap({ SpooledCode.codeOrLinkToken(in: $0.body) }).first {
                    print(code)
                    return
                }
                try await Task.sleep(for: .milliseconds(100))
            } while ContinuousClock.now < deadline
            Output.standardError("error: no message to \(to) with a code or a link in \(directory) within \(wait) s")
            throw ExitCode(1)
        }
    }

    /// `madoctl outbox queue SERVICE [--dead]`.
    struct Queue: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A service's messages still to send, or --dead those set aside after their last attempt (never their content).")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "The service.") var service: ServiceName
        @Flag(help: "Only the messages set aside as dead.") var dead = false
        @Option(help: "At most this many (1 to 1000).") var limit = 100

        func run() async throws {
            try await Output.call(OutboxList.self, .init(dead: dead, limit: limit), on: service, with: connection) { result in
                guard !result.messages.isEmpty else { return dead ? "No dead messages." : "Nothing waits to be sent." }
                return result.messages.map { message in
                    let when = message.deadAt.map { "dead since \($0)" } ?? message.nextAttemptAt.map { "next attempt \($0)" } ?? ""
                    return "#\(message.id) [\(message.channel)] to \(message.to ?? "(cannot be opened)"), \(message.attempts) attempts, \(when)"
                        + (message.lastError.map { "\n    last error: \($0)" } ?? "")
                }.joined(separator: "\n")
            }
        }
    }

    /// A dead message, by its service and id.
    struct DeadMessage: ParsableArguments {
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "The service.") var service: ServiceName
        @Argument(help: "The message's id (madoctl outbox queue SERVICE --dead).") var id: Int64

        func act<M: RPCMethod>(_ method: M.Type, saying done: String) async throws
        where M.Params == OutboxMessageID, M.Result == OutboxMessageID {
            try await Output.call(method, .init(id: id), on: service, with: connection) { "#\($0.id) \(done)" }
        }
    }

    /// `madoctl outbox requeue SERVICE ID`.
    struct Requeue: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Try a dead message again from now (audited).")
        @OptionGroup var message: DeadMessage
        func run() async throws { try await message.act(OutboxRequeue.self, saying: "requeued") }
    }

    /// `madoctl outbox drop SERVICE ID`.
    struct Drop: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a dead message unsent (audited).")
        @OptionGroup var message: DeadMessage
        func run() async throws { try await message.act(OutboxDrop.self, saying: "dropped") }
    }

    /// `madoctl outbox audit SERVICE`.
    struct Audit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Who requeued or dropped which dead message, newest first.")
        @OptionGroup var connection: ConnectionOptions
        @Argument(help: "The service.") var service: ServiceName

        func run() async throws {
            try await Output.call(OutboxAudit.self, .init(), on: service, with: connection) { result in
                result.entries.isEmpty
                    ? "No requeue or drop yet."
                    : result.entries.map { "\($0.at) #\($0.outboxId) [\($0.channel)] \($0.action) by uid \($0.peerUid)" }.joined(separator: "\n")
            }
        }
    }
}

