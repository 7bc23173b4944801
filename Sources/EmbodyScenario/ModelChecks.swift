// MARK: - Checks against the robot model
//
// Once the URDF has loaded, every joint and link name in the scenario is checked against it, the
// groups are completed with the built-in ones, joint targets are checked against the joint limits,
// and the gains are resolved once so that a joint without kp is reported at load time.

import EmbodyModel

/// Checks a draft against the loaded robot.
struct ModelChecks {
    let model: RobotModel
    var log = DiagnosticLog()

    init(model: RobotModel) { self.model = model }

    /// Runs every check, completing `draft.scenario.robot.groups`.
    mutating func run(_ draft: inout Draft) {
        var scenario = draft.scenario
        scenario.robot.groups = groups(draft.explicitGroups)
        // What the physics engine would refuse when the run starts, reported now, at the URDF's line.
        for problem in model.simulationProblems { log.error(problem.location, "the robot cannot be simulated: \(problem.message)") }

        checkPositions(scenario.robot.initialQ, path: "robot.initial.q")
        switch scenario.task.kind {
        case .hold(let p):
            checkPositions(p.q, path: "task.q")
        case .jointWaypoints(let p), .jointTrajectory(let p):
            for (i, waypoint) in p.waypoints.enumerated() { checkPositions(waypoint.q, path: "task.waypoints[\(i)].q") }
        case .jointSine(let p):
            for value in p.amplitude where model.coordinateIndex(ofJoint: value.name) == nil {
                log.error(value.location, "task.amplitude: " + unknownJoint(value.name))
            }
        case .eeTargets(let p):
            checkLink(p.link.isEmpty ? nil : p.link, path: "task.link", at: p.linkLocation)
        case .moveTo(let p):
            checkPositions(p.goal, path: "task.goal")
        case .reachObject(let p):
            checkLink(p.link.isEmpty ? nil : p.link, path: "task.link", at: p.linkLocation)
        case .walk, .stand:
            break   // the feet are checked when the run is built: their soles need the links' collision boxes
        }
        for (i, sensor) in scenario.sensors.enumerated() {
            if let link = sensor.kind.link { checkLink(link.name, path: "sensors[\(i)].link", at: link.location) }
            if case .forceTorque(let p) = sensor.kind, !p.joint.isEmpty, !model.joints.contains(where: { $0.name == p.joint }) {
                log.error(p.jointLocation, "sensors[\(i)].joint: the robot '\(model.name)' has no joint '\(p.joint)'"
                          + Suggest.hint(for: p.joint, in: model.joints.map(\.name), what: "joints"))
            }
        }
        checkLink(scenario.controller.eeLink, path: "controller.ee_link", at: scenario.controller.location)
        if case .wholeBody(let p) = scenario.controller.kind {
            let at = scenario.controller.location
            checkLink(p.leftFoot, path: "controller.parameters.left_foot", at: p.leftFootLocation ?? at)
            checkLink(p.rightFoot, path: "controller.parameters.right_foot", at: p.rightFootLocation ?? at)
            checkLink(p.torsoLink, path: "controller.parameters.torso_link", at: p.torsoLinkLocation ?? at)
        }
        for (i, disturbance) in scenario.disturbances.enumerated() where model.linkIndex(named: disturbance.link) == nil {
            let links = model.links.map(\.name)
            let location = i < draft.disturbanceLinkLocations.count ? draft.disturbanceLinkLocations[i] : disturbance.location
            log.error(location, "disturbances[\(i)].link: the robot '\(model.name)' has no link '\(disturbance.link)'"
                      + Suggest.hint(for: disturbance.link, in: links, what: "links"))
        }
        if case .hold = scenario.task.kind {
            // Step metrics need a step: some joint's hold target must differ from its initial position.
            let initial = scenario.robot.initialPositions(jointNames: model.jointNames)
            let target = scenario.task.targets(at: 0, jointNames: model.jointNames, initialQ: initial)
            if !zip(initial, target).contains(where: { abs($0 - $1) > 1e-9 }) {
                for (i, criterion) in scenario.success.enumerated() where TaskMetrics.step.contains(criterion.metric) {
                    log.error(criterion.location, "success[\(i)].metric \(criterion.metric) measures a step, but task.q holds every joint at its initial position, so there is no step to measure; give task.q a target that differs from robot.initial.q")
                }
            }
        }
        checkController(scenario.controller, hasController: draft.hasController, gainsHadProblems: draft.gainsHadProblems,
                        groups: scenario.robot.groups, at: draft.rootLocation)
        draft.scenario = scenario
    }

    /// Reports a link name the robot does not have.
    private mutating func checkLink(_ name: String?, path: String, at location: SourceLocation) {
        guard let name, model.linkIndex(named: name) == nil else { return }
        log.error(location, "\(path): the robot '\(model.name)' has no link '\(name)'"
                  + Suggest.hint(for: name, in: model.links.map(\.name), what: "links"))
    }

    // MARK: - Groups

    /// The built-in groups with the file's groups merged over them; unknown members are reported.
    private mutating func groups(_ explicit: [GroupDraft]) -> [String: [String]] {
        let jointNames = model.jointNames
        var groups = ScenarioSchema.inferredGroups(jointNames: jointNames)
        for group in explicit {
            var members: [String] = []
            for member in group.members {
                if jointNames.contains(member.name) {
                    if !members.contains(member.name) { members.append(member.name) }
                } else {
                    log.error(member.location, "robot.groups.\(group.name): " + unknownJoint(member.name))
                }
            }
            groups[group.name] = members
        }
        return groups
    }

    // MARK: - Joint names and limits

    /// Checks that each name is a movable joint and each value lies within the joint's limits.
    private mutating func checkPositions(_ values: [NamedValue], path: String) {
        for value in values {
            guard let index = model.coordinateIndex(ofJoint: value.name) else {
                log.error(value.location, "\(path): " + unknownJoint(value.name))
                continue
            }
            let joint = model.movableJoints[index]
            guard joint.type != .continuous, let limit = joint.limit else { continue }
            let slack = 1e-9 * max(1, abs(limit.lower), abs(limit.upper))
            if value.value < limit.lower - slack || value.value > limit.upper + slack {
                let unit = joint.type == .prismatic ? "m" : "rad"
                log.error(value.location, "\(path).\(value.name) = \(Reader.format(value.value)) \(unit) is outside the joint's limits [\(Reader.format(limit.lower)), \(Reader.format(limit.upper))] \(unit)")
            }
        }
    }

    /// "the robot 'arm7' has no joint 'x'; did you mean …?", with a note when the joint exists but is fixed.
    private func unknownJoint(_ name: String) -> String {
        let movable = model.jointNames
        if model.joints.contains(where: { $0.name == name }) {
            return "joint '\(name)' of the robot '\(model.name)' is \(model.joints.first { $0.name == name }?.type.rawValue ?? "fixed") and has no position; movable joints are \(Suggest.list(movable))"
        }
        return "the robot '\(model.name)' has no joint '\(name)'" + Suggest.hint(for: name, in: movable, what: "joints")
    }

    // MARK: - Controller

    private mutating func checkController(_ controller: ControllerSpec, hasController: Bool, gainsHadProblems: Bool,
                                          groups: [String: [String]], at start: SourceLocation) {
        let jointNames = model.jointNames
        guard hasController else {
            if !jointNames.isEmpty {
                log.error(start, "missing required key 'controller': the robot '\(model.name)' has \(jointNames.count) movable joints and needs one, such as controller: { type: pd, gains: { kp: 300, kd: 20 } }")
            }
            return
        }
        guard controller.type == "pd" || !controller.gains.isEmpty else { return }
        let resolution = controller.resolution(jointNames: jointNames, groups: groups)
        for diagnostic in resolution.unknownSelectors { log.error(diagnostic.location, diagnostic.message) }
        if let missing = resolution.missingKp, !gainsHadProblems { log.error(missing.location, missing.message) }
    }
}
