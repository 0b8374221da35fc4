#if canImport(Glibc)
    import Glibc
#endif

/// Reading a secret from a terminal: prompted for, not echoed.
enum Terminal {
    /// A line of standard input. When standard input is a terminal, `prompt` goes to
    /// standard error and echo is off while the line is typed (restored after it, and on
    /// Ctrl-C, so a shell is never left without echo).
    static func readWithoutEcho(prompt: String) -> String? {
        guard isatty(STDIN_FILENO) == 1 else { return readLine(strippingNewline: true) }
        say(prompt)
        var saved = termios()
        guard tcgetattr(STDIN_FILENO, &saved) == 0 else { return readLine(strippingNewline: true) }
        var silent = saved
        silent.c_lflag &= ~tcflag_t(ECHO)
        echoToRestore = saved
        signal(SIGINT, restoreEchoAndExit)
        tcsetattr(STDIN_FILENO, TCSANOW, &silent)
        let line = readLine(strippingNewline: true)
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved)
        signal(SIGINT, SIG_DFL)
        echoToRestore = nil
        say("\n")
        return line
    }

    /// Writes to standard error with one `write`, which a signal handler may call.
    private static func say(_ text: String) {
        var bytes = Array(text.utf8)
        _ = write(STDERR_FILENO, &bytes, bytes.count)
    }

}

/// The terminal's settings while echo is off, for `restoreEchoAndExit` (a signal handler
/// can capture nothing).
nonisolated(unsafe) private var echoToRestore: termios?

/// Ctrl-C while a secret is typed: echo back on, then exit as a shell expects (130).
private func restoreEchoAndExit(_ signal: Int32) {
    if var restore = echoToRestore { tcsetattr(STDIN_FILENO, TCSAFLUSH, &restore) }
    var newline: UInt8 = 10
    _ = write(STDERR_FILENO, &newline, 1)
    _exit(128 + signal)
}
