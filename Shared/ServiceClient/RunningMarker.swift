import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A file in the runtime folder, `<runtime-dir>/<service>/running`, that the running
/// service holds an exclusive `flock` on for as long as its process lives (the kernel lets
/// go of it however the process ends, `kill -9` included). Whoever must not start a
/// socket-activated service just to look at it — `madoguchi-exporter` — asks the lock
/// instead of connecting (`RunningMarker.isHeld`).
///
/// Under systemd the folder is the unit's `RuntimeDirectory=` (made for the service,
/// removed when it stops); elsewhere the service makes it.
public struct RunningMarker: Sendable {
    /// The marker's path for `service` under `runtimeDirectory`.
    public static func path(runtimeDirectory: String, service: String) -> String {
        "\(runtimeDirectory)/\(service)/running"
    }

    /// Takes the marker for the life of the process: the descriptor is never closed.
    /// Returns why it could not, for the log; a service without its marker still serves
    /// (it is only missing from the metrics), so this never stops a start.
    public static func hold(runtimeDirectory: String, service: String) -> String? {
        let folder = "\(runtimeDirectory)/\(service)"
        if mkdir(folder, 0o755) != 0 && errno != EEXIST { return "cannot make \(folder): \(String(cString: strerror(errno)))" }
        let path = path(runtimeDirectory: runtimeDirectory, service: service)
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { return "cannot open \(path): \(String(cString: strerror(errno)))" }
        // Readable by the exporter whatever the service's umask (systemd units set 0027).
        fchmod(descriptor, 0o644)
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            return "\(path) is held by another process of the same service"
        }
        return nil
    }

    /// Whether a live process holds the marker at `path`; a missing or unheld file means
    /// the service is not running.
    public static func isHeld(at path: String) -> Bool {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        return flock(descriptor, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK
    }
}
