import EmbodyModel
import EmbodyPlanning
import Foundation

// MARK: - An analytic serial chain of revolute joints, as a RobotDynamics for IK tests

/// A serial chain of revolute joints with massless links: joint i sits at `origins[i]` in link i's frame
/// (link 0 is the base) and turns link i + 1 about its unit `axes[i]`; link dof + 1 is the end frame, fixed
/// at `origins[dof]` in the last link. Only kinematics are meaningful: the mass matrix is the identity and
/// the bias and gravity terms are zero.
final class SerialChain: RobotDynamics {
    let origins: [Transform]
    let axes: [Vector3]
    let lower: [Double]
    let upper: [Double]
    var dof: Int { axes.count }
    var floatingBase: Bool { false }
    var nv: Int { dof }
    /// The end frame's link index.
    var endLink: Int { dof + 1 }

    init(origins: [Transform], axes: [Vector3], lower: [Double], upper: [Double]) {
        self.origins = origins
        self.axes = axes.map { $0 / length($0) }
        self.lower = lower
        self.upper = upper
    }

    /// The world frames of links 0…link (link 0 = base).
    private func frames(upTo link: Int, q: [Double], basePose: Transform) -> [Transform] {
        var t = [basePose]
        for i in 0..<link {
            let joint = t[i] * origins[i]
            t.append(i < dof ? joint * Transform(rotation: Quaternion(axis: axes[i], angle: q[i])) : joint)
        }
        return t
    }

    func linkPose(link: Int, q: [Double], basePose: Transform) -> Transform {
        frames(upTo: link, q: q, basePose: basePose)[link]
    }

    func jacobian(link: Int, point: Vector3, q: [Double], basePose: Transform, into out: inout [Double]) {
        let t = frames(upTo: link, q: q, basePose: basePose)
        let p = t[link].apply(point)
        for i in 0..<(6 * dof) { out[i] = 0 }
        for j in 0..<min(link, dof) {
            let joint = t[j] * origins[j]
            let z = joint.rotation.rotate(axes[j])
            let v = cross(z, p - joint.position)
            out[0 * dof + j] = v.x; out[1 * dof + j] = v.y; out[2 * dof + j] = v.z
            out[3 * dof + j] = z.x; out[4 * dof + j] = z.y; out[5 * dof + j] = z.z
        }
    }

    func massMatrix(q: [Double], basePose: Transform, into out: inout [Double]) {
        for i in 0..<(dof * dof) { out[i] = 0 }
        for i in 0..<dof { out[i * dof + i] = 1 }
    }

    func bias(q: [Double], v: [Double], basePose: Transform, into out: inout [Double]) {
        for i in 0..<dof { out[i] = 0 }
    }

    func gravity(q: [Double], basePose: Transform, into out: inout [Double]) {
        for i in 0..<dof { out[i] = 0 }
    }
}

/// A planar arm in the xy-plane: three joints about z, links of 0.5, 0.4 and 0.3 m along x.
func planarThreeLink() -> SerialChain {
    SerialChain(origins: [Transform(), Transform(position: Vector3(0.5, 0, 0)), Transform(position: Vector3(0.4, 0, 0)),
                          Transform(position: Vector3(0.3, 0, 0))],
                axes: [Vector3(0, 0, 1), Vector3(0, 0, 1), Vector3(0, 0, 1)],
                lower: [-2.8, -2.4, -2.4], upper: [2.8, 2.4, 2.4])
}

/// A spatial 3-DoF arm: yaw about z at the base, then two pitch joints about y (shoulder 0.3 m up, elbow 0.45 m
/// further along z), and a 0.35 m forearm to the end frame.
func spatialThreeDoF() -> SerialChain {
    SerialChain(origins: [Transform(), Transform(position: Vector3(0, 0, 0.3)), Transform(position: Vector3(0, 0, 0.45)),
                          Transform(position: Vector3(0, 0, 0.35))],
                axes: [Vector3(0, 0, 1), Vector3(0, 1, 0), Vector3(0, 1, 0)],
                lower: [-2.9, -1.8, -2.2], upper: [2.9, 1.8, 2.2])
}

/// A spatial 6-DoF arm with a spherical wrist (z, y, y, z, y, z): every pose in its workspace is reachable.
func spatialSixDoF() -> SerialChain {
    SerialChain(origins: [Transform(), Transform(position: Vector3(0, 0, 0.3)), Transform(position: Vector3(0, 0, 0.4)),
                          Transform(position: Vector3(0, 0, 0.4)), Transform(), Transform(position: Vector3(0, 0, 0.0)),
                          Transform(position: Vector3(0, 0, 0.1))],
                axes: [Vector3(0, 0, 1), Vector3(0, 1, 0), Vector3(0, 1, 0), Vector3(0, 0, 1), Vector3(0, 1, 0), Vector3(0, 0, 1)],
                lower: [-2.9, -2.0, -2.4, -2.9, -2.0, -2.9], upper: [2.9, 2.0, 2.4, 2.9, 2.0, 2.9])
}
