import Foundation
import ServiceClient

/// Hands one message to the outside world. Delivering the same `id` twice must not send
/// it twice where the transport can tell (the spool names files by id).
public protocol OutboxTransport: Sendable {
    func deliver(_ message: OutboxMessage, id: Int64, createdAt: Date) async throws
}

/// The transport a service runs with: e-mail to the spool or to sendmail; SMS, voice
/// calls and letters always to the spool, where the gateway that sends them picks them up.
public struct ConfiguredTransport: OutboxTransport {
    let spool: SpoolTransport
    let sendmail: SendmailTransport?

    public init(configuration: ServiceConfiguration) {
        spool = SpoolTransport(directory: configuration.spoolDirectory, serviceName: configuration.serviceName)
        sendmail =
            configuration.mailTransport == .sendmail
            ? SendmailTransport(program: configuration.sendmailPath, serviceName: configuration.serviceName) : nil
    }

    public func deliver(_ message: OutboxMessage, id: Int64, createdAt: Date) async throws {
        if message.channel == .mail, let sendmail {
            try await sendmail.deliver(message, id: id, createdAt: createdAt)
        } else {
            try spool.deliver(message, id: id, createdAt: createdAt)
        }
    }
}
