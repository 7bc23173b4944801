import EmbodyModel
import EmbodyPhysics
import Foundation
import Testing

// MARK: - Restitution, joint damping and joint Coulomb friction against closed forms
//
// These pin the physics that scenarios pass to Bullet, so that a faster solver can be shown not to change it.
// Every tolerance is derived from the integrator's error at the step h (semi-implicit Euler), stated beside
// the check; docs/physics.md lists the measured errors.

@Suite("Contact and joint physics")
struct ContactAndJointTests {
    static let h = 0.001

    /// A ball with restitution 0 (the default) does not bounce: it stays within 1 mm of the ground.
    @Test func ballWithoutRestitutionDoesNotBounce() throws {
        let world = try World(settings: WorldSettings())
        var ball = BodyDescription(shape: .sphere(radius: 0.05), mass: 0.5,
                                   pose: Transform(position: Vector3(0, 0, 1.05)))
        ball.restitution = 0.8  // combined with the ground's 0: e = 0
        let body = try world.addBody(ball)
        var pose = [Double](repeating: 0, count: 7)
        var highestAfterImpact = 0.0, touched = false
        for _ in 0..<1500 {
            world.step(dt: Self.h)
            body.getPose(&pose)
            if pose[2] < 0.051 { touched = true }
            if touched { highestAfterImpact = max(highestAfterImpact, pose[2] - 0.05) }
        }
        #expect(touched)
        #expect(highestAfterImpact < 1e-3, "ball rose \(highestAfterImpact) m with e = 0")
    }

    /// The rod's inertia about its hinge in kg·m²: a 1 kg ball of radius 0.01 m at 1 m, I = m L² + 2/5 m r².
    static let rodInertia = 1.0 + 2.0 / 5.0 * 0.01 * 0.01

    /// One rod (see `rodInertia`) spinning about a horizontal axis with gravity off, given the joint's damping
    /// and friction, started at q̇₀ and stepped 3000 times at h; `check` sees each step's time, q and q̇.
    static func spinRod(damping: Double, friction: Double, qd0: Double,
                        check: (_ t: Double, _ q: Double, _ qd: Double) -> Void) throws {
        var settings = WorldSettings()
        settings.ground = false
        settings.gravity = .zero
        let world = try World(settings: settings)
        var model = pendulumChain(lengths: [1.0], masses: [1.0])
        model.joints[0].damping = damping
        model.joints[0].friction = friction
        // The rod needs a collision shape: Bullet solves multibody constraints per simulation island, and a
        // robot without any moving collider has none, so its friction motor would never be solved
        // (docs/physics.md; ColliderlessJointTests covers a collider-less link in a robot that has an island).
        model.links[1].collisions = [Geometry(origin: Transform(position: Vector3(0, 0, -1)), shape: .sphere(radius: 0.01))]
        let robot = try world.addRobot(model, options: fixedBase())
        robot.setQd([qd0])
        var q = [0.0], qd = [0.0]
        for n in 1...3000 {
            world.step(dt: h)
            robot.getQ(&q)
            robot.getQd(&qd)
            check(Double(n) * h, q[0], qd[0])
        }
    }

    /// Viscous damping d: I q̈ = −d q̇, so q̇ = q̇₀ e^(−t/τ) and q = q̇₀ τ (1 − e^(−t/τ)) with τ = I/d.
    /// Embody applies −d q̇ explicitly, so the discrete solution is q̇_n = q̇₀ (1 − h/τ)^n, which differs
    /// from the exponential by q̇₀ e^(−t/τ) · t h/(2τ²) to leading order (largest at t = τ: 3.7e-4 rad/s);
    /// q differs by at most that integrated plus one step's q̇₀ h. The checks allow twice those bounds; a
    /// damping off by 0.1% would miss the velocity check by 2 times.
    @Test func jointDampingDecaysExponentially() throws {
        let qd0 = 2.0, tau = 1.0  // d = I: τ = 1 s
        var worstVelocity = 0.0, worstPosition = 0.0
        try Self.spinRod(damping: Self.rodInertia / tau, friction: 0, qd0: qd0) { t, q, qd in
            let velocityBound = 2 * qd0 * exp(-t / tau) * t * Self.h / (2 * tau * tau)
            let velocityError = abs(qd - qd0 * exp(-t / tau))
            #expect(velocityError <= velocityBound, "q̇ off the exponential by \(velocityError) rad/s at t = \(t) s")
            let positionError = abs(q - qd0 * tau * (1 - exp(-t / tau)))
            #expect(positionError <= 2 * qd0 * Self.h * (1 + t * t / (2 * tau * tau) * Self.h),
                    "q off by \(positionError) rad at t = \(t) s")
            worstVelocity = max(worstVelocity, velocityError)
            worstPosition = max(worstPosition, positionError)
        }
        print("joint damping: worst q̇ error \(worstVelocity) rad/s, worst q error \(worstPosition) rad")
    }

    /// Coulomb friction f: I q̈ = −f sign(q̇) while moving, so q̇ falls linearly, q̇ = q̇₀ − (f/I) t, stops at
    /// t_s = I q̇₀ / f having turned q̇₀² I / (2 f), and stays stopped (no force is left to move it).
    /// Embody's friction is a velocity constraint with impulse bounded by f h, so each moving step removes
    /// exactly f h / I; the checks allow one step of that (plus the solver's 1e-7 residual) on q̇ and
    /// q̇₀ h on q.
    @Test func jointCoulombFrictionDecaysLinearlyAndStops() throws {
        let qd0 = 2.0, f = 1.0, inertia = Self.rodInertia
        let stopTime = inertia * qd0 / f
        let stopAngle = qd0 * qd0 * inertia / (2 * f)
        var worstVelocity = 0.0, worstPosition = 0.0, finalQ = 0.0, finalQd = 0.0
        try Self.spinRod(damping: 0, friction: f, qd0: qd0) { t, q, qd in
            finalQ = q; finalQd = qd
            let expectedVelocity = max(0, qd0 - f / inertia * t)
            let expectedAngle = t < stopTime ? qd0 * t - f / inertia * t * t / 2 : stopAngle
            let velocityError = abs(qd - expectedVelocity)
            let positionError = abs(q - expectedAngle)
            #expect(velocityError <= f * Self.h / inertia + 1e-7, "q̇ = \(qd) rad/s at t = \(t) s, expected \(expectedVelocity)")
            #expect(positionError <= qd0 * Self.h, "q = \(q) rad at t = \(t) s, expected \(expectedAngle)")
            worstVelocity = max(worstVelocity, velocityError)
            worstPosition = max(worstPosition, positionError)
        }
        #expect(abs(finalQd) < 1e-6, "the joint did not stop: q̇ = \(finalQd) rad/s")
        print("joint friction: worst q̇ error \(worstVelocity) rad/s, worst q error \(worstPosition) rad, final q \(finalQ) vs \(stopAngle)")
    }
}
