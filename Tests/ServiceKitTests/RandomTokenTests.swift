import Testing

@testable import ServiceKit

@Suite struct RandomTokenTests {
    /// One token in 64 would start with `-` if drawn plainly: in 2,000, one almost surely would.
    @Test func tokens_areURLSafe_256Bits_andNeverStartWithADash() {
        let tokens = (0..<2_000).map { _ in RandomToken.make() }
        #expect(tokens.allSatisfy { $0.count == 43 && $0.first != "-" })
        #expect(tokens.allSatisfy { $0.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") } })
        #expect(Set(tokens).count == tokens.count)
    }
}
