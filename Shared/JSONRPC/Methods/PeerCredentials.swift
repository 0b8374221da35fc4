/// Who is on the other end of a Unix socket, from `SO_PEERCRED` and `SO_PEERGROUPS`: the
/// kernel's word, not the caller's.
public struct PeerCredentials: Sendable, Hashable, Codable, CustomStringConvertible {
    public var pid: Int32
    public var uid: UInt32
    public var gid: UInt32
    /// The supplementary groups of the peer when it connected (`SO_PEERGROUPS`): how a
    /// service started with systemd's `SupplementaryGroups=` (a dynamic user in no
    /// `/etc/group` list) shows its membership. `SO_PEERCRED` carries none.
    public var groups: [UInt32]

    public init(pid: Int32, uid: UInt32, gid: UInt32, groups: [UInt32] = []) {
        self.pid = pid
        self.uid = uid
        self.gid = gid
        self.groups = groups
    }

    /// Whether the peer's primary or a supplementary group is `gid`.
    public func isInGroup(_ gid: UInt32) -> Bool {
        self.gid == gid || groups.contains(gid)
    }

    // The groups are for authorisation here, not part of what a peer is shown as.
    private enum CodingKeys: String, CodingKey { case pid, uid, gid }

    public init(from decoder: any Decoder) throws {
        let members = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            pid: try members.decode(Int32.self, forKey: .pid), uid: try members.decode(UInt32.self, forKey: .uid),
            gid: try members.decode(UInt32.self, forKey: .gid))
    }

    public var description: String { "pid=\(pid) uid=\(uid) gid=\(gid)" }
}
