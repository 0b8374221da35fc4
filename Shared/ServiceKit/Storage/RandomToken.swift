import Crypto
import Foundation

/// Unguessable tokens for sessions and mailed links.
public enum RandomToken {
    /// 32 random bytes, base64url without padding: 256 bits, so a keyed hash of it needs
    /// no salt to stay unguessable, and it travels in a URL as it is.
    public static func make() -> String {
        SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
