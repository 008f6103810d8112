// swift-tools-version: 6.0
// TermLabel: AI-assisted annotation of 3D medical images in the terminal.
import PackageDescription

// The tests run a debug build, where the modules that do the arithmetic (volumes, cuts, networks, training and its
// validation) would run ten to twenty times slower than released; they are optimised in debug builds too, which keeps
// the tests that segment, train and answer clicks as they are served within the suite's time.
let optimisedInDebug: [SwiftSetting] = [.unsafeFlags(["-O"], .when(configuration: .debug))]

let package = Package(
    name: "TermLabel",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "termlabel", targets: ["termlabel"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
        .package(url: "https://github.com/apple/swift-nio", exact: "2.101.3"),
    ],
    targets: [
        // Tier 0: system-library shims. nifti2_io.h includes <znzlib.h> with angle brackets, so CNifti is a
        // small C target whose include/ folder forwards both headers (a system-library target cannot add a path).
        .target(
            name: "CNifti",
            linkerSettings: [.linkedLibrary("nifti2"), .linkedLibrary("znz"), .linkedLibrary("z"), .linkedLibrary("m")]
        ),
        .systemLibrary(name: "CDeflate"),
        .systemLibrary(name: "COpenBLAS"),
        .systemLibrary(name: "CNCursesW"),

        // Tier 1
        .target(name: "Volume", dependencies: ["CNifti", "CDeflate", "Parallelism"],
                swiftSettings: optimisedInDebug),
        .target(name: "Cells"),
        .target(name: "Randomness"),
        .target(name: "Parallelism"),

        // Tier 2
        .target(name: "Segmenters", dependencies: ["Volume", "Parallelism", "Randomness", "CGeodesicKernels"],
                swiftSettings: optimisedInDebug),
        .target(name: "CGeodesicKernels"),
        .target(name: "CConvKernels", cSettings: [.unsafeFlags(["-O2"], .when(configuration: .debug))]),
        .target(name: "Engine", dependencies: ["COpenBLAS", "CConvKernels", "Randomness", "Parallelism"],
                swiftSettings: optimisedInDebug),
        .target(name: "EngineTesting", dependencies: ["Engine", "Randomness"]),
        .target(name: "Render", dependencies: ["Volume", "Cells"]),
        .target(name: "Terminal", dependencies: ["Cells", "CNCursesW", "CTerminalGuard", "CDeflate", "Parallelism"]),
        .target(name: "CTerminalGuard"),

        // Tier 3
        .target(name: "TUI", dependencies: ["Render", "Cells", "Volume", "Segmenters", "Datastore", "Learning"]),
        .target(name: "Datastore", dependencies: ["Volume", .product(name: "GRDB", package: "GRDB.swift")]),
        .target(name: "Learning", dependencies: ["Engine", "Volume", "Segmenters", "Randomness"],
                swiftSettings: optimisedInDebug),

        // Test support
        .target(name: "VolumeTesting", dependencies: ["Volume", "Randomness"]),
        .target(name: "CellsTesting", dependencies: ["Cells", "CDeflate"]),
        // Synthetic training studies (random shapes, contrasts and acquisitions) for models that must generalise.
        .target(name: "Synthesis", dependencies: ["Volume", "VolumeTesting", "Randomness"]),
        .target(name: "ServerTesting"),

        // Tier 4: the application, driven by any console (the terminal, or memory in tests).
        .target(name: "CMalloc"),
        .target(name: "App", dependencies: ["TUI", "Cells", "Render", "Volume", "Segmenters", "Datastore", "Learning", "CMalloc"]),

        // Tier 4: MONAI Label's REST API over the same study list (SwiftNIO's HTTP/1.1; the routes are plain Swift).
        .target(name: "Server", dependencies: [
            "App", "Datastore", "Volume", "Segmenters", "Learning",
            .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ]),

        // Tier 5: the command line. Option groups and the error policy shared by the verbs; the benchmarks and
        // evaluations; the executable, one verb per file.
        .target(name: "CommandOptions", dependencies: [
            "Cells", "Datastore", "Segmenters", "Volume", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .target(name: "Benchmarks", dependencies: [
            "CommandOptions", "App", "Server", "ServerTesting", "Volume", "VolumeTesting", "Segmenters", "Datastore", "Render", "Cells", "Terminal", "Engine",
            "Learning", "CMalloc", "Randomness", .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(
            name: "termlabel",
            dependencies: [
                "App", "Server", "Benchmarks", "CommandOptions", "Volume", "VolumeTesting", "Synthesis", "Segmenters", "Datastore", "TUI", "Terminal", "Render",
                "Cells", "Learning", .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // VolumeTests and termlabelTests read their fixtures by path (#filePath): they are no resources.
        .testTarget(name: "VolumeTests", dependencies: ["Volume", "VolumeTesting", "Randomness"], exclude: ["Fixtures"]),
        .testTarget(name: "VolumeTestingTests", dependencies: ["Volume", "VolumeTesting"]),
        .testTarget(name: "SynthesisTests", dependencies: ["Synthesis", "Volume", "Segmenters"]),
        .testTarget(name: "EngineTests", dependencies: ["Randomness", "Engine", "EngineTesting"], resources: [.copy("Fixtures")]),
        .testTarget(name: "LearningTests", dependencies: ["Randomness", "Learning", "Engine", "Volume", "VolumeTesting", "Segmenters"]),
        .testTarget(name: "SegmentersTests", dependencies: ["Randomness", "Segmenters", "Volume", "VolumeTesting"],
                    resources: [.copy("Fixtures")]),
        .testTarget(name: "CellsTests", dependencies: ["Cells"]),
        .testTarget(name: "RenderTests", dependencies: ["Render", "Cells", "Volume"]),
        .testTarget(name: "TerminalTests", dependencies: ["Terminal", "Cells", "CellsTesting"]),
        .testTarget(name: "TUITests", dependencies: ["TUI", "Render", "Cells", "Volume", "VolumeTesting", "Datastore"]),
        .testTarget(name: "DatastoreTests", dependencies: ["Randomness", "Datastore", "Volume", "VolumeTesting"]),
        .testTarget(name: "AppTests", dependencies: ["App", "TUI", "Cells", "CellsTesting", "Datastore", "Volume", "VolumeTesting", "Learning", "Segmenters", "Engine"]),
        .testTarget(name: "ServerTests", dependencies: ["Server", "ServerTesting", "App", "Datastore", "Volume", "VolumeTesting", "Learning"]),
        // The executable's tests run it as a child process (it is a dependency so that it is built first).
        .testTarget(name: "termlabelTests", dependencies: ["termlabel", "datastore-stress", "Volume", "Datastore", "VolumeTesting", "CellsTesting", "Learning", "ServerTesting"], exclude: ["Fixtures"]),
        // The fuzz targets (Tests/Fuzz/README.md), their libFuzzer program, and the replay of their corpus.
        .target(name: "FuzzTargets", dependencies: ["Volume", "Engine", "Learning", "TUI", "Server"], path: "Tests/FuzzTargets"),
        .executableTarget(name: "termlabel-fuzz", dependencies: ["FuzzTargets"], path: "Tests/Fuzz", exclude: ["README.md"]),
        .testTarget(name: "FuzzRegressionTests", dependencies: ["FuzzTargets"], resources: [.copy("Corpus")]),
        // A child process for the crash tests of the study list.
        .executableTarget(name: "datastore-stress", dependencies: ["Datastore", "Volume", "Randomness"], path: "Tests/DatastoreStress"),
    ],
    swiftLanguageModes: [.v6]
)
