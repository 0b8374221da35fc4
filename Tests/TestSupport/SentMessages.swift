import ServiceClient
import ServiceKit
import Testing

/// Auth's one-time codes as its messages carry them (`CodeMessage`): "確認コード: 123456"
/// by mail, "確認コード 123456（10分間有効）" by SMS, "確認コードは、1、2、3、4、5、です" by voice.
public enum SentCode {
    /// The code in a message body, if it is a code message.
    public static func code(in body: String) -> String? {
        if let written = body.firstMatch(of: /確認コード:? ?([0-9]{5,6})/) { return String(written.1) }
        if let spoken = body.firstMatch(of: /確認コードは、((?:[0-9]、)+)/) { return String(spoken.1).filter(\.isNumber) }
        return nil
    }
}

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
        let codes = { self.messages(to: to).compactMap { SentCode.code(in: $0.body) } }
        try await waitUntil("code \(number) to \(to)") { codes().count >= number }
        return codes()[number - 1]
    }
}
