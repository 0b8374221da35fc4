/// How many connections a Unix socket's listener has accepted and not yet closed, asked of
/// the kernel (`sock_diag`, as `ListeningUnixSockets`) without connecting: the server's
/// end of an accepted connection carries the listener's path, the client's end none.
///
/// Connections still waiting in the listener's backlog are not counted until accepted.
public enum AcceptedUnixConnections {
    /// Open accepted connections on the socket bound to `path`.
    public static func count(at path: String) throws -> Int {
        try ListeningUnixSockets.names(inStates: UInt32(1) << ListeningUnixSockets.establishedState).count { $0 == path }
    }
}
