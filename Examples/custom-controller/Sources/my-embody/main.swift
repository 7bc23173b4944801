// my-embody: the embody command line with this package's Swift controllers registered.
//
//   swift build
//   .build/debug/my-embody run scenario.yaml --record run.emblog
//   .build/debug/my-embody replay run.emblog --verify

import EmbodyCommandLine
import Foundation

do {
    try SaturatedPDGravity.register()
} catch {
    FileHandle.standardError.write(Data("my-embody: cannot register the controllers: \(error)\n".utf8))
    exit(3)
}
EmbodyCLI.main()
