@testable import EmbodyExercises
import Foundation
import Testing

// MARK: - Starting runners while other threads write files

@Suite("Child processes")
struct ChildProcessTests {
    /// A trial gets stdin, stdout and stderr and no other descriptor of the grader's: a descriptor open in the
    /// grader (here without FD_CLOEXEC, as Foundation's file copies leave theirs) is not inherited.
    @Test func aChildInheritsNoOtherDescriptor() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("embody-fd-\(UUID().uuidString)").path
        let fd = open(path, O_WRONLY | O_CREAT, 0o600)
        #expect(fd >= 3)
        defer { close(fd); unlink(path) }
        let run = ChildProcess.run("/bin/sh", arguments: ["-c", "for f in /proc/$$/fd/*; do readlink $f; done; true"], timeLimit: 30)
        guard case .exited(0) = run.ending else { Issue.record("\(run.ending) \(run.stderr)"); return }
        let targets = run.stdout.split(separator: "\n").map(String.init)
        #expect(targets.contains("/dev/null"), "stdin: \(targets)")
        #expect(!targets.contains(path), "the grader's descriptor leaked into the child: \(targets)")
    }

    /// A runner still open for writing somewhere ("Text file busy", as a just-copied one can be while a process
    /// that inherited the copier's descriptor lives) is waited for, not reported as one that cannot identify itself.
    @Test func aRunnerBusyForAMomentIsWaitedFor() throws {
        let folder = try temporaryDirectory("busy-runner")
        defer { try? FileManager.default.removeItem(at: folder) }
        let copy = folder.appendingPathComponent("embody-exercise-runner").path
        try FileManager.default.copyItem(atPath: executable("embody-exercise-runner"), toPath: copy)
        let writer = open(copy, O_WRONLY)
        #expect(writer >= 0)
        let busy = ChildProcess.run(copy, arguments: ["--identify"], timeLimit: 30)
        guard case .launchFailed(let reason, let code) = busy.ending else {
            Issue.record("a file open for writing started: \(busy.ending)"); close(writer); return
        }
        #expect(code == ETXTBSY, "\(reason)")
        let closer = Thread { usleep(500_000); close(writer) }
        closer.start()
        let identity = try RunnerCheck.identify(copy)
        #expect(identity.solutions == "student")
    }
}
