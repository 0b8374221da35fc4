import AuthAPI
import ServiceClient
import ServiceKit

/// The mail telling a customer their PIN change is done. It never contains the PIN.
enum PINChangeMail {
    static func message(to address: String, kind: PINKind) -> OutboxMessage {
        let name = kind == .network ? "ネットワーク暗証番号" : "暗証番号"
        return OutboxMessage(
            channel: .mail, to: address, subject: "\(name)の変更が完了しました",
            body: """
                ご依頼いただいた\(name)の変更が完了しました。
                お心当たりのない場合は、サポートセンターまでご連絡ください。

                Your PIN change is complete. If you did not ask for it, please contact support.
                """)
    }
}
