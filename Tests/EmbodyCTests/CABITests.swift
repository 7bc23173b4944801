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
        let (handle, status, message) = open("arm-hold", overrides: ["controller.type=external", "duration=3"])
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
