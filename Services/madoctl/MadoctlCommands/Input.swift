import ArgumentParser
import MadoguchiModels

/// Reading and checking what the operator typed.
enum Input {
    /// `text` as a model value, or a usage error that says the rule.
    static func value<V: StringRepresentedValue>(_ text: String, as type: V.Type = V.self) throws -> V {
        do {
            return try V(validating: text)
        } catch {
            throw ValidationError(error.message)
        }
    }

    /// The next line of standard input: secrets (passwords, PINs, codes) come this way so
    /// they never show in the process list. On a terminal the operator is asked for it
    /// (on standard error) and it is not echoed; from a pipe it is read as is, with no
    /// prompt.
    static func secretLine(_ what: String) throws -> String {
        guard let line = Terminal.readWithoutEcho(prompt: "\(what.prefix(1).uppercased())\(what.dropFirst()): "), !line.isEmpty
        else {
            throw ValidationError("Give the \(what) on standard input.")
        }
        return line
    }
}
