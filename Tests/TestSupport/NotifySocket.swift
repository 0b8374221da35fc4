import Foundation
import JSONRPC
import JSONRPCTransport

/// A stand-in for the service manager's end of `NOTIFY_SOCKET`: a Unix datagram socket
/// that receives what a service sends with `sd_notify` (`READY=1`, `STOPPING=1`, …).
public final class NotifySocket: Sendable {
    public let path: String
    private let descriptor: Int32

    public init(path: String) throws {
        self.path = path
        // Bind on a local descriptor first: see `RawSocket.init` on closing twice.
        let candidate = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        guard withUnixSocketAddress(path, { bind(candidate, $0, $1) }) == 0 else {
            close(candidate)
            throw POSIXError(.EADDRINUSE)
        }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(candidate, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        descriptor = candidate
    }

    deinit { close(descriptor) }

    /// The next datagram, waiting at most 10 s.
    public func receive() throws -> String {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
        guard count >= 0 else { throw TimedOut(what: "an sd_notify message") }
        return String(decoding: buffer[..<count], as: UTF8.self)
    }

    /// Receives until a message containing `assignment` arrives; returns every message seen.
    public func receive(until assignment: String) throws -> [String] {
        var seen: [String] = []
        while true {
            let message = try receive()
            seen.append(message)
            if message.split(separator: "\n").contains(Substring(assignment)) { return seen }
        }
    }

    /// Every datagram already waiting, without blocking.
    public func pending() -> [String] {
        var messages: [String] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            guard count >= 0 else { return messages }
            messages.append(String(decoding: buffer[..<count], as: UTF8.self))
        }
    }
}
