import AuthAPI
import ServiceClient
import ServiceKit

/// The message that carries a one-time code to the customer.
enum CodeMessage {
    /// The mail's subject says what the code is for, so that a customer with two codes in
    /// the inbox (a carrier ID's key, an ISP link's code) enters the right one.
    static func subject(for purpose: CodePurpose) -> String {
        switch purpose.value {
        case "carrier-id": "【キャリアID】発行手続きの確認キー"
        case "isp-link", "isp-link-phone": "【ID連携】ISPご契約との連携の確認コード"
        default: "確認コードのお知らせ"
        }
    }

    static func message(code: String, purpose: CodePurpose, destination: CodeDestination, minutes: Int) -> OutboxMessage {
        switch destination.channel {
        case .mail:
            OutboxMessage(
                channel: .mail, to: destination.to, subject: subject(for: purpose),
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
