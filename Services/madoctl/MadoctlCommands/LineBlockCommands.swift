import ArgumentParser
import LinesAPI
import MadoguchiModels
import ServiceContract

extension Madoctl.Line {
    /// `madoctl line block add|list|remove`.
    struct Block: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The nuisance-call block list.", subcommands: [Add.self, List.self, Remove.self])

        static func describe(_ list: BlockList) -> String {
            (["block list: \(list.numbers.count) of \(list.limit)"] + list.numbers.map { "  \($0.number) (since \($0.addedAt))" })
                .joined(separator: "\n")
        }

        struct Add: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Block a number, or the last caller's.")
            @OptionGroup var connection: ConnectionOptions
            @OptionGroup var access: LineAccessOptions
            @Argument(help: "The number to block (hyphens and full-width digits are fine).", transform: PhoneNumber.argument) var number: PhoneNumber?
            @Flag(help: "Block the number of the line's last incoming call.") var lastCaller = false

            func validate() throws {
                guard (number == nil) == lastCaller else { throw ValidationError("Give a number or --last-caller.") }
            }

            func run() async throws {
                let params = LineBlockAdd.Params(
                    access: try access.access(), number: number, lastCaller: lastCaller ? true : nil,
                    origin: access.origin)
                try await Output.call(LineBlockAdd.self, params, on: .lines, with: connection, show: describe)
            }
        }

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "The blocked numbers, oldest first.")
            @OptionGroup var connection: ConnectionOptions
            @OptionGroup var access: LineAccessOptions

            func run() async throws {
                let params = try access.lineParams()
                try await Output.call(LineBlockList.self, params, on: .lines, with: connection, show: describe)
            }
        }

        struct Remove: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Unblock a number.")
            @OptionGroup var connection: ConnectionOptions
            @OptionGroup var access: LineAccessOptions
            @Argument(help: "The number to take off the block list.", transform: PhoneNumber.argument) var number: PhoneNumber

            func run() async throws {
                let params = LineBlockRemove.Params(access: try access.access(), number: number, origin: access.origin)
                try await Output.call(LineBlockRemove.self, params, on: .lines, with: connection, show: describe)
            }
        }
    }
}
