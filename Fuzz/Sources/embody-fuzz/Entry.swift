// MARK: - libFuzzer entry points
//
// Built only with `EMBODY_FUZZ=1 swift build --sanitize=fuzzer …` (scripts/fuzz.sh): libFuzzer supplies
// `main`, and calls the two functions below. The target is chosen by the environment:
//   EMBODY_FUZZ_TARGET=NAME         fuzz (or, given files, re-run) that target
//   EMBODY_FUZZ_LIST=1              print the target names, one a line, and exit
//   EMBODY_FUZZ_WRITE_SEEDS=DIR     write the target's generated seeds into DIR and exit

import Foundation

/// The target chosen at initialization.
nonisolated(unsafe) private var selected: FuzzTarget?

@_cdecl("LLVMFuzzerInitialize")
public func fuzzerInitialize(_ argc: UnsafeMutablePointer<Int32>?,
                             _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?) -> Int32 {
    let environment = ProcessInfo.processInfo.environment
    if environment["EMBODY_FUZZ_LIST"] == "1" {
        for target in FuzzTargets.all { print("\(target.name)\t\(target.summary)") }
        exit(0)
    }
    let names = FuzzTargets.all.map(\.name).joined(separator: ", ")
    guard let name = environment["EMBODY_FUZZ_TARGET"], let target = FuzzTargets.all.first(where: { $0.name == name }) else {
        FileHandle.standardError.write(Data("embody-fuzz: set EMBODY_FUZZ_TARGET to one of: \(names)\n".utf8))
        exit(2)
    }
    if let directory = environment["EMBODY_FUZZ_WRITE_SEEDS"] {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let seeds = try target.seeds()
            for (file, bytes) in seeds {
                try bytes.write(to: URL(fileURLWithPath: directory + "/" + file))
            }
            print("embody-fuzz: wrote \(seeds.count) \(name) seeds to \(directory)")
            exit(0)
        } catch {
            FileHandle.standardError.write(Data("embody-fuzz: writing \(name) seeds failed: \(error)\n".utf8))
            exit(1)
        }
    }
    selected = target
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let target = selected else { fatalError("embody-fuzz: LLVMFuzzerInitialize did not run") }
    target.run(UnsafeRawBufferPointer(start: data, count: data == nil ? 0 : size))
    return 0
}
