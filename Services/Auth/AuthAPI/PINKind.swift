/// The PINs a customer holds (DOMAIN.md §1).
public enum PINKind: String, Codable, Sendable, CaseIterable {
    /// ネットワーク暗証番号: a line or contract's PIN, for every procedure after applying.
    case network
    /// 電話用暗証番号: a card's PIN for the call centre, set only through the IVR.
    case phone
    /// The IC card's PIN; a phone PIN must differ from it.
    case card
}
