// The fuzz targets as a program. Built for libFuzzer (swift build --product termlabel-fuzz -c release
// -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library -Xswiftc -DFUZZING), FUZZ_TARGET names the target and
// libFuzzer drives it; built plainly, it replays files: termlabel-fuzz TARGET FILE… (see Tests/Fuzz/README.md).

import FuzzTargets
import Foundation

#if FUZZING
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let name = ProcessInfo.processInfo.environment["FUZZ_TARGET"] ?? ""
    guard let target = FuzzTarget(rawValue: name) else {
        fatalError("FUZZ_TARGET is one of " + FuzzTarget.allCases.map(\.rawValue).joined(separator: ", "))
    }
    target.run(bytes.map { Data(bytes: $0, count: count) } ?? Data())
    return 0
}

@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                     _ test: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

/// The package's executables start at this symbol (the build names it `main`); here it hands over to libFuzzer.
@_cdecl("termlabel_fuzz_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var arguments = argv
    return runFuzzerDriver(&count, &arguments, fuzzOne)
}
#else
@main
enum FuzzReplay {
    static func main() {
        let arguments = CommandLine.arguments.dropFirst()
        guard let first = arguments.first, let target = FuzzTarget(rawValue: first) else {
            FileHandle.standardError.write(Data("usage: termlabel-fuzz nifti|safetensors|theme|keymap|clicks FILE…\n".utf8))
            exit(2)
        }
        for path in arguments.dropFirst() {
            guard let data = FileManager.default.contents(atPath: path) else {
                FileHandle.standardError.write(Data("termlabel-fuzz: \(path): unreadable\n".utf8))
                continue
            }
            target.run(data)
        }
    }
}
#endif
