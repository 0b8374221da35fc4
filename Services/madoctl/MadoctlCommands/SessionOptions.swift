import ArgumentParser

/// The session a command acts in, shared by every command that takes one: a token that
/// `madoctl login`, `madoctl signup login` or `madoctl line login` printed.
struct SessionOptions: ParsableArguments {
    @Option(help: "The session token (printed by madoctl login, signup login or line login).")
    var session: String
}
