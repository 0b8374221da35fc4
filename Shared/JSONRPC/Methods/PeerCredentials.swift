/// Who is on the other end of a Unix socket, from `SO_PEERCRED`: the kernel's word, not
/// the caller's.
public struct PeerCredentials: Sendable, Hashable, Codable, CustomStringConvertible {
    public var pid: Int32
    public var uid: UInt32
    public var gid: UInt32

    public init(pid: Int32, uid: UInt32, gid: UInt32) {
        self.pid = pid
        self.uid = uid
        self.gid = gid
    }

    public var description: String { "pid=\(pid) uid=\(uid) gid=\(gid)" }
}
