// MARK: - Sampling-based motion planning: RRT-Connect, shortcut smoothing, time parameterization
//
// RRT-Connect (Kuffner and LaValle, 2000) grows one tree from the start and one from the goal; each
// iteration extends one tree by a step towards a random sample and then greedily connects the other tree
// to the new node; the trees swap roles every iteration. Edges are straight segments in joint space checked
// at a fixed resolution. The path is then shortened by random shortcuts and a greedy pass, and timed with a
// rest-to-rest time law per segment (PiecewiseLinearTrajectory), so the executed motion stays on segments
// that were checked.
//
// Determinism: the planner's random numbers come from its own PlannerRandom, reseeded from
// `options.seed` at every call; nearest neighbours are found by a linear scan with ties going to the older
// node; everything else is in a fixed order. Same inputs and seed, same path, bit for bit. Tree storage is
// allocated once, at creation.

import EmbodyModel

/// Answers whether a configuration is free of collisions; EmbodyPhysics's RobotCollisionChecker provides one
/// for a robot in a World.
public protocol CollisionChecker: AnyObject {
    /// Whether joint positions `q` (dof values, rad or m) are collision-free.
    func isCollisionFree(q: [Double]) -> Bool
}

/// Parameters of RRT-Connect and of the smoothing that follows it.
public struct RRTConnectOptions: Equatable, Sendable {
    /// The longest tree edge, as the Euclidean norm of Δq (rad or m).
    public var stepSize: Double = 0.3
    /// Edges are checked at configurations no further apart than this in any joint (rad or m).
    public var edgeResolution: Double = 0.01
    /// The most iterations (samples) before giving up.
    public var maxIterations: Int = 20_000
    /// The most nodes per tree.
    public var maxNodes: Int = 20_000
    /// Random shortcut attempts after a path is found (0: none).
    public var shortcutIterations: Int = 200
    /// The seed of the planner's random numbers.
    public var seed: UInt64 = 1

    /// Creates the defaults: 0.3 rad steps, 0.01 rad edge resolution, 20 000 iterations, 200 shortcuts.
    public init() {}
}

/// What a planning call found.
public struct PlanResult: Sendable {
    /// Whether a collision-free path was found.
    public var success: Bool
    /// The path's waypoints after smoothing, start first and goal last (empty on failure).
    public var path: [[Double]]
    /// The waypoint count of the raw RRT-Connect path before smoothing.
    public var rawWaypointCount: Int
    /// Iterations used.
    public var iterations: Int
    /// Nodes in both trees at the end.
    public var nodes: Int
    /// Configurations the collision checker was asked about.
    public var collisionChecks: Int
    /// The joint-space length of the raw path and of the smoothed path, Σ|Δq| (rad or m).
    public var rawLength: Double, length: Double
    /// Why planning failed, when it did.
    public var failure: String?
}

/// RRT-Connect in joint space with shortcut smoothing, for one robot's joint limits.
public final class RRTConnectPlanner {
    /// The number of joints.
    public let dof: Int
    /// Lower and upper joint limits, rad or m (infinite limits are sampled in [−π, π]).
    public let lower: [Double], upper: [Double]
    /// The options.
    public let options: RRTConnectOptions

    private var nodesA: [Double], nodesB: [Double]   // maxNodes × dof each
    private var parentA: [Int32], parentB: [Int32]
    private var countA = 0, countB = 0
    private var sample: [Double], candidate: [Double], probe: [Double], target: [Double]
    private var checks = 0

    /// Creates a planner for joints limited to `lower`…`upper`.
    public init(lower: [Double], upper: [Double], options: RRTConnectOptions = RRTConnectOptions()) throws(PlanningError) {
        guard lower.count == upper.count, zip(lower, upper).allSatisfy({ $0 <= $1 }) else {
            throw PlanningError("RRT-Connect needs as many lower as upper limits, with lower ≤ upper")
        }
        guard options.stepSize > 0, options.edgeResolution > 0, options.maxIterations >= 1, options.maxNodes >= 2,
              options.shortcutIterations >= 0 else {
            throw PlanningError("RRT-Connect options: step and resolution > 0, iterations ≥ 1, nodes ≥ 2")
        }
        dof = lower.count
        self.lower = lower
        self.upper = upper
        self.options = options
        nodesA = Array(repeating: 0, count: options.maxNodes * dof)
        nodesB = Array(repeating: 0, count: options.maxNodes * dof)
        parentA = Array(repeating: -1, count: options.maxNodes)
        parentB = Array(repeating: -1, count: options.maxNodes)
        sample = Array(repeating: 0, count: dof)
        candidate = Array(repeating: 0, count: dof)
        probe = Array(repeating: 0, count: dof)
        target = Array(repeating: 0, count: dof)
    }

    // MARK: Planning

    /// Plans a collision-free path from `start` to `goal` (dof values each) and smooths it.
    public func plan(start: [Double], goal: [Double], checker: some CollisionChecker) -> PlanResult {
        precondition(start.count == dof && goal.count == dof, "start and goal need \(dof) values")
        checks = 0
        var random = PlannerRandom(seed: options.seed)
        func fail(_ why: String, _ iterations: Int) -> PlanResult {
            PlanResult(success: false, path: [], rawWaypointCount: 0, iterations: iterations, nodes: countA + countB,
                       collisionChecks: checks, rawLength: 0, length: 0, failure: why)
        }
        countA = 0; countB = 0
        guard withinLimits(start), withinLimits(goal) else { return fail("start or goal is outside the joint limits", 0) }
        checks += 1
        guard checker.isCollisionFree(q: start) else { return fail("the start configuration is in collision", 0) }
        checks += 1
        guard checker.isCollisionFree(q: goal) else { return fail("the goal configuration is in collision", 0) }
        append(&nodesA, &parentA, &countA, start, parent: -1)
        append(&nodesB, &parentB, &countB, goal, parent: -1)
        if edgeIsFree(start, goal, checker) {
            return finish(raw: [start, goal], iterations: 0, checker: checker, random: &random)
        }
        var aIsStart = true
        for iteration in 1...options.maxIterations {
            for j in 0..<dof {
                let range = samplingInterval(lower[j], upper[j])
                sample[j] = random.uniform(range.lower, range.upper)
            }
            // Extend tree A towards the sample, then connect tree B to the new node.
            let extended = aIsStart ? extend(&nodesA, &parentA, &countA, towards: sample, checker)
                                    : extend(&nodesB, &parentB, &countB, towards: sample, checker)
            if let newNode = extended {
                for j in 0..<dof { target[j] = aIsStart ? nodesA[newNode * dof + j] : nodesB[newNode * dof + j] }
                let reached = aIsStart ? connect(&nodesB, &parentB, &countB, to: target, checker)
                                       : connect(&nodesA, &parentA, &countA, to: target, checker)
                if let meet = reached {
                    let startNode = aIsStart ? newNode : meet, goalNode = aIsStart ? meet : newNode
                    return finish(raw: assemble(startNode: startNode, goalNode: goalNode), iterations: iteration,
                                  checker: checker, random: &random)
                }
            }
            if countA >= options.maxNodes || countB >= options.maxNodes {
                return fail("a tree reached \(options.maxNodes) nodes", iteration)
            }
            aIsStart.toggle()
        }
        return fail("no path within \(options.maxIterations) iterations", options.maxIterations)
    }

    /// Plans, smooths and times a path; nil when no path was found (see `plan` for why).
    public func planTrajectory(start: [Double], goal: [Double], checker: some CollisionChecker, limits: JointLimits,
                               law: TimeLaw = .trapezoidal) -> (PlanResult, PiecewiseLinearTrajectory?) {
        let result = plan(start: start, goal: goal, checker: checker)
        guard result.success else { return (result, nil) }
        return (result, try? PiecewiseLinearTrajectory(waypoints: result.path, limits: limits, law: law))
    }

    // MARK: Smoothing

    /// Shortens `path` in place: `iterations` random shortcuts (replace the waypoints between two random
    /// points on the path, possibly mid-segment, by a straight segment when it is free), then a greedy pass
    /// that links each kept waypoint to the furthest later one it sees directly.
    public func shortcut(_ path: inout [[Double]], iterations: Int, checker: some CollisionChecker) {
        var random = PlannerRandom(seed: options.seed ^ 0x5F0F_5F0F_5F0F_5F0F)
        shortcut(&path, iterations: iterations, checker: checker, random: &random)
    }

    private func shortcut(_ path: inout [[Double]], iterations: Int, checker: some CollisionChecker,
                          random: inout PlannerRandom) {
        for _ in 0..<iterations {
            guard path.count >= 3 else { break }
            // Two points on distinct segments: segment i at fraction u, segment j > i at fraction v.
            let i = random.index(below: path.count - 1)
            let j = random.index(below: path.count - 1)
            let u = random.uniform(), v = random.uniform()
            let (si, sj, fi, fj) = i < j ? (i, j, u, v) : (j, i, v, u)
            guard sj > si else { continue }
            let a = (0..<dof).map { path[si][$0] + fi * (path[si + 1][$0] - path[si][$0]) }
            let b = (0..<dof).map { path[sj][$0] + fj * (path[sj + 1][$0] - path[sj][$0]) }
            guard edgeIsFree(a, b, checker) else { continue }
            var shorter = Array(path[0...si])
            shorter.append(a)
            shorter.append(b)
            shorter.append(contentsOf: path[(sj + 1)...])
            path = removeDuplicates(shorter)
        }
        // Greedy pass: from each kept waypoint, jump to the furthest visible one.
        var kept = [path[0]]
        var i = 0
        while i < path.count - 1 {
            var j = path.count - 1
            while j > i + 1 && !edgeIsFree(path[i], path[j], checker) { j -= 1 }
            kept.append(path[j])
            i = j
        }
        path = kept
    }

    // MARK: Trees

    private func finish(raw: [[Double]], iterations: Int, checker: some CollisionChecker,
                        random: inout PlannerRandom) -> PlanResult {
        var path = raw
        shortcut(&path, iterations: options.shortcutIterations, checker: checker, random: &random)
        return PlanResult(success: true, path: path, rawWaypointCount: raw.count, iterations: iterations,
                          nodes: countA + countB, collisionChecks: checks, rawLength: pathLength(raw),
                          length: pathLength(path), failure: nil)
    }

    private func assemble(startNode: Int, goalNode: Int) -> [[Double]] {
        var forward: [[Double]] = []
        var n = startNode
        while n >= 0 { forward.append(Array(nodesA[(n * dof)..<((n + 1) * dof)])); n = Int(parentA[n]) }
        forward.reverse()
        n = goalNode
        var first = true
        while n >= 0 {
            let q = Array(nodesB[(n * dof)..<((n + 1) * dof)])
            if !(first && q == forward.last) { forward.append(q) }
            first = false
            n = Int(parentB[n])
        }
        return forward
    }

    private func append(_ nodes: inout [Double], _ parents: inout [Int32], _ count: inout Int, _ q: [Double], parent: Int) {
        for j in 0..<dof { nodes[count * dof + j] = q[j] }
        parents[count] = Int32(parent)
        count += 1
    }

    private func nearest(_ nodes: [Double], _ count: Int, _ q: [Double]) -> Int {
        var best = 0, bestDistance = Double.infinity
        for n in 0..<count {
            var d = 0.0
            for j in 0..<dof { let x = nodes[n * dof + j] - q[j]; d += x * x }
            if d < bestDistance { bestDistance = d; best = n }
        }
        return best
    }

    /// Adds a node one step from the nearest node towards `target` when the edge is free; returns its index.
    private func extend(_ nodes: inout [Double], _ parents: inout [Int32], _ count: inout Int, towards target: [Double],
                        _ checker: some CollisionChecker) -> Int? {
        guard count < options.maxNodes else { return nil }
        let near = nearest(nodes, count, target)
        var d = 0.0
        for j in 0..<dof { let x = target[j] - nodes[near * dof + j]; d += x * x }
        d = d.squareRoot()
        guard d > 0 else { return nil }
        let f = min(1, options.stepSize / d)
        for j in 0..<dof { candidate[j] = nodes[near * dof + j] + f * (target[j] - nodes[near * dof + j]) }
        guard edgeIsFree(nodes, near, candidate, checker) else { return nil }
        append(&nodes, &parents, &count, candidate, parent: near)
        return count - 1
    }

    /// Extends repeatedly towards `target` until it is reached (returns that node) or blocked (nil).
    private func connect(_ nodes: inout [Double], _ parents: inout [Int32], _ count: inout Int, to target: [Double],
                         _ checker: some CollisionChecker) -> Int? {
        while let n = extend(&nodes, &parents, &count, towards: target, checker) {
            var reached = true
            for j in 0..<dof where nodes[n * dof + j] != target[j] { reached = false; break }
            if reached { return n }
        }
        return nil
    }

    // MARK: Edges

    /// Whether the straight segment from tree node `from` to `to` is free (the node itself is known free).
    private func edgeIsFree(_ nodes: [Double], _ from: Int, _ to: [Double], _ checker: some CollisionChecker) -> Bool {
        var widest = 0.0
        for j in 0..<dof { widest = max(widest, abs(to[j] - nodes[from * dof + j])) }
        let steps = max(1, Int((widest / options.edgeResolution).rounded(.up)))
        for k in 1...steps {
            let s = Double(k) / Double(steps)
            for j in 0..<dof { probe[j] = nodes[from * dof + j] + s * (to[j] - nodes[from * dof + j]) }
            checks += 1
            if !checker.isCollisionFree(q: probe) { return false }
        }
        return true
    }

    /// Whether the straight segment from `a` to `b` is free, checking both ends too.
    private func edgeIsFree(_ a: [Double], _ b: [Double], _ checker: some CollisionChecker) -> Bool {
        var widest = 0.0
        for j in 0..<dof { widest = max(widest, abs(b[j] - a[j])) }
        let steps = max(1, Int((widest / options.edgeResolution).rounded(.up)))
        for k in 0...steps {
            let s = Double(k) / Double(steps)
            for j in 0..<dof { probe[j] = a[j] + s * (b[j] - a[j]) }
            checks += 1
            if !checker.isCollisionFree(q: probe) { return false }
        }
        return true
    }

    // MARK: Helpers

    private func withinLimits(_ q: [Double]) -> Bool {
        for j in 0..<dof where !(q[j] >= lower[j] && q[j] <= upper[j]) { return false }
        return true
    }

    private func removeDuplicates(_ path: [[Double]]) -> [[Double]] {
        var out: [[Double]] = []
        for q in path where out.last != q { out.append(q) }
        return out
    }

    private func pathLength(_ path: [[Double]]) -> Double {
        var total = 0.0
        for k in 0..<max(0, path.count - 1) {
            var d = 0.0
            for j in 0..<dof { let x = path[k + 1][j] - path[k][j]; d += x * x }
            total += d.squareRoot()
        }
        return total
    }
}
