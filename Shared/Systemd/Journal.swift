#if canImport(Glibc)
import Glibc
#endif

/// Facts about systemd's journal as seen from this process.
public enum Journal {
    /// Whether standard error is connected to the journal, as told by `JOURNAL_STREAM`
    /// (`<device>:<inode>` of the stream, compared with stderr's own).
    ///
    /// When it is, log lines should carry `<N>` priority prefixes (`sd-daemon(3)`).
    public static func isStandardErrorJournal(environment: [String: String]) -> Bool {
        guard let value = environment["JOURNAL_STREAM"] else { return false }
        let parts = value.split(separator: ":")
        guard parts.count == 2, let device = UInt64(parts[0]), let inode = UInt64(parts[1]) else {
            return false
        }
        var status = stat()
        guard fstat(STDERR_FILENO, &status) == 0 else { return false }
        return UInt64(status.st_dev) == device && UInt64(status.st_ino) == inode
    }
}
