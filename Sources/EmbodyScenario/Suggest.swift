// MARK: - "Did you mean …?"
//
// Unknown keys, joint names, links, types and metrics are all answered with the nearest valid name
// by edit distance, or with the list of valid names when nothing is near.

/// Finds the valid name nearest to a misspelt one.
public enum Suggest {
    /// The candidate nearest to `name`, if it is close enough to be a plausible typo.
    public static func nearest(to name: String, in candidates: [String]) -> String? {
        let lowered = name.lowercased()
        var best: (name: String, distance: Int)?
        for candidate in candidates where candidate != name {
            let other = candidate.lowercased()
            let distance = editDistance(lowered, other)
            let limit = max(1, max(lowered.count, other.count) / 3)
            let isTypo = distance <= limit
            let isPart = min(lowered.count, other.count) >= 3 && (lowered.contains(other) || other.contains(lowered))
            guard isTypo || isPart else { continue }
            if let current = best {
                // Equally near: a name that differs by a dropped or an added letter (one is a subsequence of
                // the other) is the likelier typo ('rage' is 'range' with a letter dropped, not 'rate').
                if current.distance < distance { continue }
                if current.distance == distance && !(isSubsequence(lowered, of: other) || isSubsequence(other, of: lowered)) { continue }
                if current.distance == distance {
                    let kept = current.name.lowercased()
                    if isSubsequence(lowered, of: kept) || isSubsequence(kept, of: lowered) { continue }
                }
            }
            best = (candidate, distance)
        }
        return best?.name
    }

    /// Whether every character of `a` appears in `b`, in order.
    static func isSubsequence(_ a: String, of b: String) -> Bool {
        var rest = Substring(b)
        for character in a {
            guard let i = rest.firstIndex(of: character) else { return false }
            rest = rest[rest.index(after: i)...]
        }
        return true
    }

    /// The candidates that begin with `name` (at least 3 characters), in their order: the joints a shortened
    /// name such as 'left_ankle' stands for ('left_ankle_pitch', 'left_ankle_roll').
    static func extensions(of name: String, in candidates: [String]) -> [String] {
        let lowered = name.lowercased()
        guard lowered.count >= 3 else { return [] }
        return candidates.filter { $0 != name && $0.lowercased().hasPrefix(lowered) }
    }

    /// "; did you mean 'x'?" when a near name exists (or 'x' or 'y' when several names begin with it),
    /// otherwise "; valid … are a, b, c" (shortened when long).
    static func hint(for name: String, in candidates: [String], what: String) -> String {
        // One letter off is a typo before it is a shortened name ('ee_p' is 'ee_kp', not 'ee_point_x').
        if let near = nearest(to: name, in: candidates), editDistance(name.lowercased(), near.lowercased()) <= 1 {
            return "; did you mean '\(near)'?"
        }
        let longer = extensions(of: name, in: candidates)
        if (2...4).contains(longer.count) {
            return "; did you mean " + longer.map { "'\($0)'" }.dropLast().joined(separator: ", ")
                + " or '\(longer[longer.count - 1])'?"
        }
        if let near = nearest(to: name, in: candidates) { return "; did you mean '\(near)'?" }
        guard !candidates.isEmpty else { return "" }
        return "; valid \(what) are \(list(candidates))"
    }

    /// The names joined by commas, cut after `limit` with a count of the rest.
    static func list(_ names: [String], limit: Int = 12) -> String {
        if names.count <= limit { return names.joined(separator: ", ") }
        return names.prefix(limit).joined(separator: ", ") + " and \(names.count - limit) more"
    }

    /// The Levenshtein distance between two strings, counted in characters.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
                current[j] = min(previous[j] + 1, current[j - 1] + 1, substitution)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
