import MadoctlCommands

/// The entry point: swift-argument-parser's own, which awaits the chosen subcommand
/// and exits with the parser's usage and status on a bad argument.
@main
struct MadoctlMain {
    static func main() async {
        await Madoctl.main(Madoctl.withLeadingOptionsMoved(Array(CommandLine.arguments.dropFirst())))
    }
}
