// The build tool behind Plugins/EmbedViewerAssets: writes the viewer's page assets (Sources/EmbodyView/Resources)
// as Swift string constants, so that the binary carries them and an installed or copied `embody` needs no
// resource bundle next to it. Run by SwiftPM at build time; the generated file lives in the build directory.
//
// Usage: embed-viewer-assets OUTPUT.swift NAME=FILE...   (each NAME becomes `static let NAME` in `ViewerAssets`)
import Foundation

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("embed-viewer-assets: \(message)\n".utf8))
    exit(1)
}

let arguments = CommandLine.arguments.dropFirst()
guard let output = arguments.first, arguments.count > 1 else { fail("usage: embed-viewer-assets OUTPUT NAME=FILE...") }

var swift = "// Generated at build time by Plugins/EmbedViewerAssets from Sources/EmbodyView/Resources; do not edit.\n"
swift += "\n/// The viewer's page template, stylesheet and script (written in this project).\nenum ViewerAssets {\n"
for pair in arguments.dropFirst() {
    guard let equals = pair.firstIndex(of: "=") else { fail("'\(pair)' is not NAME=FILE") }
    let name = pair[..<equals], path = String(pair[pair.index(after: equals)...])
    guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
        fail("cannot read \(path) as UTF-8")
    }
    // The constant is a raw string literal #"""…"""#: this sequence would end it early.
    if text.contains("\"\"\"#") { fail("\(path) contains the sequence that would end a Swift raw string literal") }
    let file = (path as NSString).lastPathComponent
    swift += "    /// \(file)\n    static let \(name) = #\"\"\"\n\(text)\n\"\"\"#\n"
}
swift += "}\n"

// Leave an unchanged file untouched, so that a rebuild does not recompile EmbodyView for nothing.
if FileManager.default.contents(atPath: output) != Data(swift.utf8) {
    do { try Data(swift.utf8).write(to: URL(fileURLWithPath: output), options: .atomic) } catch {
        fail("cannot write \(output): \(error)")
    }
}
