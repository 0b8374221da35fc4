import ArgumentParser

/// The session a command acts in, shared by every command that takes one: a token that
/// `madoctl login` printed.
struct SessionOptions: ParsableArguments {
    @Option(help: "The session token (the first line madoctl login prints).")
    var session: String
}
