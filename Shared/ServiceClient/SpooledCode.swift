import Foundation

/// The one-time code in a delivered message's body, as the services write it:
/// "確認コード: 123456" by mail, "確認コード 123456（10分間有効）" by SMS, "確認コードは、1、2、3、
/// 4、5、です" by voice — for `madoctl outbox code` and the tests that read the spool.
public enum SpooledCode {
    /// The code in `body`, if it is a code message.
    public static func code(in body: String) -> String? {
        if let written = body.firstMatch(of: /確認コード:? ?([0-9]{5,6})/) { return String(written.1) }
        if let spoken = body.firstMatch(of: /確認コードは、((?:[0-9]、)+)/) { return String(spoken.1).filter(\.isNumber) }
        return nil
    }

    /// The code in `body`, or else the token of the link it carries (`token=`).
    public static func codeOrLinkToken(in body: String) -> String? {
        if let code = code(in: body) { return code }
        if let link = body.firstMatch(of: /token=([A-Za-z0-9_-]+)/) { return String(link.1) }
        return nil
    }
}
