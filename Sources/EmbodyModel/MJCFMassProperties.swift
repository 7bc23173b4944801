// MARK: - Mass properties the way MuJoCo's compiler derives them
//
// When an MJCF body has no <inertial> (or the compiler says inertiafromgeom="true"), MuJoCo gives each
// geom a mass (its `mass`, or `density` × volume) and a diagonal inertia in the geom frame from the
// shape's analytic formulas, then sums the geoms of the body: the centre of mass is the mass-weighted
// mean of the geom centres, and the inertia is the sum of each geom's rotated inertia plus its
// parallel-axis term. These are the same formulas written out here, as full 3×3 tensors in the body
// frame; MuJoCo then diagonalizes the sum (body_iquat, body_inertia), which is the same tensor.

/// A symmetric 3×3 matrix, row-major, in kg·m² where it is an inertia.
typealias Matrix3 = [[Double]]

/// The mass, centre of mass and inertia of a solid, all in one frame.
struct MassProperties: Equatable {
    /// The mass in kg.
    var mass: Double
    /// The centre of mass in m, in the frame the properties are expressed in.
    var centerOfMass: Vector3
    /// The inertia tensor about the centre of mass, in kg·m², axes of the same frame.
    var inertia: Matrix3

    static let zero = MassProperties(mass: 0, centerOfMass: .zero, inertia: zeroMatrix)

    /// The same solid seen from a parent frame in which this frame sits at `pose`.
    func transformed(by pose: Transform) -> MassProperties {
        MassProperties(mass: mass, centerOfMass: pose.apply(centerOfMass),
                       inertia: rotateTensor(inertia, by: pose.rotation))
    }

    /// The union of several solids expressed in one frame (mass-weighted centre, parallel-axis sum).
    static func combined(_ parts: [MassProperties]) -> MassProperties {
        let mass = parts.reduce(0) { $0 + $1.mass }
        guard mass > 0 else { return .zero }
        var com = Vector3.zero
        for p in parts { com += p.mass * p.centerOfMass }
        com /= mass
        var total = zeroMatrix
        for p in parts {
            let d = p.centerOfMass - com
            let shift = parallelAxis(mass: p.mass, offset: d)
            for r in 0..<3 { for c in 0..<3 { total[r][c] += p.inertia[r][c] + shift[r][c] } }
        }
        return MassProperties(mass: mass, centerOfMass: com, inertia: total)
    }

    /// The properties as an `Inertial` whose frame sits at the centre of mass with the axes of this frame.
    var inertial: Inertial {
        Inertial(mass: mass, origin: Transform(position: centerOfMass),
                 ixx: inertia[0][0], iyy: inertia[1][1], izz: inertia[2][2],
                 ixy: inertia[0][1], ixz: inertia[0][2], iyz: inertia[1][2])
    }
}

let zeroMatrix: Matrix3 = [[0, 0, 0], [0, 0, 0], [0, 0, 0]]

/// diag(d) as a matrix.
func diagonalMatrix(_ d: Vector3) -> Matrix3 { [[d.x, 0, 0], [0, d.y, 0], [0, 0, d.z]] }

/// R·I·Rᵀ: a tensor given in a frame rotated by `q`, expressed in the parent frame.
func rotateTensor(_ i: Matrix3, by q: Quaternion) -> Matrix3 {
    let r = q.matrix
    var out = zeroMatrix
    for a in 0..<3 {
        for b in 0..<3 {
            var s = 0.0
            for k in 0..<3 { for l in 0..<3 { s += r[a][k] * i[k][l] * r[b][l] } }
            out[a][b] = s
        }
    }
    return out
}

/// The parallel-axis term m(|d|²·1 − d·dᵀ) of a point mass at offset `d`.
func parallelAxis(mass m: Double, offset d: Vector3) -> Matrix3 {
    let dd = dot(d, d)
    return [[m * (dd - d.x * d.x), -m * d.x * d.y, -m * d.x * d.z],
            [-m * d.y * d.x, m * (dd - d.y * d.y), -m * d.y * d.z],
            [-m * d.z * d.x, -m * d.z * d.y, m * (dd - d.z * d.z)]]
}

/// The eigenvalues of a symmetric 3×3 matrix by cyclic Jacobi rotations, ascending.
func symmetricEigenvalues(_ input: Matrix3) -> [Double] {
    var a = input
    for _ in 0..<50 {
        let off = a[0][1] * a[0][1] + a[0][2] * a[0][2] + a[1][2] * a[1][2]
        let scale = a[0][0] * a[0][0] + a[1][1] * a[1][1] + a[2][2] * a[2][2]
        if off <= 1e-30 * max(scale, 1e-300) { break }
        for (p, q) in [(0, 1), (0, 2), (1, 2)] where a[p][q] != 0 {
            let theta = (a[q][q] - a[p][p]) / (2 * a[p][q])
            let t = (theta >= 0 ? 1.0 : -1.0) / (abs(theta) + (theta * theta + 1).squareRoot())
            let c = 1 / (t * t + 1).squareRoot(), s = t * c
            for k in 0..<3 {  // columns p, q
                let akp = a[k][p], akq = a[k][q]
                a[k][p] = c * akp - s * akq
                a[k][q] = s * akp + c * akq
            }
            for k in 0..<3 {  // rows p, q
                let apk = a[p][k], aqk = a[q][k]
                a[p][k] = c * apk - s * aqk
                a[q][k] = s * apk + c * aqk
            }
        }
    }
    return [a[0][0], a[1][1], a[2][2]].sorted()
}

/// The primitive MJCF geom shapes whose volume and inertia have closed forms.
enum PrimitiveSolid {
    /// `size` as MJCF writes it: a sphere's radius; a capsule's or cylinder's radius and half length;
    /// an ellipsoid's semi-axes; a box's half sides.
    case sphere(radius: Double)
    case capsule(radius: Double, halfLength: Double)
    case cylinder(radius: Double, halfLength: Double)
    case ellipsoid(semiAxes: Vector3)
    case box(halfSides: Vector3)

    /// The volume in m³.
    var volume: Double {
        switch self {
        case .sphere(let r): 4 * Double.pi * r * r * r / 3
        case .capsule(let r, let h): Double.pi * (r * r * 2 * h + 4 * r * r * r / 3)
        case .cylinder(let r, let h): Double.pi * r * r * 2 * h
        case .ellipsoid(let s): 4 * Double.pi * s.x * s.y * s.z / 3
        case .box(let s): 8 * s.x * s.y * s.z
        }
    }

    /// The principal moments in kg·m² about the centre, geom axes, for a solid of `mass` kg.
    ///
    /// A capsule is a cylinder plus two hemispheres; like MuJoCo, each hemisphere is treated as half a
    /// sphere's inertia moved out along the axis by a term m·h(3r + 2h)/8 per pair, with h the full
    /// cylinder height (the formula of MuJoCo's compiler, reproduced so that bodies match).
    func inertia(mass m: Double) -> Vector3 {
        switch self {
        case .sphere(let r):
            let i = 2 * m * r * r / 5
            return Vector3(i, i, i)
        case .capsule(let r, let halfLength):
            let h = 2 * halfLength
            let sphereMass = m * 4 * r / (4 * r + 3 * h)
            let cylinderMass = m - sphereMass
            var ixx = cylinderMass * (3 * r * r + h * h) / 12
            var izz = cylinderMass * r * r / 2
            let sphereInertia = 2 * sphereMass * r * r / 5
            ixx += sphereInertia + sphereMass * h * (3 * r + 2 * h) / 8
            izz += sphereInertia
            return Vector3(ixx, ixx, izz)
        case .cylinder(let r, let halfLength):
            let h = 2 * halfLength
            let ixx = m * (3 * r * r + h * h) / 12
            return Vector3(ixx, ixx, m * r * r / 2)
        case .ellipsoid(let s):
            return Vector3(m * (s.y * s.y + s.z * s.z) / 5, m * (s.x * s.x + s.z * s.z) / 5,
                           m * (s.x * s.x + s.y * s.y) / 5)
        case .box(let s):
            return Vector3(m * (s.y * s.y + s.z * s.z) / 3, m * (s.x * s.x + s.z * s.z) / 3,
                           m * (s.x * s.x + s.y * s.y) / 3)
        }
    }
}

/// Volume, centroid and inertia (per unit density) of a triangle mesh, the way MuJoCo's default mesh
/// inertia ("legacy") measures them.
///
/// The surface is cut into pyramids, one per triangle, with a common apex; each pyramid's volume is taken
/// as positive. The volume and centre of mass come from pyramids with their apex at the area-weighted
/// centre of the faces; the inertia (and the volume that the density multiplies) from pyramids with
/// their apex at that centre of mass. For a closed convex mesh this is the exact solid; for a concave
/// one (a bone) it is what MuJoCo computes, which is what the tests compare against.
struct MeshSolid {
    /// Volume in m³ (positive).
    var volume: Double
    /// Centroid in m, mesh frame.
    var centroid: Vector3
    /// Inertia about the centroid for density 1 kg/m³, in kg·m² per (kg/m³), mesh axes.
    var unitInertia: Matrix3

    /// Builds the solid from triangles given as consecutive vertex triples; nil when it has no area or volume.
    init?(triangles t: [Vector3]) {
        struct Face { var a, b, c, center, normal: Vector3; var area: Double }
        var faces: [Face] = []
        faces.reserveCapacity(t.count / 3)
        var k = 0
        var totalArea = 0.0, faceCenter = Vector3.zero
        while k + 2 < t.count {
            let a = t[k], b = t[k + 1], c = t[k + 2]
            k += 3
            let n = cross(b - a, c - a)
            let twiceArea = length(n)
            let area = twiceArea / 2
            let center = (a + b + c) / 3
            faces.append(Face(a: a, b: b, c: c, center: center, normal: twiceArea > 0 ? n / twiceArea : .zero, area: area))
            totalArea += area
            faceCenter += area * center
        }
        guard totalArea > 1e-15 else { return nil }
        faceCenter /= totalArea

        // Volume and centre of mass: pyramids from the centre of the faces.
        var volume = 0.0, com = Vector3.zero
        for f in faces {
            let v = abs(dot(f.center - faceCenter, f.normal) * f.area / 3)
            volume += v
            com += v * (0.75 * f.center + 0.25 * faceCenter)
        }
        guard volume > 1e-15 else { return nil }
        com /= volume

        // Second moments ∫x_i x_j dV about the centre of mass: pyramids from the centre of mass.
        var p = zeroMatrix
        var total = 0.0
        for f in faces {
            let d = f.a - com, e = f.b - com, g = f.c - com
            let v = abs(dot(f.center - com, f.normal) * f.area / 3)
            total += v
            for i in 0..<3 {
                for j in 0..<3 {
                    let s = 2 * (d[i] * d[j] + e[i] * e[j] + g[i] * g[j])
                        + d[i] * e[j] + d[j] * e[i] + d[i] * g[j] + d[j] * g[i] + e[i] * g[j] + e[j] * g[i]
                    p[i][j] += v * s / 20
                }
            }
        }
        guard total > 1e-15 else { return nil }
        let trace = p[0][0] + p[1][1] + p[2][2]
        var inertia = zeroMatrix
        for i in 0..<3 { for j in 0..<3 { inertia[i][j] = (i == j ? trace : 0) - p[i][j] } }
        self.volume = total
        self.centroid = com
        self.unitInertia = inertia
    }
}
