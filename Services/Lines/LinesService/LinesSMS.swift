/// The SMS that confirm each change to a line's options, in Japanese as customers receive
/// them. Numbers are shown; no PIN or session ever is.
enum LinesSMS {
    static func signed(_ text: String) -> String {
        "【Madoguchi】\(text) お心当たりのない場合は、ネットワーク暗証番号を変更のうえお問い合わせください。"
    }

    static func blocked(_ number: String) -> String { "迷惑電話ストップに \(number) を登録しました。" }
    static func unblocked(_ number: String) -> String { "迷惑電話ストップから \(number) を削除しました。" }
    static let voicemailStarted = "留守番電話サービスを開始しました。"
    static let voicemailStopped = "留守番電話サービスを停止しました。"
    static func ringTime(_ seconds: Int) -> String { "留守番電話の呼出時間を \(seconds) 秒に設定しました。" }
    static func messageDeleted(_ id: Int64) -> String { "留守番電話のメッセージ（番号 \(id)）を削除しました。" }
    static func messageSaved(_ id: Int64) -> String { "留守番電話のメッセージ（番号 \(id)）を保存しました。" }
    static func forwardingStarted(_ destination: String) -> String { "転送でんわサービスを開始しました（転送先 \(destination)）。" }
    static let forwardingStopped = "転送でんわサービスを停止しました。"
}
