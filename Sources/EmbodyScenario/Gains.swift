// MARK: - Controller gains
//
// `controller.gains` mixes three kinds of entry in one mapping:
//
//     gains: { kp: 300, kd: 20,                # for every joint
//              legs: { kp: 800, kd: 40 },       # for a group
//              left_knee: { kp: 1200 } }        # for one joint
//
// Resolution goes from the general to the specific: uniform values first, then group entries in file
// order, then joint entries in file order; each later entry overrides only the gains it gives.

import EmbodyModel

extension Reader {
    /// Reads `controller.gains` into entries: one uniform entry (selector nil) for top-level kp/kd/ki, then one per group or joint key.
    mutating func readGains(_ field: Field) -> [GainEntry] {
        let problemsBefore = log.items.count
        defer { gainsHadProblems = log.items.count > problemsBefore }
        guard let view = map(field, shape: Keys.gains, example: "{ kp: 300, kd: 20 }") else { return [] }
        var entries: [GainEntry] = []
        var uniform = GainEntry(location: field.keyLocation)
        var hasUniform = false
        for key in Keys.gainValues.keys {
            guard let gainField = view.field(key) else { continue }
            if !hasUniform { uniform.location = gainField.keyLocation }
            hasUniform = true
            set(key, of: &uniform, to: number(gainField, .nonNegative))
        }
        if hasUniform { entries.append(uniform) }

        for entry in view.otherEntries(Keys.gains) {
            guard case .map = entry.node else {
                if let near = Suggest.nearest(to: entry.key, in: Keys.gainValues.keys) {
                    log.error(entry.keyLocation, "unknown key '\(entry.key)' in \(field.path); did you mean '\(near)'?")
                } else {
                    log.error(entry.location, "\(entry.path) must be a mapping of gains for the group or joint '\(entry.key)', such as { kp: 300, kd: 20 }, found \(entry.node.what)")
                }
                continue
            }
            guard let values = map(entry, shape: Keys.gainValues) else { continue }
            var gain = GainEntry(selector: entry.key, location: entry.keyLocation)
            var given = false
            for key in Keys.gainValues.keys {
                guard let gainField = values.field(key) else { continue }
                given = true
                set(key, of: &gain, to: number(gainField, .nonNegative))
            }
            if !given { log.error(entry.location, "\(entry.path) gives none of kp, kd, ki") }
            entries.append(gain)
        }
        return entries
    }

    private func set(_ key: String, of entry: inout GainEntry, to value: Double?) {
        switch key {
        case "kp": entry.kp = value
        case "kd": entry.kd = value
        default: entry.ki = value
        }
    }
}

extension ControllerSpec {
    /// Resolves per-joint gains: uniform entries, then group entries, then joint entries override; kd and ki default to 0; a joint with no kp is an error.
    /// `whole_body` takes no joint gains (its gains are its tasks', in controller.parameters): all zeros.
    ///
    /// A selector that is both a joint name and a group name is treated as the joint. Gains are
    /// returned in the order of `jointNames` (N·m/rad, N·m·s/rad, N·m/(rad·s); per m for prismatic joints).
    public func resolveGains(jointNames: [String], groups: [String: [String]]) throws(ScenarioErrors) -> JointGains {
        if case .wholeBody = kind {
            // Its gains are task gains in controller.parameters; the loader refuses controller.gains.
            let zero = [Double](repeating: 0, count: jointNames.count)
            return JointGains(kp: zero, kd: zero, ki: zero)
        }
        let resolution = resolution(jointNames: jointNames, groups: groups)
        var diagnostics = resolution.unknownSelectors
        if let missing = resolution.missingKp { diagnostics.append(missing) }
        guard diagnostics.isEmpty else { throw ScenarioErrors(diagnostics) }
        return resolution.gains
    }

    /// What resolving the gains found: the gains (0 where missing) and the problems, kept apart so
    /// the loader can leave out the missing-kp report when an entry was already rejected.
    struct GainResolution {
        var gains: JointGains
        var unknownSelectors: [ScenarioDiagnostic]
        var missingKp: ScenarioDiagnostic?
    }

    func resolution(jointNames: [String], groups: [String: [String]]) -> GainResolution {
        var kp = [Double?](repeating: nil, count: jointNames.count)
        var kd = kp, ki = kp
        var index: [String: Int] = [:]
        for (i, name) in jointNames.enumerated() where index[name] == nil { index[name] = i }

        func apply(_ entry: GainEntry, to indices: [Int]) {
            for i in indices {
                if let value = entry.kp { kp[i] = value }
                if let value = entry.kd { kd[i] = value }
                if let value = entry.ki { ki[i] = value }
            }
        }

        var unknown: [ScenarioDiagnostic] = []
        for entry in gains where entry.selector == nil { apply(entry, to: Array(jointNames.indices)) }
        for entry in gains {
            guard let selector = entry.selector, index[selector] == nil else { continue }
            if let members = groups[selector] {
                apply(entry, to: members.compactMap { index[$0] })
            } else {
                let candidates = groups.keys.sorted() + jointNames
                unknown.append(ScenarioDiagnostic(location: entry.location, message: "unknown joint or group '\(selector)' in controller.gains"
                                                  + Suggest.hint(for: selector, in: candidates, what: "groups and joints")))
            }
        }
        for entry in gains {
            guard let selector = entry.selector, let i = index[selector] else { continue }
            apply(entry, to: [i])
        }

        var missingKp: ScenarioDiagnostic?
        let missing = jointNames.indices.filter { kp[$0] == nil }.map { jointNames[$0] }
        if !missing.isEmpty {
            let noun = missing.count == 1 ? "joint" : "joints"
            missingKp = ScenarioDiagnostic(location: gainsLocation, message: "no kp for \(noun) \(Suggest.list(missing)): give controller.gains.kp for all joints, or a group or joint entry with kp that covers them")
        }
        let gains = JointGains(kp: kp.map { $0 ?? 0 }, kd: kd.map { $0 ?? 0 }, ki: ki.map { $0 ?? 0 })
        return GainResolution(gains: gains, unknownSelectors: unknown, missingKp: missingKp)
    }
}
