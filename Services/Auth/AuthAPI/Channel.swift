/// Where a request comes from, as the front end that makes it declares.
public enum Channel: String, Codable, Sendable, CaseIterable {
    /// My Page and other web front ends.
    case web
    /// The voice-response line.
    case ivr
    /// Support staff: chat, phone, call centre.
    case support
    /// A shop terminal.
    case shop
}
