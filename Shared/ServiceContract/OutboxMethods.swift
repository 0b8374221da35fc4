import JSONRPC

/// A message in a service's outbox as an operator sees it: where it goes and how its
/// delivery fares, never what it says (the content stays sealed).
@WireObject
public struct OutboxEntry: Codable, Sendable, Hashable {
    public var id: Int64
    @WireSchema(.enumeration(["mail", "sms", "voice", "letter"]))
    public var channel: String
    /// The address, phone number or postal address; omitted when the message cannot be
    /// opened (its key is gone).
    public var to: String?
    @WireSchema(.string(format: "date-time"))
    public var createdAt: String
    public var attempts: Int
    /// The last delivery error, as the transport said it.
    public var lastError: String?
    /// When it is tried next; omitted for a dead message.
    @WireSchema(.string(format: "date-time"))
    public var nextAttemptAt: String?
    /// When it was set aside after its last allowed attempt.
    @WireSchema(.string(format: "date-time"))
    public var deadAt: String?
}

/// `outbox.list`: the undelivered messages, oldest first.
public enum OutboxList: RPCMethod {
    public static let name = "outbox.list"
    public static let access = MethodAccess.operator
    public static let summary =
        "Operators only: the messages waiting in the outbox (channel, recipient, attempts, last error, next attempt), or with dead only those set aside after their last allowed attempt; never their content."

    @WireObject
    public struct Params: Codable, Sendable, Hashable {
        /// Only the messages set aside as dead.
        public var dead: Bool?
        /// At most this many (default 100, at most 1000).
        @WireSchema(.integer(minimum: 1, maximum: 1000))
        public var limit: Int?
    }

    @WireObject
    public struct Result: Codable, Sendable, Hashable {
        public var messages: [OutboxEntry]
    }
}

/// `outbox.requeue`: a dead message is tried again from now, its attempts from zero.
public enum OutboxRequeue: RPCMethod {
    public static let name = "outbox.requeue"
    public static let access = MethodAccess.operator
    public static let summary =
        "Operators only: a message set aside as dead is tried again at once, its attempts counted from zero; audited."
    public typealias Params = OutboxMessageID
    public typealias Result = OutboxMessageID
    public static var errors: [RPCError] { [.outboxMessageNotDead] }
}

/// `outbox.drop`: a dead message is removed unsent.
public enum OutboxDrop: RPCMethod {
    public static let name = "outbox.drop"
    public static let access = MethodAccess.operator
    public static let summary = "Operators only: a message set aside as dead is removed unsent, its sealed content erased; audited."
    public typealias Params = OutboxMessageID
    public typealias Result = OutboxMessageID
    public static var errors: [RPCError] { [.outboxMessageNotDead] }
}

/// One outbox message, by id.
@WireObject
public struct OutboxMessageID: Codable, Sendable, Hashable {
    public var id: Int64
}

/// `outbox.audit`: who requeued or dropped which message, newest first.
public enum OutboxAudit: RPCMethod {
    public static let name = "outbox.audit"
    public static let access = MethodAccess.operator
    public static let summary = "Operators only: every requeue and drop of a dead message, newest first, with the operator's uid."

    @WireObject
    public struct Result: Codable, Sendable, Hashable {
        public var entries: [Entry]
    }

    @WireObject
    public struct Entry: Codable, Sendable, Hashable {
        @WireSchema(.string(format: "date-time"))
        public var at: String
        public var outboxId: Int64
        public var channel: String
        @WireSchema(.enumeration(["requeued", "dropped"]))
        public var action: String
        public var peerUid: Int64
    }
}

extension RPCError {
    /// `outbox.requeue`/`outbox.drop` of an id that is no dead message.
    public static let outboxMessageNotDead = RPCError(CommonReason.outboxMessageNotDead, message: "No dead message has this id.")
}
