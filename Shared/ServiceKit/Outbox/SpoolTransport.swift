import Foundation
import JSONRPC
import ServiceClient
import ServiceContract

/// Delivers into a spool folder: e-mail as RFC 5322 files in Maildir layout
/// (`mail/tmp`, `mail/new`, `mail/cur`), SMS, voice calls and letters as JSON files in
/// `sms/`, `voice/`, `letter/`. Each file is written under `tmp` and renamed into place, so
/// a reader never sees half a message; its name comes from the outbox id, so a delivery
/// repeated after a crash finds the file already there and adds nothing.
public struct SpoolTransport: OutboxTransport {
    public let directory: String
    let serviceName: String

    public init(directory: String, serviceName: String) {
        self.directory = directory
        self.serviceName = serviceName
    }

    public func deliver(_ message: OutboxMessage, id: Int64, createdAt: Date) throws {
        let name = "\(Int(createdAt.timeIntervalSince1970)).M\(id)P\(serviceName).madoguchi"
        let folder: String
        let contents: Data
        switch message.channel {
        case .mail:
            folder = directory + "/mail"
            contents = MailFormatter.rfc5322(message, id: id, serviceName: serviceName, date: createdAt)
            if FileManager.default.fileExists(atPath: folder + "/cur/" + name) { return }
        case .sms, .voice, .letter:
            folder = directory + "/" + message.channel.rawValue
            contents = try JSONCoding.encoder.encode(
                SpooledMessage(message: message, id: id, service: serviceName, createdAt: ISO8601.tokyo(createdAt)))
        }
        let final = folder + "/new/" + name
        if FileManager.default.fileExists(atPath: final) { return }
        for sub in ["tmp", "new", "cur"] {
            try FileManager.default.createDirectory(atPath: folder + "/" + sub, withIntermediateDirectories: true)
        }
        let temporary = folder + "/tmp/" + name
        guard FileManager.default.createFile(atPath: temporary, contents: contents, attributes: [.posixPermissions: 0o640])
        else { throw SpoolError(path: temporary) }
        try FileManager.default.moveItem(atPath: temporary, toPath: final)
    }
}



struct SpoolError: Error, CustomStringConvertible {
    let path: String
    var description: String { "cannot write the spool file \(path)" }
}
