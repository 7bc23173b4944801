import EmbodyModel
import EmbodyPhysics
import Testing

// MARK: - URDF <mimic> couplings, enforced by a constraint
//
// A mimic joint keeps its own coordinate (PyBullet's DoF count) and is held at q_f = multiplier · q_l + offset
// by a gear constraint in the shim (emb_robot_add_mimic). The checks: the coupling holds while only the leader
// is driven, the coupled system moves with the closed-form effective inertia, the follower's link needs no
// collision shape, and without the coupling (PyBullet's behaviour) the same run breaks it.

@Suite("Mimic joints")
struct MimicTests {
    static let h = 0.001

    /// Two rotors on vertical axes, side by side on a fixed base: the leader (izz = 0.01 kg·m²) and a follower
    /// (izz = 0.02 kg·m²) that mimics it. Each rotor's centre of mass is on its axis, so gravity exerts no torque
    /// and the only coupling between them is the mimic. Neither has a collision shape unless asked; a third,
    /// idle rotor has one, so the robot has a simulation island (Bullet solves constraints per island).
    static func rotors(multiplier: Double, offset: Double, followerCollides: Bool = false, leaderCollides: Bool = false,
                       followerType: String = "continuous") -> String {
        let rotor = { (izz: Double) in
            "<inertial><mass value=\"1\"/><inertia ixx=\"0.01\" iyy=\"0.01\" izz=\"\(izz)\" ixy=\"0\" ixz=\"0\" iyz=\"0\"/></inertial>"
        }
        let shape = "<collision><geometry><cylinder radius=\"0.05\" length=\"0.02\"/></geometry></collision>"
        let limit = followerType == "prismatic" ? "<limit lower=\"-10\" upper=\"10\" effort=\"100\" velocity=\"100\"/>" : ""
        return """
        <?xml version="1.0"?>
        <robot name="rotors">
          <link name="base"/>
          <link name="leader">\(rotor(0.01))\(leaderCollides ? shape : "")</link>
          <link name="follower">\(rotor(0.02))\(followerCollides ? shape : "")</link>
          <link name="idle">\(rotor(0.01))\(shape)</link>
          <joint name="lead" type="continuous"><parent link="base"/><child link="leader"/>
            <origin xyz="0 0 0.5"/><axis xyz="0 0 1"/></joint>
          <joint name="follow" type="\(followerType)"><parent link="base"/><child link="follower"/>
            <origin xyz="1 0 0.5"/><axis xyz="0 0 1"/>\(limit)
            <mimic joint="lead" multiplier="\(multiplier)" offset="\(offset)"/></joint>
          <joint name="spin" type="continuous"><parent link="base"/><child link="idle"/>
            <origin xyz="-1 0 0.5"/><axis xyz="0 0 1"/></joint>
        </robot>
        """
    }

    /// Runs the rotors for `steps` steps with a constant torque `tau` N·m on the leader only, starting with the
    /// follower at `followerStart`; `check` sees each step's time in s and (q_leader, q_follower).
    static func drive(_ xml: String, tau: Double, steps: Int, followerStart: Double = 0, coupled: Bool = true,
                      check: (_ t: Double, _ lead: Double, _ follow: Double) -> Void) throws {
        var settings = WorldSettings()
        settings.ground = false
        let world = try World(settings: settings)
        let model = try URDFLoader.parse(xml: xml, path: "/nowhere/rotors.urdf")
        #expect(model.dof == 3)
        var options = fixedBase()
        options.mimicCoupling = coupled
        let robot = try world.addRobot(model, options: options)
        robot.setQ([0, followerStart, 0])
        robot.setTorques([tau, 0, 0])
        var q = [0.0, 0.0, 0.0]
        for n in 1...steps {
            world.step(dt: h)
            robot.getQ(&q)
            check(Double(n) * h, q[0], q[1])
        }
    }

    /// Driven with τ on the leader alone, the coupled pair is one rotor of effective inertia
    /// I = I_l + m² I_f (the follower's inertia seen through the ratio m), so q_l(t) = τ t² / (2 I) from rest.
    /// With m = 2: I = 0.01 + 4 · 0.02 = 0.09 kg·m², and τ = 0.09 N·m gives q̈_l = 1 rad/s².
    @Test("The coupled rotors follow q_l = τt²/2(I_l + m²I_f) and q_f = m q_l + offset")
    func effectiveInertia() throws {
        let m = 2.0, offset = 0.1
        var worstCoupling = 0.0, worstLeader = 0.0
        try Self.drive(Self.rotors(multiplier: m, offset: offset), tau: 0.09, steps: 2000, followerStart: offset) { t, lead, follow in
            worstCoupling = max(worstCoupling, abs(follow - (m * lead + offset)))
            // Semi-implicit Euler from rest under a constant q̈ = a gives q_n = a h² n(n+1)/2 exactly (the
            // continuous a t²/2 is reached as h → 0), so the check is against the integrator's own solution.
            let n = (t / Self.h).rounded()
            let exact = 1.0 * Self.h * Self.h * n * (n + 1) / 2
            worstLeader = max(worstLeader, abs(lead - exact) / exact)
        }
        // The constraint holds velocities to the solver's residual; positions drift only by that.
        #expect(worstCoupling < 1e-6, "q_f − (m q_l + offset) reached \(worstCoupling) rad")
        // Without the coupling the leader alone (I = 0.01) would turn 9 times as far.
        #expect(worstLeader < 1e-4, "q_l off τt²/2I by \(worstLeader) (relative)")
        print("mimic: coupling error \(worstCoupling) rad, leader relative error \(worstLeader)")
    }

    /// A follower started off its coupling is pulled onto it by the solver's error reduction.
    @Test("A follower started off the coupling converges to it")
    func driftIsCorrected() throws {
        var last = Double.nan
        var first = Double.nan
        try Self.drive(Self.rotors(multiplier: -0.5, offset: 0.2), tau: 0.05, steps: 1000, followerStart: 0.5) { _, lead, follow in
            let error = abs(follow - (-0.5 * lead + 0.2))
            if first.isNaN { first = error }
            last = error
        }
        #expect(first > 0.1, "the follower starts 0.3 rad off its coupling")
        #expect(last < 1e-6, "after 1 s the follower is still \(last) rad off its coupling")
    }

    /// The same run with the coupling off, as PyBullet loads a URDF: the follower stays where it was.
    @Test("Without the coupling (PyBullet's loadURDF) the follower does not move")
    func uncoupledFollowerStays() throws {
        var worst = 0.0, lastLead = 0.0
        try Self.drive(Self.rotors(multiplier: 2, offset: 0), tau: 0.09, steps: 1000, coupled: false) { _, lead, follow in
            worst = max(worst, abs(follow))
            lastLead = lead
        }
        #expect(worst < 1e-12)
        #expect(lastLead > 0.5, "the lone leader (I = 0.01 kg·m²) turns 4.5 rad in 1 s; got \(lastLead)")
    }

    /// Links with collision shapes, and a prismatic follower of a revolute leader (m/rad). (Bullet takes a
    /// constraint's island from its links' own colliders; the shim's constraint takes its robot's, which the
    /// cases without shapes above need.)
    @Test("Colliding and prismatic followers are coupled too",
          arguments: [("continuous", true, true), ("continuous", false, true), ("prismatic", false, false)])
    func otherFollowers(type: String, followerCollides: Bool, leaderCollides: Bool) throws {
        var worst = 0.0
        try Self.drive(Self.rotors(multiplier: 0.3, offset: 0, followerCollides: followerCollides,
                                   leaderCollides: leaderCollides, followerType: type),
                       tau: 0.05, steps: 1000) { _, lead, follow in
            worst = max(worst, abs(follow - 0.3 * lead))
        }
        #expect(worst < 1e-6, "\(type) follower off its coupling by \(worst)")
    }
}

// MARK: - Joint limits and Coulomb friction on links without collision shapes
//
// Bullet solves a multibody constraint in the island of its link's collider and drops it when the link has none
// (islands are split, as in PyBullet). The shim's joint constraints take their robot's island instead, so a
// limit or friction on a link with only a visual works as on any other link.

@Suite("Joint constraints on links without collision shapes")
struct ColliderlessJointTests {
    /// A 1 kg pendulum of length 0.5 m on a horizontal hinge (the link has no collision shape), beside an idle
    /// rotor that has one, so the robot has an island. `joint` is the extra XML inside the hinge's <joint>.
    static func pendulum(limit: String, friction: Double) -> String {
        """
        <?xml version="1.0"?>
        <robot name="pendulum">
          <link name="base"/>
          <link name="bob"><inertial><origin xyz="0 0 -0.5"/><mass value="1"/>
            <inertia ixx="1e-4" iyy="1e-4" izz="1e-4" ixy="0" ixz="0" iyz="0"/></inertial></link>
          <link name="idle"><inertial><mass value="1"/><inertia ixx="0.01" iyy="0.01" izz="0.01" ixy="0" ixz="0" iyz="0"/></inertial>
            <collision><geometry><sphere radius="0.05"/></geometry></collision></link>
          <joint name="hinge" type="revolute"><parent link="base"/><child link="bob"/><origin xyz="0 0 2"/>
            <axis xyz="0 1 0"/>\(limit)<dynamics friction="\(friction)"/></joint>
          <joint name="spin" type="continuous"><parent link="base"/><child link="idle"/><origin xyz="3 0 2"/><axis xyz="0 0 1"/></joint>
        </robot>
        """
    }

    static func run(_ xml: String, q0: Double, qd0: Double = 0, gravity: Bool, steps: Int,
                    check: (_ t: Double, _ q: Double, _ qd: Double) -> Void) throws {
        var settings = WorldSettings()
        settings.ground = false
        if !gravity { settings.gravity = .zero }
        let world = try World(settings: settings)
        let robot = try world.addRobot(try URDFLoader.parse(xml: xml, path: "/nowhere/pendulum.urdf"), options: fixedBase())
        robot.setQ([q0, 0])
        robot.setQd([qd0, 0])
        var q = [0.0, 0.0], qd = [0.0, 0.0]
        for n in 1...steps {
            world.step(dt: 0.001)
            robot.getQ(&q)
            robot.getQd(&qd)
            check(Double(n) * 0.001, q[0], qd[0])
        }
    }

    /// Released at 0.4 rad under gravity, the pendulum swings toward −0.4 rad; a limit at −0.2 rad stops it there
    /// (within the solver's penetration slop), where before it swung through.
    @Test("A joint limit on a link without a collision shape holds")
    func limitHolds() throws {
        var lowest = Double.infinity
        try Self.run(Self.pendulum(limit: "<limit lower=\"-0.2\" upper=\"1\" effort=\"10\" velocity=\"10\"/>", friction: 0),
                     q0: 0.4, gravity: true, steps: 2000) { _, q, _ in lowest = min(lowest, q) }
        #expect(lowest > -0.2 - 0.01, "the pendulum reached \(lowest) rad past its −0.2 rad limit")
        #expect(lowest < -0.15, "the pendulum should swing to its limit; lowest \(lowest) rad")
    }

    /// Spun at 2 rad/s with gravity off and Coulomb friction f = 0.5 N·m, the pendulum (I = 1 · 0.5² + 1e-4
    /// kg·m²) decelerates at f / I and stops at t = q̇₀ I / f = 1.0002 s, where before it kept spinning.
    @Test("Coulomb friction on a link without a collision shape decelerates it linearly and stops it")
    func frictionStops() throws {
        let inertia = 0.25 + 1e-4, f = 0.5, qd0 = 2.0
        let stop = qd0 * inertia / f
        var worst = 0.0
        try Self.run(Self.pendulum(limit: "<limit lower=\"-100\" upper=\"100\" effort=\"10\" velocity=\"10\"/>", friction: f),
                     q0: 0, qd0: qd0, gravity: false, steps: 1500) { t, _, qd in
            let expected = max(0, qd0 - f / inertia * t)
            // One step of the friction impulse (f h / I = 0.002 rad/s) separates the discrete stop from the closed form.
            if abs(t - stop) > 0.002 { worst = max(worst, abs(qd - expected)) }
        }
        #expect(worst < 1e-6, "q̇ off the linear decay by \(worst) rad/s")
    }
}
