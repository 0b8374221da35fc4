import CSystemd

#if canImport(Glibc)
import Glibc
#endif

/// A listening socket handed to this process by systemd (or `systemd-socket-activate`).
public struct InheritedSocket: Sendable, Equatable {
    /// The file descriptor, numbered from `SD_LISTEN_FDS_START` (3).
    public let fileDescriptor: Int32
    /// The name systemd gave it (`FileDescriptorName=` / `--fdname=`), or `"unknown"`.
    public let name: String
}

/// Socket activation through `sd_listen_fds_with_names(3)`.
public enum SocketActivation {
    /// The sockets systemd passed to this process, empty when it was not socket-activated.
    ///
    /// The `LISTEN_*` variables are removed from the environment so that child processes
    /// never mistake them for their own.
    public static func inheritedSockets() -> [InheritedSocket] {
        var names: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = nil
        let count = sd_listen_fds_with_names(1, &names)
        guard count > 0 else { return [] }
        defer {
            if let names {
                for index in 0..<Int(count) { free(names[index]) }
                free(names)
            }
        }
        return (0..<count).map { offset in
            let name = names?[Int(offset)].map { String(cString: $0) } ?? "unknown"
            return InheritedSocket(fileDescriptor: SD_LISTEN_FDS_START + offset, name: name)
        }
    }
}
