import Crypto
import Foundation

/// Unguessable tokens for sessions and mailed links.
public enum RandomToken {
    /// 32 random bytes, base64url without padding: 256 bits, so a keyed hash of it needs
    /// no salt to stay unguessable, and it travels in a URL as it is.
    ///
    /// Never starts with `-`: a token is typed after an option (`madoctl … --session
    /// TOKEN`), where a leading dash reads as another option. Drawing again costs under
    /// 0.03 bits of the 256.
    /// The characters of a token: 32 bytes in base64url without padding.
    public static let length = 43

    public static func make() -> String {
        while true {
            let token = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }.base64EncodedString()
                .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
                .replacingOccurrences(of: "=", with: "")
            if token.first != "-" { return token }
        }
    }

    /// `count` random decimal digits (one-time codes, link numbers), from the system's
    /// secure generator.
    public static func digits(_ count: Int) -> String {
        String((0..<count).map { _ in Character(String(Int.random(in: 0...9))) })
    }
}
