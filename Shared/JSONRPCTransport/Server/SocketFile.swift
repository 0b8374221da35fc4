#if canImport(Glibc)
import JSONRPC
import Glibc
#endif

/// Safe handling of a Unix socket's file before binding: a stale file left by a dead
/// process is removed, a live socket is never stolen, and nothing that is not a socket is
/// ever deleted.
enum SocketFile {
    enum Problem: Error, CustomStringConvertible {
        case inUse(String)
        case notASocket(String)
        case pathTooLong(String)

        var description: String {
            switch self {
            case .inUse(let path): "another process is serving \(path); refusing to take it over"
            case .notASocket(let path): "\(path) exists and is not a socket; refusing to remove it"
            case .pathTooLong(let path): "socket path is longer than a Unix socket address allows: \(path)"
            }
        }
    }

    /// Makes `path` free to bind: nothing there, or a stale socket that is then removed.
    static func prepare(_ path: String) throws {
        guard stagingPath(for: path).utf8.count < MemoryLayout.size(ofValue: sockaddr_un().sun_path) else {
            throw Problem.pathTooLong(path)
        }
        var status = stat()
        guard lstat(path, &status) == 0 else { return }  // nothing there
        guard (status.st_mode & S_IFMT) == S_IFSOCK else { throw Problem.notASocket(path) }
        if isAccepting(path) { throw Problem.inUse(path) }
        unlink(path)
    }

    /// Where the socket is bound before it is renamed into place at `path`.
    static func stagingPath(for path: String) -> String { path + ".new" }

    /// Whether a process accepts connections on `path` right now.
    static func isAccepting(_ path: String) -> Bool {
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        return withUnixSocketAddress(path) { connect(descriptor, $0, $1) } == 0
    }
}
