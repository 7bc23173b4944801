// swift-tools-version:6.1
import Foundation
import PackageDescription

/// The instructor's edition holds the reference solutions (Exercises/Reference) and the grader's tests, which
/// run them; a student handout (`embody exercise handout DIR`) has neither, and builds without them.
let instructorEdition = FileManager.default.fileExists(atPath: Context.packageDirectory + "/Exercises/Reference/main.swift")

let package = Package(
    name: "Embody",
    products: [
        .executable(name: "embody", targets: ["embody"]),
        .library(name: "EmbodyModel", targets: ["EmbodyModel"]),
        .library(name: "EmbodyPhysics", targets: ["EmbodyPhysics"]),
        .library(name: "EmbodyScenario", targets: ["EmbodyScenario"]),
        .library(name: "EmbodyControl", targets: ["EmbodyControl"]),
        .library(name: "EmbodyPerception", targets: ["EmbodyPerception"]),
        .library(name: "EmbodyPlanning", targets: ["EmbodyPlanning"]),
        .library(name: "EmbodyLocomotion", targets: ["EmbodyLocomotion"]),
        .library(name: "EmbodyRuntime", targets: ["EmbodyRuntime"]),
        .library(name: "EmbodyView", targets: ["EmbodyView"]),
        .library(name: "EmbodyExercises", targets: ["EmbodyExercises"]),
        // The whole command line as a library: a program of the user's own registers Swift controllers
        // (ControllerRegistry) and calls EmbodyCLI.main() (docs/controllers-in-swift.md).
        .library(name: "EmbodyCommandLine", targets: ["EmbodyCommandLine"]),
        // libEmbodyC.so (installed as lib/libembody.so): the C ABI (include/embody.h) that Python's `embody` package loads (docs/python.md).
        .library(name: "EmbodyC", type: .dynamic, targets: ["EmbodyC"]),
        .executable(name: "embody-exercise", targets: ["embody-exercise"]),
        .executable(name: "embody-exercise-runner", targets: ["embody-exercise-runner"]),
    ] + (instructorEdition ? [.executable(name: "embody-exercise-reference", targets: ["embody-exercise-reference"])] : []),
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
    ],
    targets: [
        // The only C++ in the project: a C API (prefix `emb_`) over Bullet 3.24, double precision.
        .target(
            name: "CBullet",
            path: "CShims/CBullet",
            cxxSettings: [
                // pkg-config's -DBT_USE_DOUBLE_PRECISION does not reach a C++ target; without it the
                // shim would silently compile against Bullet's float layout and link the wrong symbols.
                .define("BT_USE_DOUBLE_PRECISION"),
                .unsafeFlags(["-I/usr/include/bullet", "-I/usr/include/eigen3", "-O2"]),
            ],
            linkerSettings: [
                .linkedLibrary("BulletDynamics-float64"),
                .linkedLibrary("BulletCollision-float64"),
                .linkedLibrary("LinearMath-float64"),
                .linkedLibrary("stdc++"),
            ]
        ),
        // A C API (prefix `emba_`) over Assimp 5.2 for mesh files; used only by EmbodyModel's MeshLoader.
        .target(
            name: "CAssimp",
            path: "CShims/CAssimp",
            cxxSettings: [.unsafeFlags(["-O2"])],
            linkerSettings: [.linkedLibrary("assimp"), .linkedLibrary("stdc++")]
        ),
        // Robot descriptions: URDF, meshes, inertias. Swift, with meshes read through CAssimp.
        .target(name: "EmbodyModel", dependencies: ["CAssimp"]),
        // The one Swift module that imports CBullet.
        .target(name: "EmbodyPhysics", dependencies: ["EmbodyModel", "CBullet"]),
        // Controllers, dynamics terms and response metrics; no Bullet here.
        .target(name: "EmbodyControl", dependencies: ["EmbodyModel"]),
        // Sensors, noise models and estimators; no Bullet here.
        .target(name: "EmbodyPerception", dependencies: ["EmbodyModel"]),
        // Inverse kinematics, trajectories and sampling-based motion planning; no Bullet here.
        .target(name: "EmbodyPlanning", dependencies: ["EmbodyModel"]),
        // Legged locomotion: walking pattern generation, footsteps, swing feet, capture points and whole-body
        // control (docs/locomotion.md); no Bullet here.
        .target(name: "EmbodyLocomotion", dependencies: ["EmbodyModel", "EmbodyControl"]),
        // Scenario files (YAML or JSON): schema, validation with source locations, overrides.
        .target(name: "EmbodyScenario", dependencies: ["EmbodyModel", .product(name: "Yams", package: "Yams")]),
        // The fixed-timestep multi-rate loop, pacing, recording, replay and summaries.
        .target(
            name: "EmbodyRuntime",
            dependencies: [
                "EmbodyModel", "EmbodyPhysics", "EmbodyScenario", "EmbodyControl", "EmbodyPerception", "EmbodyPlanning",
                "EmbodyLocomotion", .product(name: "Histogram", package: "hdrhistogram-swift"),
            ]
        ),
        // Seeing runs: the self-contained HTML viewer and the MCAP export (docs/viewer.md). The page's
        // HTML, CSS and JS live in Resources/ and are embedded as Swift strings at build time by the plugin below.
        .target(name: "EmbodyView", dependencies: ["EmbodyRuntime", "EmbodyScenario", "EmbodyModel", "EmbodyPhysics"],
                exclude: ["Resources"], plugins: ["EmbedViewerAssets"]),
        // The build-tool plugin and its tool that write EmbodyView's `ViewerAssets` from Resources/ (no committed copy).
        .executableTarget(name: "embed-viewer-assets", path: "Sources/embed-viewer-assets"),
        .plugin(name: "EmbedViewerAssets", capability: .buildTool(), dependencies: ["embed-viewer-assets"]),
        // The C ABI over EmbodyRuntime's Simulation: `@_cdecl` functions declared in include/embody.h.
        .target(name: "EmbodyC", dependencies: ["EmbodyRuntime", "EmbodyScenario", "EmbodyModel"]),
        // The command-line interface: thin commands over EmbodyRuntime, in a library so that a program of the
        // user's own can run it with its own controllers registered; `embody` is its main.swift.
        .target(
            name: "EmbodyCommandLine",
            dependencies: ["EmbodyRuntime", "EmbodyView", "EmbodyScenario", "EmbodyModel",
                           .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .executableTarget(name: "embody", dependencies: ["EmbodyCommandLine"]),
        .testTarget(name: "EmbodyModelTests", dependencies: ["EmbodyModel"]),
        .testTarget(name: "EmbodyPhysicsTests", dependencies: ["EmbodyPhysics", "EmbodyModel"]),
        .testTarget(name: "EmbodyControlTests", dependencies: ["EmbodyControl", "EmbodyModel", "CMallocCounter"]),
        .testTarget(name: "EmbodyPerceptionTests",
                    dependencies: ["EmbodyPerception", "EmbodyModel", "EmbodyPhysics", "CMallocCounter"]),
        .testTarget(name: "EmbodyPlanningTests",
                    dependencies: ["EmbodyPlanning", "EmbodyModel", "EmbodyPhysics", "CMallocCounter"]),
        .testTarget(name: "EmbodyLocomotionTests",
                    dependencies: ["EmbodyLocomotion", "EmbodyControl", "EmbodyModel", "EmbodyPhysics", "CMallocCounter"]),
        .testTarget(name: "EmbodyScenarioTests", dependencies: ["EmbodyScenario", "EmbodyModel"], exclude: ["Fixtures"]),
        // Counts the test thread's heap allocations by interposing malloc; linked into tests only.
        .target(name: "CMallocCounter", path: "Tests/CMallocCounter"),
        .testTarget(name: "EmbodyRuntimeTests",
                    dependencies: ["EmbodyRuntime", "EmbodyScenario", "EmbodyPhysics", "EmbodyControl", "CMallocCounter"]),
        // The C ABI called as C would: statuses, not traps, and an allocation-free step.
        .testTarget(name: "EmbodyCTests", dependencies: ["EmbodyC", "CMallocCounter"]),
        .testTarget(name: "EmbodyViewTests", dependencies: ["EmbodyView", "EmbodyRuntime", "EmbodyScenario", "EmbodyModel"]),
        // MARK: Control exercises (Exercises/, docs/teaching.md)
        // The student API, the exercise catalogue, the trials and the autograder.
        .target(name: "EmbodyExercises",
                dependencies: ["EmbodyRuntime", "EmbodyScenario", "EmbodyPhysics", "EmbodyControl", "EmbodyModel",
                               "EmbodyLocomotion"]),
        // `embody-exercise`: list, show, check and report; `embody exercise …` forwards to it.
        .executableTarget(name: "embody-exercise",
                          dependencies: ["EmbodyExercises", "EmbodyRuntime", .product(name: "ArgumentParser", package: "swift-argument-parser")],
                          path: "Sources/embody-exercise"),
        // The students' code: runs one trial per process for the grader.
        .executableTarget(name: "embody-exercise-runner", dependencies: ["EmbodyExercises"], path: "Exercises",
                          // Everything but the Swift sources: briefs, scenarios and the parameter-only exercise.
                          exclude: ["Reference", "README.md", "01-pd-tuning",
                                    "02-joint-pd/README.md", "02-joint-pd/scenario.yaml",
                                    "03-gravity-compensation/README.md", "03-gravity-compensation/scenario.yaml",
                                    "04-computed-torque/README.md", "04-computed-torque/scenario.yaml",
                                    "05-dls-ik/README.md", "05-dls-ik/scenario.yaml",
                                    "06-cartpole-lqr/README.md", "06-cartpole-lqr/scenario.yaml",
                                    "07-imu-tilt/README.md", "07-imu-tilt/scenario.yaml",
                                    "08-humanoid-balance/README.md", "08-humanoid-balance/scenario.yaml",
                                    "09-humanoid-walk/README.md", "09-humanoid-walk/scenario.yaml"],
                          sources: ["Runner/main.swift", "02-joint-pd/JointPD.swift",
                                    "03-gravity-compensation/GravityCompensation.swift",
                                    "04-computed-torque/ComputedTorque.swift", "05-dls-ik/DampedLeastSquaresIK.swift",
                                    "06-cartpole-lqr/CartPoleLQR.swift", "07-imu-tilt/ComplementaryFilter.swift",
                                    "08-humanoid-balance/BalanceController.swift", "09-humanoid-walk/ZMPPreview.swift"]),
    ] + (instructorEdition ? [
        // The instructor's reference solutions and the grader's tests (left out of a student handout).
        .executableTarget(name: "embody-exercise-reference", dependencies: ["EmbodyExercises"],
                          path: "Exercises/Reference",
                          exclude: ["README.md", "01-pd-tuning-gains.yaml", "01-pd-tuning-gains-saturating.yaml",
                                    "01-pd-tuning-gains-underdamped.yaml"]),
        .testTarget(name: "EmbodyExercisesTests",
                    dependencies: ["EmbodyExercises", "EmbodyPhysics", "EmbodyModel", "EmbodyLocomotion", "embody-exercise", "embody-exercise-runner",
                                   "embody-exercise-reference"]),
    ] : []),
    swiftLanguageModes: [.v6],
    cxxLanguageStandard: .cxx17
)

// MARK: Fuzzing (scripts/fuzz.sh, docs/testing.md)
// The libFuzzer harness exists only in a fuzz build (`EMBODY_FUZZ=1 swift build --sanitize=fuzzer
// --scratch-path .build-fuzz`): libFuzzer supplies its `main`, so an ordinary build must not see it.
if Context.environment["EMBODY_FUZZ"] == "1" {
    package.targets.append(.executableTarget(
        name: "embody-fuzz",
        dependencies: ["EmbodyScenario", "EmbodyModel", "EmbodyRuntime"],
        path: "Fuzz/Sources/embody-fuzz",
        swiftSettings: [.unsafeFlags(["-parse-as-library"])]))
    package.products.append(.executable(name: "embody-fuzz", targets: ["embody-fuzz"]))
}
