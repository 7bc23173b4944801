import Testing
@testable import EmbodyScenario

// MARK: - The walk and stand task kinds: what they read, and every mistake located

@Suite struct WalkTaskValidationTests {
    /// The humanoid with a walk task whose body is `task` (indented by two spaces).
    private func walk(_ task: String, duration: Double = 12) -> String {
        """
        name: walk-test
        duration: \(duration)
        robot:
          urdf: robots/humanoid.urdf
          base: { position: [0, 0, 0.921] }
        controller:
          type: pd_gravity
          gains: { kp: 1500, kd: 10 }
        task:
          type: walk
        \(task)
        """
    }

    @Test("a walk reads its commands, step parameters, terrain and feet")
    func readsEverything() throws {
        let text = walk("""
          commands: [{ at: 1, vx: 0.5 }, { at: 5, vx: 0.2, vy: 0.05, yaw_rate: -0.3 }, { at: 9 }]
          step_length: 0.32
          step_width: 0.2
          step_duration: 0.5
          double_support_ratio: 0.25
          clearance: 0.06
          com_height: 0.76
          foot_placement_noise: 0.005
          terrain: [{ x: [1, 2], y: [-1, 1], height: 0.02 }]
          feet: [left_foot, right_foot]
        """)
        let w = try #require(loaded(text)?.task.kind.walk)
        #expect(w.commands.map(\.at) == [1, 5, 9])
        #expect(w.commands[1].vx == 0.2 && w.commands[1].vy == 0.05 && w.commands[1].yawRate == -0.3)
        #expect(w.commands[2].isStop)
        #expect(w.stepLength == 0.32 && w.stepWidth == 0.2 && w.stepDuration == 0.5 && w.doubleSupportRatio == 0.25)
        #expect(w.clearance == 0.06 && w.comHeight == 0.76 && w.footPlacementNoise == 0.005)
        #expect(w.terrain == [TerrainPatch(x: [1, 2], y: [-1, 1], height: 0.02)])
        #expect(w.terrain[0].contains(1.5, 0) && !w.terrain[0].contains(2.5, 0))
        #expect(w.feet == ["left_foot", "right_foot"])
        #expect(Set(try #require(loaded(text)).producedMetrics).isSuperset(of: ["walk_distance", "walk_speed", "foot_slip_max", "zmp_margin_min", "com_tracking_rms", "cost_of_transport"]))
    }

    @Test("walk mistakes are reported at their line", arguments: [
        ("  step_length: 0.1\n  commands: [{ at: 1, vx: 0.5 }]", "vx 0.5 m/s needs steps of 0.3 m at step_duration 0.6 s, longer than step_length 0.1 m", "{ at: 1, vx: 0.5 }"),
        ("  commands: [{ at: 1, vx: 2 }]", "task.commands[0].vx must be between -0.5 and 1 m/s, found 2", "vx: 2"),
        ("  commands: [{ at: 2, vx: 0.2 }, { at: 1 }]", "task.commands[1].at 1 s must be later than the previous command's 2 s", "{ at: 1 }"),
        ("  commands: [{ at: 20, vx: 0.2 }]", "task.commands[0].at 20 s is not before the end of the scenario (duration 12 s)", "at: 20"),
        ("  commands: [{ vx: 0.2 }]", "missing required key 'task.commands[0].at'", "{ vx: 0.2 }"),
        ("  commands: [{ at: 1, vx: 0.2, speed: 1 }]", "unknown key 'speed' in task.commands[0]", "speed: 1"),
        ("  commands: []", "task.commands must hold at least one command", "commands: []"),
        ("  commands: [{ at: 1, vy: 0.25 }]", "task.commands[0]: vy 0.25 m/s moves a foot 0.15 m sideways per step, more than half of step_width 0.18 m", "{ at: 1, vy: 0.25 }"),
        ("  commands: [{ at: 1, vx: 0.2 }]\n  feet: [left_foot, left_foot]", "task.feet names the same link twice", "feet: ["),
        ("  commands: [{ at: 1, vx: 0.2 }]\n  feet: [left_foot]", "task.feet must be a list of 2 link names (left, right)", "feet: ["),
        ("  commands: [{ at: 1, vx: 0.2 }]\n  terrain: [{ x: [2, 1], y: [-1, 1], height: 0.02 }]", "task.terrain[0].x must be [min, max] with min < max, found [2, 1]", "x: [2, 1]"),
        ("  commands: [{ at: 1, vx: 0.2 }]\n  terrain: [{ x: [1, 2], y: [-1, 1], height: 5 }]", "task.terrain[0].height must be between -1 and 1 m, found 5", "height: 5"),
        ("  commands: [{ at: 1, vx: 0.2 }]\n  step_duration: 0", "task.step_duration must be between 0.2 and 3 s, found 0", "step_duration: 0"),
        ("  commands: [{ at: 1, vx: 0.2 }]\n  foot_placement_noise: -0.01", "task.foot_placement_noise must be between 0 and 0.05 m, found -0.01", "foot_placement_noise"),
        ("  commands: [{ at: 1, x: 2, vx: 0.2 }]", "task.commands[0] mixes a velocity (vx) with a waypoint (x); a command is one or the other", "{ at: 1, x: 2, vx: 0.2 }"),
        ("  commands: [{ at: 1, vx: 0.2 }, { at: 2, x: 1 }]", "task.commands[1] is a waypoint but task.commands[0] is a velocity command", "{ at: 2, x: 1 }"),
        ("  commands: [{ x: 1 }, { at: 2, vx: 0.2 }]", "task.commands[1] is a velocity command but task.commands[0] is a waypoint", "{ at: 2, vx: 0.2 }"),
        ("  commands: [{ x: 2, yaw: 7 }]", "task.commands[0].yaw must be between", "yaw: 7"),
        ("  commands: [{ x: 2000 }]", "task.commands[0].x must be between -1000 and 1000 m, found 2000", "x: 2000"),
        ("  commands: [{ at: 3, x: 1 }, { at: 2, x: 2 }]", "task.commands[1].at 2 s must be no earlier than the previous command's 3 s", "at: 2, x: 2"),
        ("  commands: [{ at: 1, vx: 0.2 }]\n  capture_threshold: 0", "task.capture_threshold must be between 0.005 and 0.5 m, found 0", "capture_threshold"),
    ])
    func mistakes(_ task: String, _ message: String, _ at: String) throws {
        let text = walk(task)
        let found = diagnostics(text)
        let d = try #require(found.first { $0.message.contains(message) }, "\(found.map(\.message))")
        #expect(d.location.line == line(of: at, in: text))
    }

    @Test("a walk to waypoints reads x, y and yaw, an optional `at` (the previous waypoint's, or 0), and capture stepping")
    func waypoints() throws {
        let text = walk("""
          commands: [{ x: 2, y: 0 }, { at: 1, x: 2, y: 0, yaw: 1.5708 }, { x: -1, y: 2.5 }]
          capture_stepping: true
          capture_threshold: 0.04
          capture_lateral_reach: 0.05
        """)
        let w = try #require(loaded(text)?.task.kind.walk)
        #expect(w.commands.map(\.at) == [0, 1, 1])
        #expect(w.commands.map(\.waypoint) == [WalkWaypoint(x: 2, y: 0), WalkWaypoint(x: 2, y: 0, yaw: 1.5708), WalkWaypoint(x: -1, y: 2.5)])
        #expect(!w.commands.contains { $0.isStop })
        #expect(w.captureStepping && w.captureThreshold == 0.04 && w.captureLateralReach == 0.05)
        #expect(WalkTask().captureLateralReach == 0.1)
        let far = walk("  commands: [{ at: 1, vx: 0.2 }]\n  capture_stepping: true\n  capture_lateral_reach: 0.5")
        #expect(diagnostics(far).contains { $0.message.contains("capture_lateral_reach") && $0.location.line == line(of: "capture_lateral_reach", in: far) })
        #expect(!(try #require(loaded(walk("  commands: [{ at: 1, vx: 0.2 }]"))?.task.kind.walk)).captureStepping)
    }

    @Test("a walk too long for the footstep cap, and a walk for an osc controller, are refused")
    func capsAndController() throws {
        let long = walk("  step_duration: 0.2\n  commands: [{ at: 1, vx: 0.2 }]", duration: 3000)
        #expect(diagnostics(long).contains { $0.message.contains("plans more than 10000 footsteps") })
        let osc = walk("  commands: [{ at: 1, vx: 0.2 }]").replacingOccurrences(of: "type: pd_gravity", with: "type: osc\n  ee_link: head")
        #expect(diagnostics(osc).contains { $0.message.contains("controller type osc takes Cartesian targets") })
    }

    @Test("stand reads stepping and its step parameters")
    func stand() throws {
        let text = walk("  stepping: false\n  capture_margin: 0.01\n  step_duration: 0.5\n  max_step_length: 0.4").replacingOccurrences(of: "type: walk", with: "type: stand")
        let s = try #require(loaded(text)?.task.kind.stand)
        #expect(!s.stepping && s.captureMargin == 0.01 && s.stepDuration == 0.5 && s.maxStepLength == 0.4)
        let bad = walk("  stepping: maybe").replacingOccurrences(of: "type: walk", with: "type: stand")
        #expect(try #require(onlyDiagnostic(bad)).message.contains("task.stepping must be true or false"))
    }
}
