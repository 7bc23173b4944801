// MARK: - Tasks by kind
//
// One file per task kind in this folder, each an extension of that kind's parameter struct that builds the
// task at load. The switch below is exhaustive and has no `default:`, so a new case of `TaskKind` is a
// compile error here until its file exists.

import EmbodyControl
import EmbodyLocomotion
import EmbodyModel
import EmbodyPhysics
import EmbodyScenario

/// Everything a task kind is built from, fixed at load.
struct TaskContext {
    /// The scenario (its world objects, seed and rates).
    let scenario: Scenario
    /// Where the task section is, for messages.
    let location: SourceLocation
    /// The robot model.
    let model: RobotModel
    /// The world, for planning and cameras.
    let world: World
    /// The robot in the world.
    let robot: Robot
    /// The world's objects, in scenario order.
    let objects: [RigidBody]
    /// The dynamics terms, when the controller built them.
    let dynamics: RigidBodyDynamics?
    /// The initial joint positions, rad or m, in q order.
    let initialQ: [Double]
    /// The fixed timing of the run.
    let timing: LoopTiming
    /// Wraps a biped task's walking reference source before anything reads it (`Simulation.init`'s `walkingSource`).
    var wrapWalkingSource: WalkingSourceWrapper? = nil
}

/// Wraps the walking reference source a biped task built at load (the walking state machine of `walk`, the
/// stepping balancer of `stand`) in a source of the caller's: it may forward to it and replace part of the reference.
public typealias WalkingSourceWrapper = (any WalkingReferenceSource) throws(RuntimeError) -> any WalkingReferenceSource

/// What a task kind builds at load: the references the controller samples, and what planning found.
struct TaskSetup {
    /// The references, sampled by tick.
    var reference: TaskPlan.Kind
    /// The motion planned at load (move_to, reach_object).
    var motion: PlannedMotion? = nil
    /// What the camera saw and where the arm aims (reach_object).
    var reach: ReachPlan? = nil
    /// The per-tick walking reference for a controller that follows one (`whole_body`), such as a walking
    /// state machine; nil for tasks that do not walk (the controller then stands). Built at load.
    var walkingSource: (any WalkingReferenceSource)? = nil
}

/// Builds the task a scenario names.
enum TaskFactory {
    static func make(_ context: TaskContext) throws(RuntimeError) -> TaskSetup {
        switch context.scenario.task.kind {
        case .hold(let p): return p.makeTask(context)
        case .jointWaypoints(let p): return p.makeWaypointsTask(context)
        case .jointTrajectory(let p): return p.makeTrajectoryTask(context)
        case .jointSine(let p): return try p.makeTask(context)
        case .eeTargets(let p): return try p.makeTask(context)
        case .moveTo(let p): return try p.makeTask(context)
        case .reachObject(let p): return try p.makeTask(context)
        case .walk(let p): return try p.makeTask(context)
        case .stand(let p): return try p.makeTask(context)
        }
    }
}
