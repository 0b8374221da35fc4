import Foundation

/// What an SMS, voice call or letter looks like in the spool.
public struct SpooledMessage: Codable, Sendable, Hashable {
    public var message: OutboxMessage
    public var id: Int64
    public var service: String
    public var createdAt: String

    public init(message: OutboxMessage, id: Int64, service: String, createdAt: String) {
        self.message = message
        self.id = id
        self.service = service
        self.createdAt = createdAt
    }
}
