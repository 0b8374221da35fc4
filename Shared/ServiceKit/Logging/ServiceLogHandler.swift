import Foundation
import Logging
import Systemd

/// Writes log lines to standard error: with `<N>` syslog priority prefixes when stderr
/// is the journal (journald then stores the level and its own timestamp), otherwise
/// with a timestamp and level for a terminal.
///
/// It logs what it is given; keeping secrets out is the callers' rule, which the
/// dispatcher follows by never logging params.
public struct ServiceLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    private let label: String
    private let toJournal: Bool

    public init(label: String, level: Logger.Level, toJournal: Bool) {
        self.label = label
        self.logLevel = level
        self.toJournal = toJournal
    }

    /// Installs this handler for the whole process.
    public static func bootstrap(level: Logger.Level, environment: [String: String]) {
        let toJournal = Journal.isStandardErrorJournal(environment: environment)
        LoggingSystem.bootstrap { label in ServiceLogHandler(label: label, level: level, toJournal: toJournal) }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        let details = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        let text = details.isEmpty ? "\(event.message)" : "\(event.message) \(details)"
        let line: String
        if toJournal {
            line = Self.priorityPrefix(event.level) + text + "\n"
        } else {
            line = "\(Date().formatted(.iso8601)) \(event.level) \(label): \(text)\n"
        }
        FileHandle.standardError.write(Data(line.utf8))
    }

    /// The `<N>` syslog priority prefix journald reads (`sd-daemon(3)`).
    public static func priorityPrefix(_ level: Logger.Level) -> String {
        switch level {
        case .trace, .debug: "<7>"
        case .info: "<6>"
        case .notice: "<5>"
        case .warning: "<4>"
        case .error: "<3>"
        case .critical: "<2>"
        }
    }
}
