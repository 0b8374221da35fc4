import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A long import's progress on a terminal: rows sent, their rate and, when the file's
/// size is known, the percentage and the time left — one line on standard error, redrawn
/// at most five times a second. Without a terminal it prints nothing (a script's output
/// stays the result alone).
final class ImportProgress: @unchecked Sendable {
    private let total: Int64?
    private let started = ContinuousClock.now
    private var lastDrawn: ContinuousClock.Instant?
    private var rows = 0
    private let lock = NSLock()
    let isShown: Bool

    init(totalBytes: Int64?, terminal: Bool = isatty(STDERR_FILENO) == 1) {
        total = totalBytes.flatMap { $0 > 0 ? $0 : nil }
        isShown = terminal
    }

    /// `count` more rows sent, the reading `bytesRead` into the file.
    func sent(_ count: Int, bytesRead: Int64) {
        guard isShown else { return }
        let line: String? = lock.withLock {
            rows += count
            let now = ContinuousClock.now
            if let lastDrawn, now - lastDrawn < .milliseconds(200) { return nil }
            lastDrawn = now
            return Self.describe(rows: rows, bytesRead: bytesRead, total: total, elapsed: now - started)
        }
        if let line { FileHandle.standardError.write(Data(("\r\u{1B}[K" + line).utf8)) }
    }

    /// Clears the line, before the result or an error is printed.
    func finish() {
        guard isShown else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }

    /// `12,345 rows  4,321 rows/s  37%  about 0:12 left`.
    static func describe(rows: Int, bytesRead: Int64, total: Int64?, elapsed: Duration) -> String {
        let seconds = max(elapsed / .seconds(1), 0.001)
        var line = "\(rows.formatted()) rows  \(Int(Double(rows) / seconds).formatted()) rows/s"
        if let total, bytesRead > 0 {
            let fraction = min(Double(bytesRead) / Double(total), 1)
            let left = Int(seconds / fraction * (1 - fraction))
            line += "  \(Int(fraction * 100))%  about \(left / 60):\(String(format: "%02d", left % 60)) left"
        }
        return line
    }
}
