import Foundation

/// Finds the package's built executables: `$MADOGUCHI_BIN_DIR`, else the folder holding
/// the test binary (`swift build` puts every product there).
public enum Executables {
    public static var directory: String {
        if let override = ProcessInfo.processInfo.environment["MADOGUCHI_BIN_DIR"] { return override }
        let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var folder = testBinary.deletingLastPathComponent()
        // On some layouts the test binary sits inside a `.xctest` bundle folder.
        while folder.path.contains(".xctest") { folder = folder.deletingLastPathComponent() }
        return folder.path
    }

    /// The path of the built product `name`.
    public static func path(_ name: String) -> String { directory + "/" + name }
}

/// The checkout the tests were built from, for the files it ships (`compose/…`).
public enum Repository {
    public static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    /// `root/relative`.
    public static func file(_ relative: String) -> String { root + "/" + relative }
}
