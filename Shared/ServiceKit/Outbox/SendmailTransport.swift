import Foundation
import ServiceClient
import Subprocess
import SystemPackage

/// Delivers e-mail by piping the RFC 5322 message to `sendmail -t -i`, as production
/// mail relays expect.
///
/// Spawned with swift-subprocess rather than Foundation's `Process`, whose descriptor
/// handling and child reaping do not mix safely with a NIO server in the same process.
/// The message goes in through a pipe filled before the spawn (not a writer task), so a
/// sendmail that exits without reading is a failed delivery, never a stuck or crashed
/// writer; and the message, which may hold a code, never touches the disk.
public struct SendmailTransport: OutboxTransport {
    let program: String
    let serviceName: String

    /// The largest message this transport takes (the most a pipe may buffer).
    static let maximumMessageBytes = 1 << 20

    public func deliver(_ message: OutboxMessage, id: Int64, createdAt: Date) async throws {
        let mail = MailFormatter.rfc5322(message, id: id, serviceName: serviceName, date: createdAt)
        let input = try Self.filledPipe(with: mail)
        let result = try await run(
            .path(FilePath(program)), arguments: ["-t", "-i"],
            input: .fileDescriptor(input, closeAfterSpawningProcess: true), output: .discarded, error: .discarded)
        guard case .exited(0) = result.terminationStatus else {
            throw SendmailError(status: "\(result.terminationStatus)")
        }
    }

    /// A pipe's read end from which `data` can be read to its end.
    private static func filledPipe(with data: Data) throws -> FileDescriptor {
        guard data.count <= maximumMessageBytes else { throw SendmailError(status: "message too large to pipe") }
        let (readEnd, writeEnd) = try FileDescriptor.pipe()
        do {
            defer { try? writeEnd.close() }
            if data.count > 65536 {
                // F_SETPIPE_SZ (1031; hidden behind _GNU_SOURCE in Glibc's Swift module).
                guard fcntl(writeEnd.rawValue, 1031, Int32(data.count)) >= 0 else {
                    throw SendmailError(status: "cannot size the pipe")
                }
            }
            _ = try writeEnd.writeAll(data)
        } catch {
            try? readEnd.close()
            throw error
        }
        return readEnd
    }
}

struct SendmailError: Error, CustomStringConvertible {
    let status: String
    var description: String { "sendmail failed: \(status)" }
}
