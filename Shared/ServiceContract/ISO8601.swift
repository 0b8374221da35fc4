import Foundation
import MadoguchiModels

/// ISO 8601 instants as Madoguchi writes and reads them.
public enum ISO8601 {
    /// Parses `2026-11-21T22:00:00+09:00`, with or without fractional seconds.
    public static func parse(_ text: String) -> Date? {
        if let date = try? Date(text, strategy: .iso8601) { return date }
        return try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    /// Formats `date` in Japan time with its offset: `2026-11-22T00:00:00+09:00`.
    public static func tokyo(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(timeZoneSeparator: .colon, timeZone: .tokyo))
    }
}
