import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A pseudo-terminal for a child to run on, read and typed into from the test's side (the
/// master), to see what a person at a terminal would see.
public final class PseudoTerminal: Sendable {
    /// The terminal's device (`/dev/pts/N`), for the child's standard streams.
    public let path: String
    private let master: Int32

    public init() throws {
        // /dev/ptmx and its two ioctls: what posix_openpt, unlockpt and ptsname do, which
        // Swift's Glibc module does not declare.
        master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC)
        var unlock: Int32 = 0
        var number: UInt32 = 0
        guard master >= 0, ioctl(master, Self.unlockRequest, &unlock) == 0, ioctl(master, Self.numberRequest, &number) == 0 else {
            throw POSIXError(.EIO)
        }
        path = "/dev/pts/\(number)"
    }

    deinit { close(master) }

    /// `TIOCSPTLCK` and `TIOCGPTN` (`_IOW('T', 0x31, int)`, `_IOR('T', 0x30, unsigned)`),
    /// macros Swift cannot import; the same on x86-64 and arm64.
    private static let unlockRequest: UInt = 0x4004_5431
    private static let numberRequest: UInt = 0x8004_5430

    /// Whether the terminal echoes what is typed now.
    public var echoes: Bool {
        var settings = termios()
        tcgetattr(master, &settings)
        return settings.c_lflag & tcflag_t(ECHO) != 0
    }

    /// Types `text`, as a person would.
    public func type(_ text: String) {
        var bytes = Array(text.utf8)
        _ = write(master, &bytes, bytes.count)
    }

    /// What the terminal shows, read until `done` holds for it or `timeout` passes (then
    /// what was read so far); stops early when the child side has closed.
    public func read(timeout: Duration = .seconds(30), until done: (String) -> Bool) async throws -> String {
        var shown = Data()
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline, !done(String(decoding: shown, as: UTF8.self)) {
            var ready = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
            guard poll(&ready, 1, 0) > 0 else {
                try await Task.sleep(for: .milliseconds(10))
                continue
            }
            var buffer = [UInt8](repeating: 0, count: 4096)
            let count = Glibc.read(master, &buffer, buffer.count)
            // EIO: every descriptor of the child side is closed.
            guard count > 0 else { break }
            shown.append(contentsOf: buffer[..<count])
        }
        return String(decoding: shown, as: UTF8.self)
    }
}
