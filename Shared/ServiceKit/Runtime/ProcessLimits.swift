#if canImport(Glibc)
import Glibc
#endif

/// Process resource limits.
public enum ProcessLimits {
    /// Raises the soft open-file limit to the hard limit and returns the new soft limit.
    /// systemd gives services a soft limit of 1024; raising it makes the connection cap,
    /// not the descriptor limit, the bound that binds.
    @discardableResult
    public static func raiseOpenFileLimit() -> UInt64 {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 0 }
        if limit.rlim_cur < limit.rlim_max {
            limit.rlim_cur = limit.rlim_max
            _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
            _ = getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        }
        return UInt64(limit.rlim_cur)
    }

    /// Descriptors a service holds besides its connections and its peer pools: standard
    /// streams, the listening socket, the database with its WAL and shared-memory files
    /// (a writer and readers), the event loops' own and spool files being written.
    public static let reservedDescriptors: UInt64 = 64

    /// The open-file limit that `maximumConnections` connections need, with
    /// `peerConnections` open to the services this one calls: one descriptor each, and
    /// the reserve.
    public static func openFilesNeeded(maximumConnections: Int, peerConnections: Int = 0) -> UInt64 {
        UInt64(max(maximumConnections, 0)) + UInt64(max(peerConnections, 0)) + reservedDescriptors
    }
}
