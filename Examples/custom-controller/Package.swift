// swift-tools-version:6.1
// A package of your own with a Swift controller for Embody (docs/controllers-in-swift.md).
//
// It depends on Embody by path (this example sits two folders below the Embody checkout; point the path at
// yours), registers its controller, and builds `my-embody`: the whole embody command line, with that
// controller available to scenarios as `controller: { type: custom, name: saturated_pd_gravity }`.
import PackageDescription

let package = Package(
    name: "CustomController",
    dependencies: [
        .package(name: "Embody", path: "../.."),
    ],
    targets: [
        .executableTarget(
            name: "my-embody",
            dependencies: [
                .product(name: "EmbodyCommandLine", package: "Embody"),  // EmbodyCLI.main(): run, replay, sweep, …
                .product(name: "EmbodyRuntime", package: "Embody"),      // ControllerRegistry
                .product(name: "EmbodyScenario", package: "Embody"),     // CustomParameter
                .product(name: "EmbodyControl", package: "Embody"),      // the Controller protocol
                .product(name: "EmbodyModel", package: "Embody"),        // RobotDynamics
            ],
            path: "Sources/my-embody"
        ),
    ],
    swiftLanguageModes: [.v6]
)
