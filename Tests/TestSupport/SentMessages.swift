import ServiceClient
import ServiceKit
import Testing

extension ServiceSandbox {
    /// The messages to `to` in the spool, oldest first.
    public func messages(to: String) -> [SpoolReader.Entry] {
        SpoolReader.entries(in: spoolDirectory).filter { $0.to == to }
    }

    /// The newest message to `to` once there are at least `count`.
    public func message(to: String, count: Int = 1) async throws -> SpoolReader.Entry {
        try await waitUntil("message \(count) to \(to)") { messages(to: to).count >= count }
        return try #require(messages(to: to).last)
    }

    /// The one-time code (mail, SMS or voice) of the `number`th code message to `to`;
    /// other messages to the same address, such as notices, do not count.
    public func code(to: String, number: Int = 1) async throws -> String {
        let codes = { self.messages(to: to).compactMap { SpooledCode.code(in: $0.body) } }
        try await waitUntil("code \(number) to \(to)") { codes().count >= number }
        return codes()[number - 1]
    }
}
