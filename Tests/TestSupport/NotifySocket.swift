import Foundation

/// A stand-in for the service manager's end of `NOTIFY_SOCKET`: a Unix datagram socket
/// that receives what a service sends with `sd_notify` (`READY=1`, `STOPPING=1`, …).
public final class NotifySocket: Sendable {
    public let path: String
    private let descriptor: Int32

    public init(path: String) throws {
        self.path = path
        descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in path.utf8.enumerated() where index < raw.count - 1 { raw[index] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard bound == 0 else { throw POSIXError(.EADDRINUSE) }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
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
}
