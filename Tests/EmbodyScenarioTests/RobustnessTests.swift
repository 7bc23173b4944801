// MARK: - Bad input never crashes
//
// Odd documents and randomly damaged copies of the bundled scenarios must come back as located
// diagnostics (or load), never as a crash.

import EmbodyModel
import Foundation
import Testing
@testable import EmbodyScenario

@Suite("Robustness")
struct RobustnessTests {
    @Test("odd documents give located diagnostics", arguments: [
        "", "~", "42", "- a\n- b\n", "[1, 2", "{", "name: [\n", "\t- x", "a: b: c", "? [1, 2]\n: 3\n",
        "name: x\nduration: 1e999\nrobot: { urdf: 5 }\n", "name: x\nduration: .nan\nrobot: { urdf: '' }\n",
        "name: x\nseed: -1\nduration: 1\nrobot: { urdf: robots/arm7.urdf }\nphysics: { dt: 1e-300 }\n",
        "name: x\nseed: 99999999999999999999999\nduration: 1\nrobot: { urdf: robots/arm7.urdf }\nrates: { control: 1e300 }\n",
        "name: x\nduration: 1\nrobot: { urdf: robots/arm7.urdf }\nworld: { objects: [1, [2], { shape: 3 }] }\n",
        "name: x\nduration: 1\nrobot: { urdf: robots/arm7.urdf }\ncontroller: { type: [pd], gains: [1] }\n",
        "name: x\nduration: 1\nrobot: { urdf: robots/ }\n", "name: x\nduration: 1\nrobot: *nope\n",
        "name: x\n---\nname: y\n", "name: \"\u{7}\u{0}\"\n", "name: ünïcødé\nduration: 1\n",
        "name: x\nduration: 1\nrobot: { urdf: robots/arm7.urdf }\ntask: { type: joint_waypoints, waypoints: [{}, 3, { at: -1, q: [] }] }\n",
    ])
    func oddDocuments(text: String) {
        switch load(text) {
        case .success:
            Issue.record("expected diagnostics for \(text.debugDescription)")
        case .failure(let errors):
            #expect(!errors.diagnostics.isEmpty)
            for diagnostic in errors.diagnostics {
                #expect(diagnostic.location.file == inlinePath)
                #expect(!diagnostic.message.isEmpty)
            }
        }
    }

    @Test("odd overrides give located diagnostics")
    func oddOverrides() {
        let overrides = ["", "=", "a", "[0]=1", "world.objects[99999999999999999999]=1", "physics.dt=[", "world.objects[-1]=1",
                         "robot.initial.q.=1", "physics.dt.x=1", "success[0]={metric: x}", "world..=1", "physics.dt==1"]
        for override in overrides {
            switch load(minimalArm, overrides: [override]) {
            case .success:
                Issue.record("expected diagnostics for --set \(override.debugDescription)")
            case .failure(let errors):
                #expect(errors.diagnostics.allSatisfy { $0.location.line >= 1 }, "\(override): \(errors)")
            }
        }
    }

    @Test("randomly damaged bundled scenarios never crash")
    func damagedScenarios() throws {
        let texts = try ["arm-hold.yaml", "humanoid-push.yaml"].map {
            try String(contentsOfFile: scenariosDir + "/" + $0, encoding: .utf8)
        }
        let pieces = [":", "-", "[", "]", "{", "}", ",", "\n", " ", "0", "-1", "x", "'", "\"", "#", "&a", "*a", "1e9", "null", "\t"]
        var random = SplitMix64(seed: 2024)
        for round in 0..<150 {
            var characters = Array(texts[round % texts.count])
            for _ in 0..<(1 + Int(random.next() % 4)) {
                let at = Int(random.next() % UInt64(characters.count))
                switch random.next() % 3 {
                case 0: characters.remove(at: at)
                case 1: characters.insert(contentsOf: pieces[Int(random.next() % UInt64(pieces.count))], at: at)
                default: characters[at] = Character(pieces[Int(random.next() % UInt64(pieces.count))].prefix(1).description)
                }
            }
            switch load(String(characters)) {
            case .success: break
            case .failure(let errors): #expect(!errors.diagnostics.isEmpty)
            }
        }
    }
}

/// A small deterministic generator (SplitMix64) so the damage is the same on every run.

