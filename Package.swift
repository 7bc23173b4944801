// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "Embody",
    products: [
        .library(name: "EmbodyModel", targets: ["EmbodyModel"]),
        .library(name: "EmbodyPhysics", targets: ["EmbodyPhysics"]),
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
        .target(name: "EmbodyModel"),
        .target(name: "EmbodyPhysics", dependencies: ["EmbodyModel", "CBullet"]),
        .testTarget(name: "EmbodyModelTests", dependencies: ["EmbodyModel"]),
        .testTarget(name: "EmbodyPhysicsTests", dependencies: ["EmbodyPhysics", "EmbodyModel"]),
    ],
    swiftLanguageModes: [.v6],
    cxxLanguageStandard: .cxx17
)
