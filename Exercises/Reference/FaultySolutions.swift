// Deliberately faulty solutions for the grader's own tests: one traps, one never returns.
// Selected with `--variant crashing` or `--variant looping`; they replace exercise 2's JointPD.

import EmbodyExercises

/// A controller that traps on its first tick, as a student's fatalError or index error would.
final class CrashingPD: StudentController {
    init(model: RobotModelView) {}
    func torques(_ state: JointState) -> [Double] {
        fatalError("deliberate crash in CrashingPD.torques")
    }
}

/// A controller that never returns from its first tick, as a student's endless loop would.
final class LoopingPD: StudentController {
    var spins = 0
    init(model: RobotModelView) {}
    func torques(_ state: JointState) -> [Double] {
        while state.time >= 0 { spins = spins &+ 1 }
        return []
    }
}

/// A controller that reads past the end of an array, as a student's off-by-one would: the grader quotes the
/// runtime's "Fatal error: Index out of range" and this file and line (the tests look for the marker below).
final class IndexCrashPD: StudentController {
    init(model: RobotModelView) {}
    func torques(_ state: JointState) -> [Double] {
        let past = state.q[state.dof]   // grader-test: index out of range
        return Array(repeating: past, count: state.dof)
    }
}
