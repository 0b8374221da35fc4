import Foundation
import MadoguchiModels
import RegistrationAPI
import ServiceClient
import ServiceContract
import ServiceKit

/// The messages registration sends, in Japanese as customers receive them. Links carry a
/// token that is stored only as a keyed hash.
enum RegistrationMail {
    static func provisional(to email: String, accountId: String, url: String, expiresAt: Date) -> OutboxMessage {
        OutboxMessage(
            channel: .mail, to: email, subject: "【My Page】本登録のお手続き",
            body: """
                My Page の仮登録を受け付けました（アカウントID: \(accountId)）。
                次のURLを開き、パスワードを入力して本登録を完了してください。
                \(url)
                有効期限: \(ISO8601.tokyo(expiresAt))（24時間）。期限を過ぎた場合は最初からお手続きください。
                """)
    }

    static func registered(to email: String, accountId: String) -> OutboxMessage {
        OutboxMessage(
            channel: .mail, to: email, subject: "【My Page】本登録完了",
            body: "My Page の本登録が完了しました。アカウントID \(accountId) とパスワードでログインできます。")
    }

    static func applicationReceived(to email: String, reception: String) -> OutboxMessage {
        OutboxMessage(
            channel: .mail, to: email, subject: "【お申し込み受付】受付番号のお知らせ",
            body: """
                お申し込みを受け付けました。受付番号: \(reception)
                受付番号・お申し込み時の携帯電話番号・ネットワーク暗証番号で、状況の確認や本人確認書類の再提出ができます。
                """)
    }

    /// A state as the customer reads it.
    static func stateName(_ state: ApplicationState) -> String {
        switch state {
        case .received: "受付"
        case .underReview: "審査中"
        case .documentsRequested: "書類再提出のお願い"
        case .resubmitted: "書類再提出受付"
        case .approved: "審査完了"
        case .shipped: "発送済み"
        case .delivered: "お届け済み"
        case .activated: "開通"
        case .cancelled: "キャンセル"
        }
    }

    /// What a shipped SIM's mail adds: the tracking number and when it should arrive.
    struct Shipment: Sendable {
        var trackingNumber: String
        var shippedOn: CivilDate
    }

    static func applicationUpdate(
        to email: String, reception: String, state: ApplicationState, note: String?, shipment: Shipment? = nil
    ) -> OutboxMessage {
        var lines = ["受付番号 \(reception) のお申し込み状況が「\(stateName(state))」になりました。"]
        if let shipment {
            // Delivery takes one to three days from shipping within Japan.
            let (from, to) = (shipment.shippedOn.adding(days: 1), shipment.shippedOn.adding(days: 3))
            lines.append("お問い合わせ伝票番号: \(shipment.trackingNumber)")
            lines.append("お届け予定: \(from.month)月\(from.day)日〜\(to.month)月\(to.day)日")
        }
        if let note { lines.append(note) }
        return OutboxMessage(
            channel: .mail, to: email, subject: "【お申し込み状況】\(stateName(state))（受付番号 \(reception)）",
            body: lines.joined(separator: "\n"))
    }

    static func recoveryLink(to email: String, url: String, expiresAt: Date) -> OutboxMessage {
        OutboxMessage(
            channel: .mail, to: email, subject: "【会員サイト】会員IDの確認・パスワードの再設定",
            body: """
                次のURLで会員IDの確認とパスワードの再設定ができます。
                \(url)
                有効期限: \(ISO8601.tokyo(expiresAt))（1時間）。お心当たりのない場合はこのメールを破棄してください。
                """)
    }

    static func recoveryLetter(to address: String, name: String, accountId: String, password: String, dueBy: Date) -> OutboxMessage {
        OutboxMessage(
            channel: .letter, to: address, subject: "簡易書留　会員ID・仮パスワードのお知らせ",
            body: """
                \(name) 様
                会員ID: \(accountId)
                仮パスワード: \(password)
                ログイン後、パスワードを変更してください。（発送期限: \(CivilDate(containing: dueBy))）
                """)
    }

    static func carrierIDIssued(to email: String, carrierId: String) -> OutboxMessage {
        OutboxMessage(
            channel: .mail, to: email, subject: "【キャリアID】発行完了",
            body: "キャリアID \(carrierId) を発行しました。設定したパスワードでログインできます。")
    }
}
