import EmbodyModel
import EmbodyPhysics
import Foundation

// MARK: - Models built in code for analytic tests

/// A location for links and joints built in code.
let here = SourceLocation(file: "<test>", line: 0)

/// A planar chain of `lengths.count` rods hanging from a fixed, massless base, each rotating about y.
/// Rod i is a point-like mass `masses[i]` kg (a sphere of radius `radius` m) at the end of a massless rod of
/// `lengths[i]` m, so the analytic pendulum formulas apply.
func pendulumChain(lengths: [Double], masses: [Double], radius: Double = 0.01) -> RobotModel {
    var links = [Link(name: "base", location: here)]
    var joints: [Joint] = []
    var previousLength = 0.0
    for (i, (l, m)) in zip(lengths, masses).enumerated() {
        let inertia = 2.0 / 5.0 * m * radius * radius
        let inertial = Inertial(mass: m, origin: Transform(position: Vector3(0, 0, -l)),
                                ixx: inertia, iyy: inertia, izz: inertia)
        links.append(Link(name: "rod\(i + 1)", inertial: inertial, location: here))
        joints.append(Joint(name: "hinge\(i + 1)", type: .continuous, parent: i, child: i + 1,
                            origin: Transform(position: Vector3(0, 0, -previousLength)),
                            axis: Vector3(0, 1, 0), location: here))
        previousLength = l
    }
    return RobotModel(name: "chain", links: links, joints: joints, root: 0, sourcePath: "<test>")
}

/// A world without ground, with gravity g = 9.81 m/s² down.
func emptyWorld(iterations: Int = 50) throws -> World {
    var s = WorldSettings()
    s.ground = false
    s.solverIterations = iterations
    return try World(settings: s)
}

/// The repository root, found from this file's path.
let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// The path of a bundled robot URDF.
func robotPath(_ file: String) -> String {
    repositoryRoot.appendingPathComponent("Scenarios/robots/\(file)").path
}
