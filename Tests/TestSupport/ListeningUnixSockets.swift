import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The paths of the listening Unix sockets on this machine, asked of the kernel through
/// `NETLINK_SOCK_DIAG` (`unix_diag`, see `sock_diag(7)`).
///
/// A readiness check must not connect (a connection starts a socket-activated service).
/// Reading `/proc/net/unix` instead lists every Unix socket, megabytes and ~10 ms of
/// kernel time while other tests hold thousands of connections; here the kernel filters
/// to listening sockets (`udiag_states`), so the answer is a few dozen names.
public enum ListeningUnixSockets {
    private static let netlinkSockDiag: Int32 = 4  // NETLINK_SOCK_DIAG (linux/netlink.h)
    private static let dumpFlags: UInt16 = 0x1 | 0x300  // NLM_F_REQUEST | NLM_F_DUMP
    private static let sockDiagByFamily: UInt16 = 20  // SOCK_DIAG_BY_FAMILY
    private static let listenState: UInt32 = 10  // TCP_LISTEN
    static let establishedState: UInt32 = 1  // TCP_ESTABLISHED
    private static let showName: UInt32 = 1  // UDIAG_SHOW_NAME
    private static let nameAttribute: UInt16 = 0  // UNIX_DIAG_NAME
    private static let netlinkDone: UInt16 = 3  // NLMSG_DONE
    private static let netlinkError: UInt16 = 2  // NLMSG_ERROR

    public struct QueryFailed: Error, CustomStringConvertible {
        let step: String
        let code: Int32
        public var description: String { "sock_diag \(step): \(String(cString: strerror(code)))" }
    }

    /// Whether a listening Unix socket is bound to `path`.
    public static func contains(_ path: String) throws -> Bool {
        try paths().contains(path)
    }

    /// Every path a listening Unix socket is bound to (abstract names left out).
    public static func paths() throws -> Set<String> {
        Set(try names(inStates: UInt32(1) << listenState))
    }

    /// The name of every Unix socket in one of `states` (a mask of `1 << TCP_*`), once per
    /// socket; sockets with no name (a client's end) and abstract names are left out.
    static func names(inStates states: UInt32) throws -> [String] {
        let fd = socket(AF_NETLINK, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), netlinkSockDiag)
        guard fd >= 0 else { throw QueryFailed(step: "socket", code: errno) }
        defer { close(fd) }
        let request = dumpRequest(states: states)
        guard request.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, 0) }) == request.count else {
            throw QueryFailed(step: "send", code: errno)
        }
        var found: [String] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { throw QueryFailed(step: "recv", code: count < 0 ? errno : EPIPE) }
            if try read(buffer[..<count], into: &found) { return found }
        }
    }

    /// `nlmsghdr` + `unix_diag_req`: dump the sockets in `states` with their names.
    private static func dumpRequest(states: UInt32) -> [UInt8] {
        var bytes = [UInt8]()
        func append<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value) { bytes.append(contentsOf: $0) } }
        append(UInt32(16 + 24))  // nlmsg_len
        append(sockDiagByFamily)  // nlmsg_type
        append(dumpFlags)  // nlmsg_flags
        append(UInt32(1))  // nlmsg_seq
        append(UInt32(0))  // nlmsg_pid
        append(UInt8(AF_UNIX))  // sdiag_family
        append(UInt8(0))  // sdiag_protocol
        append(UInt16(0))  // pad
        append(states)  // udiag_states
        append(UInt32(0))  // udiag_ino
        append(showName)  // udiag_show
        append(UInt64(0))  // udiag_cookie
        return bytes
    }

    /// Reads one datagram of answers into `found`; true once the dump is done.
    private static func read(_ datagram: ArraySlice<UInt8>, into found: inout [String]) throws -> Bool {
        let bytes = Array(datagram)
        func u16(_ at: Int) -> UInt16 { UInt16(bytes[at]) | UInt16(bytes[at + 1]) << 8 }
        func u32(_ at: Int) -> UInt32 { UInt32(u16(at)) | UInt32(u16(at + 2)) << 16 }
        var message = 0
        while message + 16 <= bytes.count {
            let length = Int(u32(message))
            let type = u16(message + 4)
            guard length >= 16, message + length <= bytes.count else { return false }
            if type == netlinkDone { return true }
            if type == netlinkError {
                throw QueryFailed(step: "dump", code: -Int32(bitPattern: u32(message + 16)))
            }
            // nlmsghdr (16) + unix_diag_msg (16), then rtattr-framed attributes.
            var attribute = message + 32
            while attribute + 4 <= message + length {
                let attributeLength = Int(u16(attribute))
                guard attributeLength >= 4, attribute + attributeLength <= message + length else { break }
                if u16(attribute + 2) == nameAttribute, attributeLength > 4, bytes[attribute + 4] != 0 {
                    let name = bytes[(attribute + 4)..<(attribute + attributeLength)].prefix { $0 != 0 }
                    found.append(String(decoding: name, as: UTF8.self))
                }
                attribute += (attributeLength + 3) & ~3
            }
            message += (length + 3) & ~3
        }
        return false
    }
}
