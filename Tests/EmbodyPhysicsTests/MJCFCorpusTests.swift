import EmbodyModel
import EmbodyPhysics
import Foundation
import Testing

// MARK: - MJCF models of dm_control and Gymnasium against MuJoCo's own compiler
//
// tools/mjcf/mujoco_reference.py compiles every corpus model with the `mujoco` package and writes its
// numbers; scripts/mjcf-corpus.sh (run by `make test` through scripts/setup.sh) installs the corpus. When
// the corpus or mujoco is missing these tests fail and say how to install it: they never skip.

/// What MuJoCo says about one model (see tools/mjcf/mujoco_reference.py).
struct MuJoCoReference: Decodable {
    struct Body: Decodable { var name: String; var mass: Double; var com: [Double]; var inertia: [[Double]] }
    struct JointInfo: Decodable {
        var name: String; var limited: Bool; var range: [Double]
        var damping: Double; var armature: Double; var frictionloss: Double
    }
    struct Motor: Decodable { var joint: String; var effort: Double }
    var label: String
    var path: String
    var timestep: Double
    var gravity: [Double]
    var model_body_count: Int
    var model_dof: Int
    var model_total_mass: Double
    var body_count: Int
    var dof: Int
    var total_mass: Double
    var bodies: [Body]
    var joints: [JointInfo]
    var motors: [Motor]
}

struct MuJoCoReferenceFile: Decodable {
    var mujoco_version: String
    var models: [MuJoCoReference]
}

/// The reference numbers, computed once per test process.
let mujocoReference: Result<MuJoCoReferenceFile, PhysicsError> = {
    let out = FileManager.default.temporaryDirectory.appendingPathComponent("embody-mjcf-\(UUID().uuidString).json")
    defer { try? FileManager.default.removeItem(at: out) }
    var log = ""
    let script = repositoryRoot.appendingPathComponent("tools/mjcf/mujoco_reference.py").path
    do {
        guard try run(["python3", script, out.path], log: &log) == 0 else {
            return .failure(PhysicsError("the MJCF corpus reference failed: \(log)"))
        }
        return .success(try JSONDecoder().decode(MuJoCoReferenceFile.self, from: Data(contentsOf: out)))
    } catch {
        return .failure(PhysicsError("the MJCF corpus reference failed: \(error) \(log)"))
    }
}()

/// The models issue 12 names: compared with MuJoCo and dropped on the ground.
let mjcfCorpusLabels = ["dm_control/humanoid", "dm_control/walker", "dm_control/cheetah", "dm_control/hopper",
                        "dm_control/quadruped", "gymnasium/ant", "gymnasium/humanoid"]

/// Every other model of dm_control's suite and Gymnasium: compared with MuJoCo.
let mjcfExtendedLabels = ["acrobot", "ball_in_cup", "cartpole", "dog", "finger", "fish", "humanoid_CMU", "manipulator",
                          "pendulum", "point_mass", "reacher", "stacker", "swimmer"].map { "dm_control/\($0)" }
    + ["half_cheetah", "hopper", "humanoidstandup", "inverted_double_pendulum", "inverted_pendulum", "point", "pusher",
       "pusher_v5", "reacher", "swimmer", "walker2d", "walker2d_v5"].map { "gymnasium/\($0)" }

func reference(_ label: String) throws -> MuJoCoReference {
    let file = try mujocoReference.get()
    guard let r = file.models.first(where: { $0.label == label }) else {
        throw PhysicsError("the MuJoCo reference holds no model '\(label)'")
    }
    return r
}

/// World poses of every link at q = 0 (the declared configuration, MuJoCo's qpos0).
func linkPosesAtZero(_ model: RobotModel) -> [Transform] {
    var poses = [Transform](repeating: .identity, count: model.links.count)
    for j in model.joints { poses[j.child] = poses[j.parent] * j.origin }
    return poses
}

/// R·I·Rᵀ for a symmetric tensor.
func rotated(_ i: [[Double]], _ q: Quaternion) -> [[Double]] {
    let r = q.matrix
    return (0..<3).map { a in (0..<3).map { b in
        var s = 0.0
        for k in 0..<3 { for l in 0..<3 { s += r[a][k] * i[k][l] * r[b][l] } }
        return s
    } }
}

/// The lowest point (world z, m) of any collision shape at q = 0.
func lowestCollisionPoint(_ model: RobotModel) -> Double {
    let poses = linkPosesAtZero(model)
    var lowest = Double.infinity
    for (index, link) in model.links.enumerated() {
        for g in link.collisions {
            let frame = poses[index] * g.origin
            let axis = frame.rotation.rotate(Vector3(0, 0, 1))
            switch g.shape {
            case .sphere(let r):
                lowest = min(lowest, frame.position.z - r)
            case .capsule(let r, let l):
                lowest = min(lowest, frame.position.z - abs(axis.z) * l / 2 - r)
            case .cylinder(let r, let l):
                lowest = min(lowest, frame.position.z - abs(axis.z) * l / 2 - r * (1 - axis.z * axis.z).squareRoot())
            case .box(let size):
                for corner in 0..<8 {
                    let c = Vector3(corner & 1 == 0 ? -0.5 : 0.5, corner & 2 == 0 ? -0.5 : 0.5, corner & 4 == 0 ? -0.5 : 0.5) * size
                    lowest = min(lowest, frame.apply(c).z)
                }
            case .mesh(let mesh):
                for v in mesh.vertices { lowest = min(lowest, frame.apply(v).z) }
            }
        }
    }
    return lowest
}

func relativeError(_ a: Double, _ b: Double) -> Double { abs(a - b) / max(abs(b), 1e-300) }

@Suite("MJCF corpus against MuJoCo")
struct MJCFCorpusTests {
    @Test func referenceHoldsTheWholeCorpus() throws {
        let file = try mujocoReference.get()
        #expect(file.models.map(\.label) == mjcfCorpusLabels + mjcfExtendedLabels)
    }

    /// Body count (world included), DoF (nv: 6 for a free base) and total mass within 1e-6 relative; each
    /// body's mass, centre of mass (world, at qpos0) and world-axes inertia tensor; joint limits, damping,
    /// armature and friction; motor effort bounds.
    @Test(arguments: mjcfCorpusLabels + mjcfExtendedLabels)
    func matchesMuJoCosCompiledModel(_ label: String) throws {
        let ref = try reference(label)
        let model = try URDFLoader.load(path: ref.path)  // a <mujoco> file given where a URDF goes loads as MJCF
        let bodies = model.links.indices.filter { model.links[$0].role == .body }
        let dof = model.dof + (model.declaresFloatingBase ? 6 : 0)
        #expect(bodies.count == ref.body_count, "\(label): body count")
        #expect(dof == ref.dof, "\(label): DoF")
        #expect(relativeError(model.totalMass, ref.total_mass) <= 1e-6,
                "\(label): total mass \(model.totalMass) kg, MuJoCo \(ref.total_mass) kg")
        #expect(model.physicsDefaults?.timestep == ref.timestep)
        #expect(model.physicsDefaults?.gravity == Vector3(ref.gravity[0], ref.gravity[1], ref.gravity[2]))
        print("MJCF \(label): bodies \(bodies.count)/\(ref.body_count), DoF \(dof)/\(ref.dof), mass \(model.totalMass)/\(ref.total_mass) kg (relative error \(relativeError(model.totalMass, ref.total_mass)))")
        guard bodies.count == ref.body_count else { return }

        let poses = linkPosesAtZero(model)
        var worstMass = 0.0, worstInertia = 0.0, worstCom = 0.0
        for (index, expected) in zip(bodies, ref.bodies) {
            let link = model.links[index]
            if !expected.name.isEmpty { #expect(link.name == expected.name, "\(label): body order") }
            let m = link.inertial.mass
            let massError = expected.mass == 0 ? abs(m) : relativeError(m, expected.mass)
            worstMass = max(worstMass, massError)
            #expect(massError <= 1e-6, "\(label): body '\(link.name)' mass \(m) kg, MuJoCo \(expected.mass) kg")
            guard expected.mass > 0 else { continue }
            let frame = poses[index] * link.inertial.origin
            let com = frame.position
            let comError = length(com - Vector3(expected.com[0], expected.com[1], expected.com[2]))
            worstCom = max(worstCom, comError)
            #expect(comError <= 1e-9, "\(label): body '\(link.name)' centre of mass \(com), MuJoCo \(expected.com)")
            let i = link.inertial
            let local = [[i.ixx, i.ixy, i.ixz], [i.ixy, i.iyy, i.iyz], [i.ixz, i.iyz, i.izz]]
            let world = rotated(local, frame.rotation)
            let scale = expected.inertia[0][0] + expected.inertia[1][1] + expected.inertia[2][2]
            var inertiaError = 0.0
            for r in 0..<3 { for c in 0..<3 { inertiaError = max(inertiaError, abs(world[r][c] - expected.inertia[r][c]) / scale) } }
            worstInertia = max(worstInertia, inertiaError)
            #expect(inertiaError <= 1e-6, "\(label): body '\(link.name)' inertia \(world), MuJoCo \(expected.inertia)")
        }
        print("MJCF \(label): worst body mass error \(worstMass) (relative), inertia \(worstInertia) (relative to the trace), centre of mass \(worstCom) m")

        for j in ref.joints {
            guard let joint = model.joints.first(where: { $0.name == j.name }) else {
                Issue.record("\(label): joint '\(j.name)' is missing"); continue
            }
            #expect(joint.damping == j.damping && joint.armature == j.armature && joint.friction == j.frictionloss,
                    "\(label): joint '\(j.name)' dynamics")
            let lower = joint.limit?.lower ?? -.infinity, upper = joint.limit?.upper ?? .infinity
            if j.limited {
                #expect(abs(lower - j.range[0]) <= 1e-12 && abs(upper - j.range[1]) <= 1e-12,
                        "\(label): joint '\(j.name)' limits [\(lower), \(upper)], MuJoCo \(j.range)")
            } else {
                #expect(lower == -.infinity && upper == .infinity, "\(label): joint '\(j.name)' should be unlimited")
            }
        }
        for motor in ref.motors {
            let joint = model.joints.first { $0.name == motor.joint }
            #expect(joint?.limit?.effort == motor.effort, "\(label): motor on '\(motor.joint)' effort")
        }
    }

    /// Dropped from its declared pose onto the ground with no torque, at the model's own time step and
    /// gravity: 2 s with every state value finite, and the robot ends on the ground, neither sunk through it
    /// nor flown off.
    @Test(arguments: mjcfCorpusLabels)
    func standsOrLiesOnTheGroundForTwoSeconds(_ label: String) throws {
        let ref = try reference(label)
        let model = try URDFLoader.load(path: ref.path)
        guard let defaults = model.physicsDefaults else { Issue.record("no MJCF physics defaults"); return }
        var settings = WorldSettings()
        settings.gravity = defaults.gravity
        let world = try World(settings: settings)
        // Declared poses may reach into the floor (dm_control's quadruped stands 0.12 m deep and its task
        // code lifts it); lift the robot so its lowest collision point starts 1 cm above the ground.
        var options = RobotOptions()
        let lowestPoint = lowestCollisionPoint(model)
        options.basePose = Transform(position: Vector3(0, 0, max(0, 0.01 - lowestPoint)))
        let robot = try world.addRobot(model, options: options)
        let steps = Int((2.0 / defaults.timestep).rounded())
        var poses = [Double](repeating: 0, count: 7 * robot.linkCount)
        var q = [Double](repeating: 0, count: robot.dof), qd = q
        var lowest = Double.infinity, highest = -Double.infinity
        for _ in 0..<steps {
            world.step(dt: defaults.timestep, substeps: defaults.substeps)
        }
        robot.getLinkPoses(&poses)
        robot.getQ(&q)
        robot.getQd(&qd)
        #expect(poses.allSatisfy(\.isFinite) && q.allSatisfy(\.isFinite) && qd.allSatisfy(\.isFinite),
                "\(label): non-finite state after 2 s")
        for k in 0..<robot.linkCount {
            let idx = robot.modelLinkIndex[k]
            guard model.links[idx].role == .body, !model.links[idx].collisions.isEmpty else { continue }
            lowest = min(lowest, poses[7 * k + 2]); highest = max(highest, poses[7 * k + 2])
        }
        print("MJCF \(label): lowest collision point at q = 0 was \(lowestPoint) m; after 2 s at dt \(defaults.timestep) s with \(defaults.substeps) substeps, body origins between z = \(lowest) and \(highest) m")
        #expect(lowest > -0.3 && highest < 3, "\(label): the robot left the ground's neighbourhood (z from \(lowest) to \(highest) m)")
    }
}
