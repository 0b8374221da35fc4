import Crypto
import Foundation
import Testing

@testable import ServiceKit

/// Every stored PIN and code hash depends on these bytes staying what they were: the
/// expected values were computed apart from swift-crypto (Python's `hmac`/`hashlib`:
/// HKDF-SHA256 with salt "madoguchi" and the purpose as info, then HMAC-SHA256 of salt ‖
/// secret, framed as 0x6B, the key version, the MAC).
@Suite struct SecretHasherTests {
    let hasher = SecretHasher(secret: ServerSecret(key: SymmetricKey(data: Data(0..<32))), purpose: "pin")
    let salt = Data(repeating: 0xA5, count: 16)

    @Test func hashes_areTheKnownBytes_andACopiedHMACCarriesNothingFromItsLastUse() throws {
        let expected = [
            "1234": "6b0168531b5d83884fb8e67317ef33d7f003ebb6c77f1d49a25cdf6619695cc59257",
            "０９８７": "6b01f719425d984c8fdf566d52078fdcdbfaf277c0bb8a2519a583c72b5a61d13081",
        ]
        // Alternating, so that each hash follows another's use of the same keyed HMAC.
        for secret in ["1234", "０９８７", "1234", "０９８７"] {
            #expect(hasher.hash(secret, salt: salt).hex == expected[secret])
        }
    }

    @Test func matches_theRightSecretOnly_andAKeyNotHeldIsThrown_notAnswered() throws {
        let stored = hasher.hash("1234", salt: salt)
        #expect(try hasher.matches("1234", salt: salt, hash: stored))
        #expect(try !hasher.matches("1235", salt: salt, hash: stored))
        #expect(try !hasher.matches("1234", salt: Data(repeating: 0xA5, count: 15), hash: stored))
        var tampered = stored
        tampered[tampered.endIndex - 1] ^= 1
        #expect(try !hasher.matches("1234", salt: salt, hash: tampered))
        var otherVersion = stored
        otherVersion[otherVersion.startIndex + 1] = 2
        #expect(throws: MissingServerKey.self) { try hasher.matches("1234", salt: salt, hash: otherVersion) }
    }
}

extension Data {
    fileprivate var hex: String { map { String(format: "%02x", $0) }.joined() }
}
