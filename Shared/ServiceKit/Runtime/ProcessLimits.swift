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

    /// Descriptors a service holds besides its connections, its peer pools and its
    /// PostgreSQL connections: standard streams, the listening socket, the SQLite database
    /// with its WAL and shared-memory files (a writer, readers and at most four
    /// `InlineReaders`), the event loops' own,
    /// spool files being written, and the files libdispatch opens to watch its threads.
    public static let reservedDescriptors: UInt64 = 64

    /// The open-file limit that `maximumConnections` connections need, with
    /// `peerConnections` open to the services this one calls and `databaseConnections` to
    /// PostgreSQL: one descriptor each, and the reserve.
    public static func openFilesNeeded(
        maximumConnections: Int, peerConnections: Int = 0, databaseConnections: Int = 0
    ) -> UInt64 {
        UInt64(max(maximumConnections, 0)) + otherDescriptors(peerConnections, databaseConnections)
    }

    /// How many client connections an open-file limit of `openFileLimit` leaves room for,
    /// once the peer pools, the PostgreSQL connections and the reserve are counted: the
    /// service never serves more, whatever `--max-connections` says.
    ///
    /// A process at its limit is not only unable to accept: libdispatch, which runs Swift's
    /// tasks on Linux, stops the process (SIGILL) when it cannot open `/proc/<tid>/stat`
    /// to count its busy threads. So the limit is kept out of reach, and a connection past
    /// the room gets the connection cap's answer instead.
    public static func connectionsAffordable(
        openFileLimit: UInt64, peerConnections: Int = 0, databaseConnections: Int = 0
    ) -> Int {
        let others = otherDescriptors(peerConnections, databaseConnections)
        return openFileLimit > others ? Int(clamping: openFileLimit - others) : 0
    }

    private static func otherDescriptors(_ peerConnections: Int, _ databaseConnections: Int) -> UInt64 {
        UInt64(max(peerConnections, 0)) + UInt64(max(databaseConnections, 0)) + reservedDescriptors
    }
}
