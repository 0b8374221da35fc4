import Foundation
import JSONRPC

/// Reads back what the spool holds: what `madoctl outbox` shows and what tests check
/// was "sent".
public enum SpoolReader {
    /// One delivered message.
    public struct Entry: Codable, Sendable, Hashable {
        public var channel: OutboxMessage.Channel
        public var to: String
        public var subject: String?
        public var body: String
        /// The spool file, relative to the spool folder.
        public var file: String
    }

    /// Every message in `directory`, oldest first: by creation time, then by outbox id
    /// (messages of different services in the same second come in no set order).
    public static func entries(in directory: String) -> [Entry] {
        var entries: [Entry] = []
        for channel in OutboxMessage.Channel.allCases {
            for sub in ["new", "cur"] {
                let folder = "\(channel.rawValue)/\(sub)"
                let names = (try? FileManager.default.contentsOfDirectory(atPath: directory + "/" + folder)) ?? []
                for name in names {
                    guard let data = FileManager.default.contents(atPath: directory + "/" + folder + "/" + name) else {
                        continue
                    }
                    if let entry = read(data, channel: channel, file: folder + "/" + name) { entries.append(entry) }
                }
            }
        }
        return entries.sorted { order(of: $0.file) < order(of: $1.file) }
    }

    /// A spool file's creation second and outbox id, compared as numbers: as text,
    /// `…M10P…` would come before `…M9P…`.
    private static func order(of file: String) -> (Int, Int, String) {
        let name = (file as NSString).lastPathComponent
        let seconds = Int(name.prefix { $0 != "." }) ?? 0
        let id = name.split(separator: "M", maxSplits: 1).last.flatMap { Int($0.prefix { $0 != "P" }) } ?? 0
        return (seconds, id, name)
    }

    private static func read(_ data: Data, channel: OutboxMessage.Channel, file: String) -> Entry? {
        if channel == .mail { return readMail(data, file: file) }
        guard let spooled = try? JSONCoding.decoder.decode(SpooledMessage.self, from: data) else { return nil }
        let message = spooled.message
        return Entry(channel: channel, to: message.to, subject: message.subject, body: message.body, file: file)
    }

    /// Reads the messages `MailFormatter` writes: headers, blank line, base64 body.
    private static func readMail(_ data: Data, file: String) -> Entry? {
        let text = String(decoding: data, as: UTF8.self)
        guard let split = text.range(of: "\r\n\r\n") else { return nil }
        var headers: [String: String] = [:]
        for line in text[..<split.lowerBound].components(separatedBy: "\r\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let encodedBody = text[split.upperBound...].filter { !$0.isWhitespace }
        guard let bodyData = Data(base64Encoded: String(encodedBody)) else { return nil }
        return Entry(
            channel: .mail, to: headers["to"] ?? "", subject: headers["subject"].map(decodeWord),
            body: String(decoding: bodyData, as: UTF8.self), file: file)
    }

    private static func decodeWord(_ text: String) -> String {
        guard text.hasPrefix("=?UTF-8?B?"), text.hasSuffix("?="),
            let data = Data(base64Encoded: String(text.dropFirst(10).dropLast(2)))
        else { return text }
        return String(decoding: data, as: UTF8.self)
    }
}
