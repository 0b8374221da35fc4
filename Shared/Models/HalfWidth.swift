/// Normalisation of what Japanese customers type: full-width ASCII (`０１２`, `ＡＢ`, `－`)
/// becomes half-width, and the ideographic space becomes an ASCII space.
public enum HalfWidth {
    /// `text` with every full-width ASCII character (U+FF01…U+FF5E) and the ideographic
    /// space (U+3000) replaced by its half-width form.
    public static func normalize(_ text: String) -> String {
        // Full-width forms are never ASCII: most text needs no copy.
        if text.utf8.allSatisfy({ $0 < 0x80 }) { return text }
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0xFF01...0xFF5E:
                scalars.append(Unicode.Scalar(scalar.value - 0xFEE0)!)
            case 0x3000:
                scalars.append(" ")
            default:
                scalars.append(scalar)
            }
        }
        return String(scalars)
    }

    /// Whether every character is a half-width digit `0`–`9`.
    static func isDigits(_ text: some StringProtocol) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
    }
}
