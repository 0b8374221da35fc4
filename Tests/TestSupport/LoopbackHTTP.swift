import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Plain HTTP/1.0 over loopback TCP, for talking to Prometheus and the exporter: a fresh
/// machine may have no curl, and Foundation's URLSession needs libcurl.
public enum LoopbackHTTP {
    /// A TCP port on 127.0.0.1 free a moment ago (bound to port 0, then closed).
    public static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        defer { close(fd) }
        var address = loopback(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard bound else { throw POSIXError(.EADDRINUSE) }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// `GET path` (or another `method`) from 127.0.0.1:`port`: the status code and body,
    /// or an error when nothing listens there.
    public static func get(port: Int, _ path: String, method: String = "GET") async throws -> (status: Int, body: String) {
        try await blocking {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw POSIXError(.EIO) }
            defer { close(fd) }
            var timeout = timeval(tv_sec: 10, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            var address = loopback(port: port)
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard connected == 0 else { throw POSIXError(.ECONNREFUSED) }
            var request = Array("\(method) \(path) HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".utf8)
            guard write(fd, &request, request.count) == request.count else { throw POSIXError(.EIO) }
            var response = Data()
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                let count = read(fd, &buffer, buffer.count)
                guard count > 0 else { break }
                response.append(contentsOf: buffer[..<count])
            }
            let text = String(decoding: response, as: UTF8.self)
            guard let end = text.range(of: "\r\n\r\n"), let status = Int(text.split(separator: " ").dropFirst().first ?? "")
            else { throw POSIXError(.EBADMSG) }
            return (status, String(text[end.upperBound...]))
        }
    }

    /// A keep-alive connection to 127.0.0.1:`port` after one `GET path` answered (so the
    /// server holds it for sure), left open and idle: its descriptor, for the caller to
    /// close.
    public static func openKeptAlive(port: Int, _ path: String) async throws -> Int32 {
        try await blocking {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw POSIXError(.EIO) }
            var address = loopback(port: port)
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            var timeout = timeval(tv_sec: 10, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            var request = Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".utf8)
            guard connected == 0, write(fd, &request, request.count) == request.count else {
                close(fd)
                throw POSIXError(.ECONNREFUSED)
            }
            // The whole answer: its head, then Content-Length bytes of body.
            var response = Data()
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                let text = String(decoding: response, as: UTF8.self)
                if let end = text.range(of: "\r\n\r\n"),
                    let field = text[..<end.lowerBound].split(separator: "\r\n").first(where: { $0.lowercased().hasPrefix("content-length:") }),
                    let length = Int(field.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)),
                    text[end.upperBound...].utf8.count >= length
                {
                    return fd
                }
                let count = read(fd, &buffer, buffer.count)
                guard count > 0 else {
                    close(fd)
                    throw POSIXError(.ECONNRESET)
                }
                response.append(contentsOf: buffer[..<count])
            }
        }
    }

    /// Whether the other end closes `fd` (a read finds its end) within `seconds`.
    public static func closedByPeer(_ fd: Int32, within seconds: Int) async throws -> Bool {
        try await blocking {
            var timeout = timeval(tv_sec: seconds, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = read(fd, &buffer, buffer.count)
                if count == 0 { return true }
                if count < 0 { return errno == ECONNRESET }
            }
        }
    }

    private static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        return address
    }
}
