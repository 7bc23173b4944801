import ArgumentParser
import EmbodyView
import Foundation

// MARK: - view

struct View: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a recorded run as one self-contained HTML page: 3D playback, plots and events (docs/viewer.md).",
        discussion: "The page needs no network and no server; open it in a browser. Append #t=2.5 to its URL to open it paused at 2.5 s.")

    @Argument(help: "The log written by `embody run --record`.")
    var log: String

    @Option(name: .shortAndLong, help: "The page to write (default: the log's name with .html).")
    var output: String?

    func run() throws {
        let out = output ?? defaultPagePath(forLog: log)
        let bytes: Int
        do { bytes = try ViewerPage.write(logPath: log, outputPath: out) } catch { throw CLIError(.invalidInput, error.description) }
        warn(String(format: "embody: wrote %@ (%.2f MB)", out, Double(bytes) / 1e6))
    }
}

/// The log's path with its extension replaced by .html.
func defaultPagePath(forLog log: String) -> String {
    let url = URL(fileURLWithPath: log)
    return url.pathExtension.isEmpty ? log + ".html" : url.deletingPathExtension().path + ".html"
}
