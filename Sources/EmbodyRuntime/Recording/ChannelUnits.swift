// MARK: - The unit of every channel Embody records, from its name (docs/log-format.md)

/// Units of recorded channels, as the runtime names them.
public enum ChannelUnits {
    /// The unit of column `name` ("s", "rad", "N·m", "1" for dimensionless, …), or nil when the name is not one
    /// the runtime writes. Joints named in `prismatic` are in m, m/s and N; other joints in rad, rad/s and N·m.
    public static func unit(of name: String, prismatic: Set<String> = []) -> String? {
        if name == "t" { return "s" }
        if name == "tick" { return nil }
        func joint(_ prefix: String) -> String? { name.hasPrefix(prefix) ? String(name.dropFirst(prefix.count)) : nil }
        for (prefixes, revolute, linear) in [(["q.", "ref.q.", "est.q."], "rad", "m"),
                                             (["qd.", "ref.qd.", "est.qd."], "rad/s", "m/s"),
                                             (["tau.", "tau_cmd."], "N·m", "N")] {
            for p in prefixes { if let j = joint(p) { return prismatic.contains(j) ? linear : revolute } }
        }
        guard let dot = name.lastIndex(of: ".") else { return nil }
        let field = String(name[name.index(after: dot)...])
        if name.hasPrefix("sensor.") || name.hasPrefix("true.") {
            switch field {
            case "fx", "fy", "fz", "force": return "N"
            case "tx", "ty", "tz": return "N·m"
            case "cop_x", "cop_y", "cop_z", "min_depth", "depth_error_rms", "min_range", "range_error_rms": return "m"
            case "in_contact": return "1"
            case "valid_pixels", "points": return "count"
            default: return nil
            }
        }
        if name.hasPrefix("contact.") {
            switch field {
            case "fx", "fy", "fz": return "N"
            case "px", "py", "pz": return "m"
            default: return nil
            }
        }
        // Poses and twists: base.*, frame.<link>.*, est.base.*, and <object>.*.
        switch field {
        case "x", "y", "z": return "m"
        case "qx", "qy", "qz", "qw": return "1"
        case "vx", "vy", "vz": return "m/s"
        case "wx", "wy", "wz": return "rad/s"
        default: return nil
        }
    }

    /// `name [unit]`, or the name alone when its unit is unknown or it is `tick`.
    public static func label(_ name: String, prismatic: Set<String> = []) -> String {
        unit(of: name, prismatic: prismatic).map { "\(name) [\($0)]" } ?? name
    }
}
