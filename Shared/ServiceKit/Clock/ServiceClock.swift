import Foundation
import MadoguchiModels
import NIOConcurrencyHelpers
import ServiceContract

/// Where a service reads "now" for every time rule (midnight unlocks, 24-hour links,
/// 4-day changes, business days).
public protocol ServiceClock: Sendable {
    func now() -> Date
}

/// The real time.
public struct SystemClock: ServiceClock {
    public init() {}
    public func now() -> Date { Date() }
}

/// A test clock: the ISO 8601 instant written in a file is "now", re-read on every use,
/// so that a test moves time forward by rewriting the file while services run.
public struct FileClock: ServiceClock {
    public let path: String
    private let lastRead: NIOLockedValueBox<Date>

    /// Opens the clock, refusing a file that does not hold an instant now, so that a
    /// mistyped test setup fails at start rather than on the first time rule.
    public init(path: String) throws {
        self.path = path
        guard let instant = Self.read(path) else { throw FileClockError(path: path) }
        lastRead = NIOLockedValueBox(instant)
    }

    public func now() -> Date {
        // A file caught mid-rewrite reads as garbage for an instant: keep the last instant
        // read rather than fall back to the real time, which would break a test silently.
        lastRead.withLockedValue { last in
            if let instant = Self.read(path) { last = instant }
            return last
        }
    }

    /// The instant in the file, or `nil` when it holds none (or far more than one).
    public static func read(_ path: String) -> Date? {
        guard let data = try? SmallFile.read(path, limit: 256) else { return nil }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return ISO8601.parse(text)
    }
}

/// The test clock file cannot be read as an instant.
public struct FileClockError: Error, CustomStringConvertible {
    public let path: String
    public var description: String { "--clock-file \(path) does not hold an ISO 8601 instant" }
}

