import MetricsExporter

/// The entry point: swift-argument-parser's own, which awaits the command.
@main
struct ExporterMain {
    static func main() async { await ExporterCommand.main() }
}
