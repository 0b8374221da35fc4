// The fuzzer's driver. Built with `-sanitize=fuzzer -D MADOGUCHI_LIBFUZZER` (compose/fuzz),
// `main` hands over to libFuzzer, which calls `LLVMFuzzerTestOneInput` for each input, keeping
// a failing one as a crash file. Built plainly, `main` replays the files or folders it is
// given, for reproducing a finding under a debugger.
import Foundation
import MadoguchiFuzzing

/// Built on first use, once, whichever `main` runs.
let harness: FuzzHarness = {
    do {
        return try FuzzHarness.make()
    } catch {
        FileHandle.standardError.write(Data("madoguchi-fuzz: cannot build the method tables: \(error)\n".utf8))
        exit(2)
    }
}()

/// Runs one input; a broken protocol rule stops the process, which libFuzzer reports as a
/// crash with the input saved.
func fuzzOne(_ bytes: Data) {
    let problems = harness.problemsWaiting(answering: bytes)
    if !problems.isEmpty { fatalError("the reply broke the protocol: \(problems.joined(separator: "; "))") }
}

#if MADOGUCHI_LIBFUZZER
@_cdecl("LLVMFuzzerTestOneInput")
func testOneInput(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    fuzzOne(bytes.map { Data(bytes: $0, count: count) } ?? Data())
    return 0
}

/// libFuzzer's entry for a program with its own `main` (LLVM 12 on).
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

/// The executable's `main` as SwiftPM names it (it links `main` to `<module>_main`).
@_cdecl("madoguchi_fuzz_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var arguments = argv
    return LLVMFuzzerRunDriver(&count, &arguments, testOneInput)
}
#else
@main
enum ReplayInputs {
    static func main() {
        let paths = CommandLine.arguments.dropFirst()
        guard !paths.isEmpty else {
            FileHandle.standardError.write(Data("usage: madoguchi-fuzz FILE|FOLDER... (replays inputs)\n".utf8))
            exit(2)
        }
        var replayed = 0
        for path in paths {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
                FileHandle.standardError.write(Data("madoguchi-fuzz: no such file: \(path)\n".utf8))
                exit(2)
            }
            let names = isFolder.boolValue ? ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []) : [""]
            for name in names.sorted() {
                let file = name.isEmpty ? path : path + "/" + name
                guard let bytes = FileManager.default.contents(atPath: file) else { continue }
                fuzzOne(bytes)
                replayed += 1
            }
        }
        print("replayed \(replayed) inputs: every reply kept the protocol")
    }
}
#endif
