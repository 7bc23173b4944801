import CMallocCounter
import EmbodyModel
import EmbodyPhysics
import Testing

// MARK: - Pairs with the ground form mid-run without allocating

@Suite("Ground pairs")
struct GroundPairTests {
    /// The ground's bounding box is a slab under z = 0, so a link is paired with the ground only when it comes
    /// near it, and Bullet allocates a compound algorithm's child array for each new pair. A humanoid dropped
    /// from 0.6 m lands, tumbles and lies on the floor, making and breaking such pairs for 3 s: every step after
    /// the tenth must be served by the block pool, never by malloc.
    @Test func fallingHumanoidMakesGroundPairsWithoutMalloc() throws {
        let (_, model) = try loadBundled("humanoid-stand")
        try warmUpContactReading()
        let world = try World()
        var options = RobotOptions()
        options.basePose = Transform(position: Vector3(0, 0, 1.5), rotation: Quaternion(rotationVector: Vector3(0.3, 0.2, 0)))
        let robot = try world.addRobot(model, options: options)
        var contacts = [Contact](repeating: Contact(), count: 256)
        world.reserveContacts(256)
        for _ in 0..<10 { world.step(dt: 0.001) }
        #expect(world.contacts(into: &contacts) == 0, "the robot starts in the air")
        let before = emb_test_thread_allocations()
        var touching = 0
        for _ in 0..<3000 {
            world.step(dt: 0.001)
            if world.contacts(into: &contacts) > 0 { touching += 1 }
        }
        let allocations = emb_test_thread_allocations() - before
        #expect(allocations == 0, "\(allocations) allocations while links met the ground")
        #expect(touching > 2000, "the robot should land and stay on the ground (touching in \(touching) of 3000 steps)")
        #expect(robot.basePose.position.z < 0.5, "the robot should have fallen over")
        let pool = BulletBlockPoolStatistics.current()
        #expect(pool.installed)
        #expect(pool.exhaustedFallbacks == 0)
    }

    /// Reads one contact on a throwaway world, so that type metadata a debug build creates lazily the first
    /// time a contact is converted is not counted against the world under test.
    func warmUpContactReading() throws {
        let world = try World()
        _ = try world.addBody(BodyDescription(shape: .box(size: Vector3(0.2, 0.2, 0.2)), mass: 1,
                                              pose: Transform(position: Vector3(0, 0, 0.1))))
        for _ in 0..<5 { world.step(dt: 0.001) }
        #expect(!world.contacts().isEmpty)
    }
}
