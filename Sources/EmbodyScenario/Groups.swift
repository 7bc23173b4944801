// MARK: - Joint groups
//
// Gains and other per-joint settings can name a group instead of listing joints. The built-in groups
// are inferred from joint names; a scenario's own `robot.groups` adds groups or replaces built-ins.

extension ScenarioSchema {
    /// The built-in groups and the name fragments (matched case-insensitively) that put a joint in each.
    public static let builtInGroupKeywords: [(group: String, keywords: [String])] = [
        ("legs", ["hip", "knee", "ankle"]),
        ("arms", ["shoulder", "elbow", "wrist"]),
        ("torso", ["torso", "waist"]),
        ("neck", ["neck", "head"]),
        ("fingers", ["finger", "gripper"]),
    ]

    /// The built-in groups for these joint names: each keyword group that matches at least one joint, plus "all" with every joint, members in the given order.
    public static func inferredGroups(jointNames: [String]) -> [String: [String]] {
        var groups: [String: [String]] = ["all": jointNames]
        for (group, keywords) in builtInGroupKeywords {
            let members = jointNames.filter { name in
                let lowered = name.lowercased()
                return keywords.contains { lowered.contains($0) }
            }
            if !members.isEmpty { groups[group] = members }
        }
        return groups
    }
}
