// MARK: - What the physics engine needs of a model

import Foundation

extension RobotModel {
    /// The checks the physics engine would otherwise make only when a run starts, so that `validate` and
    /// `inspect` report them by link name, file and line (a model that fails them loads for kinematics, but
    /// cannot be simulated): every inertia tensor is positive semi-definite (all principal minors ≥ 0, to a
    /// relative 1e-12), and every link on a movable joint carries mass, itself or through the links below it
    /// (articulated-body inertia is singular otherwise).
    public var simulationProblems: [ModelError] {
        var problems: [ModelError] = []
        for link in links {
            let i = link.inertial
            let scale = max(abs(i.ixx), abs(i.iyy), abs(i.izz), abs(i.ixy), abs(i.ixz), abs(i.iyz), 1e-300)
            let tol = 1e-12 * scale
            let minors = [i.ixx, i.iyy, i.izz,
                          i.ixx * i.iyy - i.ixy * i.ixy, i.ixx * i.izz - i.ixz * i.ixz, i.iyy * i.izz - i.iyz * i.iyz,
                          i.ixx * (i.iyy * i.izz - i.iyz * i.iyz) - i.ixy * (i.ixy * i.izz - i.iyz * i.ixz)
                              + i.ixz * (i.ixy * i.iyz - i.iyy * i.ixz)]
            let tolerances = [tol, tol, tol, tol * scale, tol * scale, tol * scale, tol * scale * scale]
            if zip(minors, tolerances).contains(where: { !($0 >= -$1) }) {
                problems.append(ModelError(location: link.location, element: "link '\(link.name)'",
                                 message: "link '\(link.name)' has an inertia tensor that is not positive semi-definite (ixx \(i.ixx), iyy \(i.iyy), izz \(i.izz), ixy \(i.ixy), ixz \(i.ixz), iyz \(i.iyz) kg·m²); no rigid body has such an inertia"))
            }
        }
        var subtree = links.map(\.inertial.mass)
        for joint in joints.reversed() { subtree[joint.parent] += subtree[joint.child] }  // joints are in tree order
        for joint in joints where joint.type != .fixed && !(subtree[joint.child] > 0) {
            let link = links[joint.child]
            problems.append(ModelError(location: link.location, element: "link '\(link.name)'",
                             message: "link '\(link.name)' hangs from the movable joint '\(joint.name)', but it and the links below it have no mass; give it an <inertial> with a positive <mass>"))
        }
        return problems
    }
}
