import Foundation
import MadoguchiModels
import ServiceClient

/// Formats an outbox e-mail as an RFC 5322 / MIME message: UTF-8 text, base64 body, the
/// subject as an RFC 2047 encoded word, a Message-ID built from the outbox id.
public enum MailFormatter {
    /// The sender of every message.
    public static let from = "Madoguchi <no-reply@madoguchi.localhost>"

    public static func rfc5322(_ message: OutboxMessage, id: Int64, serviceName: String, date: Date) -> Data {
        let headers = [
            "From: \(from)",
            "To: \(message.to)",
            "Subject: \(encodedWord(message.subject ?? ""))",
            "Date: \(rfc5322Date(date))",
            "Message-ID: <\(Int(date.timeIntervalSince1970)).\(id).\(serviceName)@madoguchi.localhost>",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=UTF-8",
            "Content-Transfer-Encoding: base64",
        ]
        let body = Data(message.body.utf8).base64EncodedString(options: [.lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed])
        return Data((headers.joined(separator: "\r\n") + "\r\n\r\n" + body + "\r\n").utf8)
    }

    /// `text` as an RFC 2047 encoded word when it is not plain ASCII.
    static func encodedWord(_ text: String) -> String {
        if text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) { return text }
        return "=?UTF-8?B?" + Data(text.utf8).base64EncodedString() + "?="
    }

    static func rfc5322Date(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = .tokyo
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        return formatter.string(from: date)
    }
}
