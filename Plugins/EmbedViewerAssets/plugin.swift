// Embeds the viewer's page assets (Sources/EmbodyView/Resources: HTML, CSS, JS) into EmbodyView as Swift string
// constants at build time (the tool: Sources/embed-viewer-assets). The resources stay ordinary files, edited as
// such; the generated `ViewerAssets.swift` lives in the build directory, so there is no committed copy to go stale.
import Foundation
import PackagePlugin

@main
struct EmbedViewerAssets: BuildToolPlugin {
    /// The constants of `ViewerAssets` and the resource files they hold.
    static let assets = [("html", "viewer.html"), ("css", "viewer.css"), ("js", "viewer.js"),
                         ("indexHTML", "index.html"), ("indexJS", "index.js")]

    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let resources = target.directoryURL.appending(path: "Resources")
        let inputs = Self.assets.map { resources.appending(path: $0.1) }
        let output = context.pluginWorkDirectoryURL.appending(path: "ViewerAssets.swift")
        return [.buildCommand(
            displayName: "Embedding the viewer's page assets into \(target.name)",
            executable: try context.tool(named: "embed-viewer-assets").url,
            arguments: [output.path] + zip(Self.assets, inputs).map { "\($0.0.0)=\($0.1.path)" },
            inputFiles: inputs,
            outputFiles: [output])]
    }
}
