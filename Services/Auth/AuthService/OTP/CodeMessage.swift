import AuthAPI
import ServiceKit

/// The message that carries a one-time code to the customer.
enum CodeMessage {
    static func message(code: String, destination: CodeDestination, minutes: Int) -> OutboxMessage {
        switch destination.channel {
        case .mail:
            OutboxMessage(
                channel: .mail, to: destination.to, subject: "確認コードのお知らせ",
                body: """
                    確認コード: \(code)
                    有効期限: \(minutes)分

                    Your confirmation code is \(code). It is valid for \(minutes) minutes.
                    """)
        case .sms:
            OutboxMessage(channel: .sms, to: destination.to, body: "確認コード \(code)（\(minutes)分間有効）")
        case .voice:
            // Read out digit by digit, twice, as voice lines do.
            OutboxMessage(
                channel: .voice, to: destination.to,
                body: "確認コードは、\(code.map(String.init).joined(separator: "、"))、です。繰り返します。"
                    + "\(code.map(String.init).joined(separator: "、"))、です。")
        }
    }
}
