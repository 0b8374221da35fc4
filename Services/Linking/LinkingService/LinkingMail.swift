import Foundation
import MadoguchiModels
import ServiceClient
import ServiceContract
import ServiceKit

/// The messages linking sends, in Japanese as customers receive them. Each goes to the
/// carrier ID's address and, as a notice, to the ISP address.
enum LinkingMail {
    static func linked(_ link: LinkRow, contract: ISPContract) -> [OutboxMessage] {
        let body = """
            キャリアID \(link.carrierId) とISPのご契約（お客さま番号 \(link.customerNumber)、\(contract.description)）の連携が完了しました。
            連携番号: \(link.linkNumber)
            ISPのメールアドレス: \(contract.email)
            これからはキャリアIDとそのパスワードでISPのサービスにログインできます。お心当たりのない場合はお問い合わせください。
            """
        return [link.carrierEmail, contract.email].map {
            OutboxMessage(channel: .mail, to: $0, subject: "【ID連携】連携完了のお知らせ（連携番号 \(link.linkNumber)）", body: body)
        }
    }

    static func unlinked(_ link: LinkRow, contract: ISPContract, at: Date) -> [OutboxMessage] {
        let body = """
            キャリアID \(link.carrierId) とISPのご契約（お客さま番号 \(link.customerNumber)）の連携を解除しました（\(ISO8601.tokyo(at))）。
            連携番号: \(link.linkNumber)
            今後キャリアIDではISPのサービスにログインできません。お心当たりのない場合はお問い合わせください。
            """
        return [link.carrierEmail, contract.email].map {
            OutboxMessage(channel: .mail, to: $0, subject: "【ID連携】連携解除のお知らせ（連携番号 \(link.linkNumber)）", body: body)
        }
    }
}
