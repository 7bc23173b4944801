@testable import EmbodyExercises
import Testing

/// Student code runs with neither the salt nor the path of the file that holds it in its environment.
@Test func trialEnvironmentHasNoSalt() {
    let parent = ["PATH": "/usr/bin", SeedPlan.saltVariable: "pepper", SeedPlan.saltFileVariable: "/etc/course/salt"]
    let child = ChildProcess.childEnvironment(parent)
    #expect(child["PATH"] == "/usr/bin")
    #expect(child["SWIFT_BACKTRACE"]?.hasPrefix("enable=yes,interactive=no") == true)
    #expect(child[SeedPlan.saltVariable] == nil)
    #expect(child[SeedPlan.saltFileVariable] == nil)
}
