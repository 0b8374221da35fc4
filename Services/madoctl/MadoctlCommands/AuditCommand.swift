import ArgumentParser
import AuthAPI
import ServiceContract

extension Madoctl {
    /// `madoctl audit`: auth's security trail for operators.
    struct Audit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Auth's security events (PIN failures, locks, unlocks, resets, changes), newest first (operators).",
            discussion: "Lines' changes: madoctl line audit. Links and unlinks: madoctl link show.")
        @OptionGroup var connection: ConnectionOptions
        @Option(help: "Only this subject, e.g. line:09012345678.", transform: PINSubject.argument) var subject: PINSubject?
        @Option(help: "Only events at or after this instant (ISO 8601, e.g. 2026-11-21T00:00:00+09:00).") var since: String?
        @Option(help: "Only events before this instant (ISO 8601).") var until: String?
        @Option(help: "At most this many (1 to 1000; default 100).") var limit: Int?

        func validate() throws {
            for (name, value) in [("--since", since), ("--until", until)] {
                if let value, ISO8601.parse(value) == nil {
                    throw ValidationError("\(name) is an ISO 8601 instant, e.g. 2026-11-21T00:00:00+09:00.")
                }
            }
            if let limit, !(1...1000).contains(limit) { throw ValidationError("--limit is 1 to 1000.") }
        }

        func run() async throws {
            let params = AuditList.Params(subject: subject, since: since, until: until, limit: limit)
            try await Output.call(AuditList.self, params, on: .auth, with: connection) { entries in
                entries.isEmpty
                    ? "No events."
                    : entries.map { entry in
                        "\(entry.at) \(entry.event) \(entry.subject)\(entry.kind.map { " (\($0))" } ?? "") by uid \(entry.peerUID)"
                            + (entry.detail.map { ": \($0)" } ?? "")
                    }.joined(separator: "\n")
            }
        }
    }
}
