/// Prometheus' text exposition (format 0.0.4) as the exporter merges it: several
/// services' expositions of the same metric names become one, each family's `# TYPE`
/// (and `# HELP`) once, followed by every service's samples of it — Prometheus refuses a
/// family declared twice.
public struct Exposition: Sendable, Equatable {
    /// One metric family: its comment lines and its samples, in the order first seen.
    struct Family: Sendable, Equatable {
        var comments: [String] = []
        var samples: [String] = []
    }

    private(set) var names: [String] = []
    private(set) var families: [String: Family] = [:]

    public init() {}

    /// Adds the families and samples of `text`. A sample belongs to the family its
    /// `# TYPE` line named last (a histogram's `_bucket`, `_sum` and `_count` lines too);
    /// a sample with no `# TYPE` before it is a family of its own name.
    public mutating func add(_ text: String) {
        var current: String?
        for line in text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init) {
            if line.hasPrefix("# TYPE ") || line.hasPrefix("# HELP ") {
                let name = String(line.dropFirst(7).prefix { $0 != " " })
                current = name
                declare(name)
                if !families[name, default: Family()].comments.contains(where: { $0.hasPrefix(String(line.prefix(7))) }) {
                    families[name, default: Family()].comments.append(line)
                }
            } else if line.hasPrefix("#") {
                continue
            } else {
                let name = current ?? String(line.prefix { $0 != "{" && $0 != " " })
                declare(name)
                families[name, default: Family()].samples.append(line)
            }
        }
    }

    private mutating func declare(_ name: String) {
        if families[name] == nil {
            names.append(name)
            families[name] = Family()
        }
    }

    /// The merged exposition, `# HELP` before `# TYPE` in each family, ending in a newline.
    public var text: String {
        var lines: [String] = []
        for name in names {
            guard let family = families[name] else { continue }
            lines += family.comments.sorted { $0.hasPrefix("# HELP") && !$1.hasPrefix("# HELP") } + family.samples
        }
        return lines.isEmpty ? "" : lines.joined(separator: "\n") + "\n"
    }
}
