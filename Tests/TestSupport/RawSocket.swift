import Foundation
import Glibc
import JSONRPC
import JSONRPCTransport

/// A plain blocking Unix socket client for tests that must send exactly the bytes they
/// choose (malformed JSON, a byte at a time, a half-close) and read raw reply lines.
///
/// `@unchecked Sendable` so a test can hand it to `blocking` between awaits; a test uses
/// one from one task at a time.
public final class RawSocket: @unchecked Sendable {
    public let descriptor: Int32
    private var buffer: [UInt8] = []

    /// Connects to `path`; every read waits at most `readTimeout`.
    public init(path: String, readTimeout: Duration = .seconds(10)) throws {
        // Connect on a local descriptor and keep it only on success: a throwing init of a
        // fully initialised class runs deinit, and closing twice would close whatever
        // descriptor the process opened in between (NIO's, in the in-process tests).
        // Close-on-exec: a process another test spawns meanwhile must not inherit it (and
        // keep the connection open after this closes it).
        let candidate = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard candidate >= 0 else { throw POSIXError(.EIO) }
        guard withUnixSocketAddress(path, { connect(candidate, $0, $1) }) == 0 else {
            let code = errno
            close(candidate)
            throw POSIXError(POSIXErrorCode(rawValue: code) ?? .EIO)
        }
        var timeout = timeval(
            tv_sec: Int(readTimeout.components.seconds),
            tv_usec: Int(readTimeout.components.attoseconds / 1_000_000_000_000))
        setsockopt(candidate, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        descriptor = candidate
    }

    deinit { close(descriptor) }

    /// Writes all of `bytes`; returns false if the peer has closed.
    @discardableResult
    public func send(_ bytes: some Sequence<UInt8>) -> Bool {
        let array = Array(bytes)
        var offset = 0
        while offset < array.count {
            // MSG_NOSIGNAL: a peer that closed (a refused flood, an idle timeout) is a
            // `false` here, not a SIGPIPE that ends the test process.
            let written = array[offset...].withUnsafeBytes {
                Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            if written <= 0 { return false }
            offset += written
        }
        return true
    }

    @discardableResult
    public func send(_ text: String) -> Bool { send(Array(text.utf8)) }

    /// Half-closes: no more writes, replies still arrive.
    public func shutdownWrite() { shutdown(descriptor, Int32(SHUT_WR)) }

    /// The next reply line without its newline; `nil` when the peer closed first.
    /// Throws `TimedOut` when nothing arrives in the read timeout.
    public func readLine() throws -> String? {
        while true {
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffer[..<newline], as: UTF8.self)
                buffer.removeSubrange(...newline)
                return line
            }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count == 0 { return nil }
            if count < 0 {
                if errno == EAGAIN || errno == EWOULDBLOCK { throw TimedOut(what: "a reply line") }
                return nil  // reset by peer: closed
            }
            buffer.append(contentsOf: chunk[..<count])
        }
    }

    /// Whether the peer has closed the connection (reads until EOF, dropping data).
    public func waitForClose() throws -> Bool {
        while true {
            var chunk = [UInt8](repeating: 0, count: 65536)
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count > 0 { continue }
            if count == 0 { return true }
            if errno == EAGAIN || errno == EWOULDBLOCK { throw TimedOut(what: "the connection to close") }
            return true
        }
    }
}
