import Foundation

/// Delivers e-mail by piping the RFC 5322 message to `sendmail -t -i`, as production
/// mail relays expect.
public struct SendmailTransport: OutboxTransport {
    let program: String
    let serviceName: String

    public func deliver(_ message: OutboxMessage, id: Int64, createdAt: Date) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = ["-t", "-i"]
        let input = Pipe()
        process.standardInput = input
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // The throwing write: a sendmail that exits without reading must be a failed
        // delivery (retried later), not a trap on EPIPE.
        let written = Result {
            try input.fileHandleForWriting.write(
                contentsOf: MailFormatter.rfc5322(message, id: id, serviceName: serviceName, date: createdAt))
        }
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
        try written.get()
        guard process.terminationStatus == 0 else {
            throw SendmailError(status: process.terminationStatus)
        }
    }
}

struct SendmailError: Error, CustomStringConvertible {
    let status: Int32
    var description: String { "sendmail exited with status \(status)" }
}
