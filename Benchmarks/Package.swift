// swift-tools-version: 6.1
// Embody's benchmark suite on package-benchmark, kept out of the main package so that `swift build` and
// `make test` stay lean. Run it with `cd Benchmarks && swift package benchmark` (docs/benchmarks.md).
import PackageDescription

let package = Package(
    name: "EmbodyBenchmarks",
    platforms: [.macOS(.v14)],
    dependencies: [
        // Only the malloc interposer trait: mallocs are a gated metric; the runtime (ARC) interposer is not needed.
        .package(url: "https://github.com/ordo-one/benchmark", .upToNextMinor(from: "1.38.1"),
                 traits: ["MallocInterposer"]),
        .package(name: "Embody", path: ".."),
    ],
    targets: [
        .executableTarget(
            name: "EmbodyBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "EmbodyRuntime", package: "Embody"),
                .product(name: "EmbodyScenario", package: "Embody"),
                .product(name: "EmbodyPhysics", package: "Embody"),
                .product(name: "EmbodyModel", package: "Embody"),
                .product(name: "EmbodyPerception", package: "Embody"),
                .product(name: "EmbodyPlanning", package: "Embody"),
                .product(name: "EmbodyControl", package: "Embody"),
                .product(name: "EmbodyLocomotion", package: "Embody"),
            ],
            path: "Benchmarks/EmbodyBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ],
    // package-benchmark's closures and setup state predate strict concurrency checking.
    swiftLanguageModes: [.v5]
)
