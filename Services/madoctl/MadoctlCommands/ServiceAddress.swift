import ArgumentParser
import ServiceContract

/// A service as `madoctl` is told it: a name from `ServiceName` (`auth`, or
/// `madoguchi-auth`), found in the runtime folder, or a socket's path (anything with a
/// `/`). Any other word is refused by the parser, with the subcommand's usage.
enum ServiceAddress: ExpressibleByArgument, CustomStringConvertible, Sendable {
    case service(ServiceName)
    case socket(path: String)

    init?(argument: String) {
        if argument.contains("/") {
            self = .socket(path: argument)
        } else if let name = ServiceName(rawValue: argument.hasPrefix("madoguchi-") ? String(argument.dropFirst(10)) : argument) {
            self = .service(name)
        } else {
            return nil
        }
    }

    static var allValueStrings: [String] { ServiceName.allCases.map(\.rawValue) }
    static var defaultCompletionKind: CompletionKind { .list(allValueStrings) }

    var description: String {
        switch self {
        case .service(let name): name.rawValue
        case .socket(let path): path
        }
    }
}
