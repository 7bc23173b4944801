// The C ABI (include/embody.h) called as C would call it: statuses instead of traps, and a step path that
// allocates nothing in steady state (the Python tests in python/tests cover the rest through ctypes).

import CMallocCounter
import EmbodyC
import Foundation
import Testing

/// Opens a scenario through the C entry point; returns the handle or the message.
func open(_ scenario: String, overrides: [String] = []) -> (OpaquePointer?, Int32, String) {
    var handle: OpaquePointer?
    var error = [CChar](repeating: 0, count: 8192)
    let copies = overrides.map { UnsafePointer(strdup($0)!) }
    defer { for c in copies { free(UnsafeMutablePointer(mutating: c)) } }
    var list: [UnsafePointer<CChar>?] = copies
    let count = error.count
    let status = list.withUnsafeMutableBufferPointer { l in
        embody_open(scenario, UnsafePointer(l.baseAddress), Int32(overrides.count), nil, &handle, &error, count)
    }
    return (handle, status, String(cString: error))
}

@Suite struct CABITests {
    @Test func stepWithHostTorquesAllocatesNothing() throws {
        let (handle, status, message) = open("arm-hold", overrides: ["controller.type=external", "duration=4"])
        #expect(status == 0, "\(message)")
        let h = try #require(handle)
        defer { embody_close(h) }
        let torques = try #require(embody_torque_buffer(h))
        let q = try #require(embody_q_buffer(h))
        var stepped: Int64 = 0
        for _ in 0..<10 { _ = embody_step(h, 1, &stepped) }  // warm-up: lazily created caches
        let before = emb_test_thread_allocations()
        var failures = 0, ticks = 0
        for k in 0..<2000 {
            torques[k % 9] = Double(k % 7) - 3  // the host writes its torques between steps, as Python does
            if embody_step(h, 1, &stepped) != 0 { failures += 1 }
            ticks += Int(stepped)
            if embody_refresh_channels(h) != 0 { failures += 1 }
        }
        let allocations = emb_test_thread_allocations() - before
        #expect(failures == 0)
        #expect(ticks == 2000)
        #expect(q[0].isFinite)
        #expect(allocations == 0, "\(allocations) heap allocations in 2000 steps through the C ABI")
        // The one-tick entry Python's loop uses, on the same handle.
        let before1 = emb_test_thread_allocations()
        var taken: Int64 = 0
        for k in 0..<1000 {
            torques[k % 9] = Double(k % 5) - 2
            taken += embody_step1(h)
        }
        let allocations1 = emb_test_thread_allocations() - before1
        #expect(taken == 1000)
        #expect(embody_tick(h) == 3010)
        #expect(allocations1 == 0, "\(allocations1) heap allocations in 1000 calls of embody_step1")
    }

    /// embody_step1 answers as embody_step does: ticks taken, or the negated status with the same message; a
    /// non-finite torque anywhere in the buffer (the one-pass check) is refused and names its joint, and nothing steps.
    @Test func stepOneReportsStatusesAsNegativeValues() throws {
        #expect(embody_step1(nil) == -1)
        let (opened, ok, message) = open("arm-hold", overrides: ["controller.type=external", "duration=0.005"])
        #expect(ok == 0, "\(message)")
        let h = try #require(opened)
        defer { embody_close(h) }
        let torques = try #require(embody_torque_buffer(h))
        for (joint, bad) in [(0, Double.nan), (4, .infinity), (8, -.infinity)] {
            torques[joint] = bad
            #expect(embody_step1(h) == -1)
            #expect(String(cString: embody_last_error(h)!).contains("torque \(joint) (joint "))
            #expect(embody_tick(h) == 0)
            torques[joint] = 0
        }
        torques[2] = 1e300  // finite, however large: accepted (the runtime clamps to the effort limit)
        for _ in 0..<5 { #expect(embody_step1(h) == 1) }
        #expect(embody_step1(h) == 0)  // the run's 5 ticks are done
        #expect(embody_tick(h) == 5)
        #expect(embody_run(h) == 0)
        #expect(embody_step1(h) == -3)  // finished and summarized: invalid state, as embody_step
        #expect(String(cString: embody_last_error(h)!).contains("the run has finished"))
    }

    @Test func badArgumentsAreStatusesWithMessages() throws {
        #expect(embody_step(nil, 1, nil) == 1)
        #expect(embody_dof(nil) == -1)
        #expect(embody_q_buffer(nil) == nil)
        embody_close(nil)
        let (missing, status, message) = open("no-such-scenario")
        #expect(missing == nil && status == 2)
        #expect(message.contains("no scenario file or bundled scenario named 'no-such-scenario'"))
        var handle: OpaquePointer?
        #expect(embody_open(nil, nil, 0, nil, &handle, nil, 0) == 1)
        #expect(embody_open("arm-hold", nil, 2, nil, &handle, nil, 0) == 1)
        #expect(embody_open("arm-hold", nil, 0, nil, nil, nil, 0) == 1)

        let (opened, ok, _) = open("arm-hold", overrides: ["controller.type=external"])
        let h = try #require(opened)
        #expect(ok == 0)
        defer { embody_close(h) }
        #expect(embody_step(h, -1, nil) == 1)
        #expect(String(cString: embody_last_error(h)!).contains("ticks must be ≥ 0"))
        var small = [Double](repeating: 0, count: 3)
        #expect(embody_get_q(h, &small, 3) == 1)
        #expect(String(cString: embody_last_error(h)!).contains("holds 3 values; 9 are needed"))
        #expect(embody_get_q(h, nil, 9) == 1)
        var nan = [Double](repeating: 0, count: 9)
        nan[3] = .nan
        #expect(embody_set_torques(h, &nan, 9) == 1)
        #expect(embody_set_torques(h, nil, 9) == 1)
        #expect(embody_set_torques(h, &nan, 8) == 1)
        #expect(embody_record(h, nil, 1) == 1)
        #expect(embody_record(h, "/tmp/x.emblog", 0) == 1)
        #expect(embody_get_contacts(h, nil, -1, nil) == 1)
        #expect(embody_state_hash(h, nil) == 1)
        #expect(embody_replay(nil, 1, nil, 0, nil) == 1)
        #expect(embody_step(h, 5, nil) == 0)
        #expect(embody_tick(h) == 5)
    }
}
