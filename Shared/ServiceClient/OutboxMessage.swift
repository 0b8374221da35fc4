/// A message to a customer: an e-mail, an SMS, a voice call reading out a text, or a
/// postal letter.
public struct OutboxMessage: Codable, Sendable, Hashable {
    public enum Channel: String, Codable, Sendable, CaseIterable {
        case mail, sms, voice, letter
    }

    public var channel: Channel
    /// An e-mail address, a phone number or a postal address.
    public var to: String
    /// The e-mail subject or letter title.
    public var subject: String?
    /// The text; for a voice call, what is read out.
    public var body: String

    public init(channel: Channel, to: String, subject: String? = nil, body: String) {
        self.channel = channel
        self.to = to
        self.subject = subject
        self.body = body
    }
}
