import ArgumentParser
import AuthAPI
import BillingAPI
import LinesAPI
import MadoguchiModels
import RegistrationAPI
import ServiceClient
import ServiceContract

/// Model values as options and arguments: a value that breaks the type's rules is refused
/// by the parser, saying the rule, with the subcommand's usage (exit 64).
///
/// Not `ExpressibleByArgument` for the validated types: its `init?(argument:)` can only
/// fail silently, and the parser would then say "invalid" without the rule. Options of
/// these types read their text with `transform: PhoneNumber.argument` (and so on); the
/// enumerations, which have nothing to explain beyond their values, are
/// `ExpressibleByArgument` and listed in their help.
extension StringRepresentedValue {
    /// `text` read by the type's own rules.
    static func argument(_ text: String) throws -> Self {
        do {
            return try Self(validating: text)
        } catch {
            throw ArgumentRefusal(description: error.message)
        }
    }
}

/// Why an option's value was refused: the rule, as the parser prints it after the value.
struct ArgumentRefusal: Error, CustomStringConvertible {
    var description: String
}

extension PINKind: ExpressibleByArgument {}
extension ServiceName: ExpressibleByArgument {}
extension OutboxMessage.Channel: ExpressibleByArgument {}
extension Channel: ExpressibleByArgument {}
extension CodeDestination.Channel: ExpressibleByArgument {}
extension Gender: ExpressibleByArgument {}
extension RecoveryRoute: ExpressibleByArgument {}
extension LineVoicemailMessages.Params.Box: ExpressibleByArgument {}
