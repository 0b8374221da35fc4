import MadoguchiModels

/// An active My Page member as recovery finds them: by (e-mail + name) or (ICCID + phone
/// number) with the birth date when asked, by account key when a queued letter leaves.
struct RecoveryMember: Sendable {
    var accountKey: String
    var accountId: String
    var email: String
    var name: String
    /// `〒100-0001 <address>` when the contract has an address.
    var postalAddress: String?

    init(accountKey: String, accountId: String, email: String, name: String, postalCode: String?, address: String?) {
        self.accountKey = accountKey
        self.accountId = accountId
        self.email = email
        self.name = name
        postalAddress = address.map { address in
            postalCode.map { "〒\($0.prefix(3))-\($0.dropFirst(3)) " }.map { $0 + address } ?? address
        }
    }

    /// The name as a kana name too: a member may give either.
    static func kana(of name: PersonName) -> String {
        (try? KanaName(validating: name.value))?.value ?? name.value
    }
}
