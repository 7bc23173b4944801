import Testing
@testable import EmbodyLocomotion

@Suite struct LocomotionModuleTests {
    @Test func defaultGravityIsStandard() {
        #expect(locomotionDefaultGravity > 9.8 && locomotionDefaultGravity < 9.82)
    }
}
