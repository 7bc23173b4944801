// MARK: - The student handout: the course without the instructor's solutions
//
// `embody exercise handout DIR` copies the package that holds the Exercises directory (so that students can
// build their runner and grade themselves): the briefs, starters, scenarios and robots, the sources, docs
// and build files, but not Exercises/Reference (the reference and near-miss solutions) nor the grader's own
// tests (Tests/EmbodyExercisesTests, which run them). Package.swift leaves the reference target out when
// Exercises/Reference is absent, so the copy builds as it is.

import Foundation

/// Writes the student version of the course.
public enum Handout {
    /// Paths, relative to the package root, that stay with the instructor.
    public static let instructorOnly = ["Exercises/Reference", "Tests/EmbodyExercisesTests"]
    /// Folder names never copied (build products, version control, editor state).
    static let skippedNames: Set<String> = [".build", ".git", ".swiftpm", ".DS_Store", "__pycache__"]

    /// What was written.
    public struct Summary: Sendable {
        /// The number of files written.
        public var files: Int
        /// The package root copied.
        public var source: String
    }

    /// Copies the package at `packageRoot` to `destination` (which must not exist, or be an empty directory,
    /// outside the package), leaving out `instructorOnly` and build products.
    public static func write(packageRoot: String, to destination: String) throws -> Summary {
        let fm = FileManager.default
        let root = URL(fileURLWithPath: packageRoot).standardizedFileURL
        guard fm.fileExists(atPath: root.appendingPathComponent("Package.swift").path),
              fm.fileExists(atPath: root.appendingPathComponent("Exercises").path) else {
            throw GradingRefusal("""
                a handout is copied from the Embody package that holds the exercises (a checkout), and \(root.path) \
                has no Package.swift and Exercises/ side by side; run it from a checkout, or pass --exercises \
                <checkout>/Exercises
                """)
        }
        let target = URL(fileURLWithPath: destination).standardizedFileURL
        let rootPath = RunnerCheck.canonical(root.path)
        let targetPath = RunnerCheck.canonical(target.path)
        if targetPath == rootPath || targetPath.hasPrefix(rootPath + "/") {
            throw GradingRefusal("the handout cannot go inside the package it copies (\(root.path)); choose a directory outside it")
        }
        var isDirectory: ObjCBool = false
        if fm.fileExists(atPath: target.path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw GradingRefusal("\(target.path) exists and is not a directory") }
            guard ((try? fm.contentsOfDirectory(atPath: target.path)) ?? ["?"]).isEmpty else {
                throw GradingRefusal("\(target.path) is not empty; a handout goes into a new or empty directory")
            }
        }
        var files = 0
        try copyTree(root, relative: "", to: target, count: &files)
        return Summary(files: files, source: root.path)
    }

    static func copyTree(_ root: URL, relative: String, to target: URL, count: inout Int) throws {
        let fm = FileManager.default
        let here = relative.isEmpty ? root : root.appendingPathComponent(relative)
        let destination = relative.isEmpty ? target : target.appendingPathComponent(relative)
        do { try fm.createDirectory(at: destination, withIntermediateDirectories: true) } catch {
            throw GradingRefusal("cannot create \(destination.path): \(error.localizedDescription)")
        }
        let names = ((try? fm.contentsOfDirectory(atPath: here.path)) ?? []).sorted()
        for name in names where !skippedNames.contains(name) && !name.hasPrefix(".build") {
            let path = relative.isEmpty ? name : "\(relative)/\(name)"
            if instructorOnly.contains(path) { continue }
            let source = here.appendingPathComponent(name)
            let values = try? source.resourceValues(forKeys: [.isDirectoryKey, .isRegularFileKey, .isSymbolicLinkKey])
            if values?.isSymbolicLink == true {
                continue   // a link could point at the instructor's files or out of the package
            } else if values?.isDirectory == true {
                try copyTree(root, relative: path, to: target, count: &count)
            } else if values?.isRegularFile == true {
                do { try fm.copyItem(at: source, to: destination.appendingPathComponent(name)) } catch {
                    throw GradingRefusal("cannot copy \(source.path): \(error.localizedDescription)")
                }
                count += 1
            }
        }
    }
}
