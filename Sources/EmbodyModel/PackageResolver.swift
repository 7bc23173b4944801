// MARK: - Where mesh files are found
//
// `package://PACKAGE/path` and `file://` URIs resolved as the ROS world does, with the confinement rules
// that keep a model from reading files it should not: no `..` escape from the folder a candidate was
// found in, no symbolic link leading out of it, and no absolute path outside the model's folder or a
// declared search path. The search order is documented in docs/robots.md ("Where meshes are found").

import Foundation

/// How to load a model: where packages are found.
public struct ModelLoadOptions: Equatable, Sendable {
    /// Folders searched first for `package://` URIs, in order: the scenario's `robot.package_paths`, then each
    /// `--package-path`. A folder is either the package itself (named after it) or a folder holding it.
    public var packagePaths: [String]
    /// The environment read for ROS_PACKAGE_PATH and AMENT_PREFIX_PATH (the process's own by default).
    public var environment: [String: String]

    /// Creates options; by default no extra package paths and the process's environment.
    public init(packagePaths: [String] = [], environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.packagePaths = packagePaths
        self.environment = environment
    }
}

/// Why a mesh URI could not be resolved; `message` starts with the URI in quotes.
struct ResolveFailure: Error {
    var message: String
    /// The file was not found anywhere (as opposed to a malformed URI or a confinement violation).
    var isNotFound: Bool
}

/// Resolves mesh file names of one model.
struct PackageResolver {
    /// One search root: a folder a package may be found in, and where it came from (for messages).
    struct Root { var path: String; var origin: String }

    /// The normalized absolute folder of the model.
    let modelDirectory: String
    /// Explicit roots (scenario and command line, then ROS_PACKAGE_PATH), in search order.
    let packageRoots: [Root]
    /// AMENT_PREFIX_PATH prefixes; a package is at PREFIX/share/PACKAGE.
    let amentPrefixes: [String]

    init(modelDirectory: String, options: ModelLoadOptions) {
        self.modelDirectory = modelDirectory
        var roots = options.packagePaths.map { Root(path: PathTools.normalize(PathTools.absolute($0)), origin: "package path") }
        for entry in (options.environment["ROS_PACKAGE_PATH"] ?? "").split(separator: ":") where !entry.isEmpty {
            roots.append(Root(path: PathTools.normalize(PathTools.absolute(String(entry))), origin: "ROS_PACKAGE_PATH"))
        }
        packageRoots = roots
        amentPrefixes = (options.environment["AMENT_PREFIX_PATH"] ?? "").split(separator: ":")
            .filter { !$0.isEmpty }.map { PathTools.normalize(PathTools.absolute(String($0))) }
    }

    /// Every folder an absolute path may lie in: the model's folder and each declared search path.
    var allowedTrees: [String] {
        [modelDirectory] + packageRoots.map(\.path) + amentPrefixes.map { $0 + "/share" }
    }

    /// The real path of the file `filename` names, or a failure listing every place looked in.
    func resolve(_ filename: String) throws(ResolveFailure) -> String {
        // Each candidate is a path and the folder it must stay inside.
        var candidates: [(path: String, tree: String)] = []
        if filename.hasPrefix("package://") {
            // package://PKG/rel; package:///PKG/rel (three slashes) is accepted as the same.
            let rest = filename.dropFirst("package://".count).drop { $0 == "/" }
            guard let slash = rest.firstIndex(of: "/"), slash != rest.startIndex,
                  rest.index(after: slash) != rest.endIndex else {
                throw ResolveFailure(message: "'\(filename)' is not a valid package URI; expected package://PACKAGE/path/to/mesh",
                                     isNotFound: false)
            }
            let package = String(rest[..<slash])
            let relative = String(rest[rest.index(after: slash)...])
            candidates = packageCandidates(package: package, relative: relative)
        } else if filename.hasPrefix("file://") {
            let absolute = String(filename.dropFirst("file://".count))
            guard absolute.hasPrefix("/") else {
                throw ResolveFailure(message: "'\(filename)' is not a valid file URI; expected file:///absolute/path", isNotFound: false)
            }
            candidates = try absoluteCandidate(filename, absolute)
        } else if filename.contains("://") {
            throw ResolveFailure(message: "'\(filename)' uses an unsupported URI scheme; use a path relative to the URDF, package:// or file://",
                                 isNotFound: false)
        } else if filename.hasPrefix("/") {
            candidates = try absoluteCandidate(filename, filename)
        } else {
            candidates = [(modelDirectory + "/" + filename, modelDirectory)]
        }

        var tried: [String] = []
        for candidate in candidates {
            let normalized = PathTools.normalize(candidate.path)
            guard PathTools.isInside(normalized, candidate.tree) else {
                throw ResolveFailure(message: "path '\(filename)' resolves outside the folder '\(candidate.tree)' (a '..' may not leave it)",
                                     isNotFound: false)
            }
            if tried.contains(normalized) { continue }
            tried.append(normalized)
            guard PathTools.isRegularFile(normalized) else { continue }
            let real = PathTools.realPath(normalized)
            guard PathTools.isInside(real, PathTools.realPath(candidate.tree)) else {
                throw ResolveFailure(message: "path '\(filename)' resolves outside the folder '\(candidate.tree)' through a symbolic link (to '\(real)')",
                                     isNotFound: false)
            }
            return real
        }
        throw ResolveFailure(message: "file '\(filename)' was not found; looked in \(tried.map { "'\($0)'" }.joined(separator: ", "))",
                             isNotFound: true)
    }

    /// An absolute path is allowed only inside the model's folder or a declared search path.
    private func absoluteCandidate(_ filename: String, _ absolute: String) throws(ResolveFailure) -> [(path: String, tree: String)] {
        let normalized = PathTools.normalize(absolute)
        guard let tree = allowedTrees.first(where: { PathTools.isInside(normalized, $0) }) else {
            let list = allowedTrees.map { "'\($0)'" }.joined(separator: ", ")
            throw ResolveFailure(message: "path '\(filename)' is absolute and outside the model folder and every package search path (\(list)); add its folder with --package-path or robot.package_paths",
                                 isNotFound: false)
        }
        return [(absolute, tree)]
    }

    /// Candidates for package://PACKAGE/RELATIVE, in search order.
    private func packageCandidates(package: String, relative: String) -> [(path: String, tree: String)] {
        var out: [(path: String, tree: String)] = []
        // 1–2. Declared roots: the package folder itself, or a folder holding it.
        for root in packageRoots {
            if PathTools.lastComponent(of: root.path) == package { out.append((root.path + "/" + relative, root.path)) }
            out.append((root.path + "/" + package + "/" + relative, root.path + "/" + package))
        }
        // 3. AMENT_PREFIX_PATH: PREFIX/share/PACKAGE.
        for prefix in amentPrefixes {
            let folder = prefix + "/share/" + package
            out.append((folder + "/" + relative, folder))
        }
        // 4. The model's folder and its parents named PACKAGE, as PyBullet searches, lexically and through the real
        //    path (so a model reached through a symbolic link still finds the package folder it really lives in);
        //    and a folder named PACKAGE beside the model.
        for start in [modelDirectory, PathTools.realPath(modelDirectory)] {
            var directory = start
            while true {
                if PathTools.lastComponent(of: directory) == package {
                    out.append((directory + "/" + relative, directory))
                }
                if directory == start {  // a package folder beside the model (pybullet_data's xarm)
                    out.append((directory + "/" + package + "/" + relative, directory + "/" + package))
                }
                if directory == "/" { break }
                directory = PathTools.parent(of: directory)
            }
        }
        // 5. The name is a folder beside the model, not a package (package://meshes/x.obj): the model's folder.
        out.append((modelDirectory + "/" + relative, modelDirectory))
        return out
    }
}
