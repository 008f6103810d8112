// swift-tools-version: 6.0
// TermLabel: AI-assisted annotation of 3D medical images in the terminal.
import PackageDescription

let package = Package(
    name: "TermLabel",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "termlabel", targets: ["termlabel"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", exact: "0.6.0"),
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
        .target(name: "Volume", dependencies: ["CNifti", "CDeflate"]),
        .target(name: "Cells"),

        // Tier 2
        .target(name: "Segmenters", dependencies: ["Volume"]),
        .target(name: "CConvKernels"),
        .target(name: "Engine", dependencies: ["COpenBLAS", "CConvKernels"]),
        .target(name: "EngineTesting", dependencies: ["Engine"]),
        .target(name: "Render", dependencies: ["Volume", "Cells"]),
        .target(name: "Terminal", dependencies: ["Cells", "CNCursesW", "CTerminalGuard"]),
        .target(name: "CTerminalGuard"),

        // Tier 3
        .target(name: "TUI", dependencies: ["Render", "Cells", "Volume", "Segmenters", "Datastore", "TOMLKit"]),
        .target(name: "Datastore", dependencies: ["Volume", .product(name: "GRDB", package: "GRDB.swift")]),
        .target(name: "Learning", dependencies: ["Engine", "Volume", "Segmenters"]),

        // Test support
        .target(name: "VolumeTesting", dependencies: ["Volume"]),
        .target(name: "CellsTesting", dependencies: ["Cells"]),

        // Tier 4
        .target(name: "CMalloc"),
        .executableTarget(
            name: "termlabel",
            dependencies: [
                "Volume", "VolumeTesting", "Segmenters", "Datastore", "TUI", "Terminal", "Render", "Cells", "Engine", "Learning", "CMalloc",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        .testTarget(name: "VolumeTests", dependencies: ["Volume", "VolumeTesting"]),
        .testTarget(name: "VolumeTestingTests", dependencies: ["Volume", "VolumeTesting"]),
        .testTarget(name: "EngineTests", dependencies: ["Engine", "EngineTesting"], resources: [.copy("Fixtures")]),
        .testTarget(name: "LearningTests", dependencies: ["Learning", "Engine", "Volume", "VolumeTesting", "Segmenters"]),
        .testTarget(name: "SegmentersTests", dependencies: ["Segmenters", "Volume", "VolumeTesting"]),
        .testTarget(name: "CellsTests", dependencies: ["Cells"]),
        .testTarget(name: "RenderTests", dependencies: ["Render", "Cells", "Volume"]),
        .testTarget(name: "TerminalTests", dependencies: ["Terminal", "Cells", "CellsTesting"]),
        .testTarget(name: "TUITests", dependencies: ["TUI", "Render", "Cells", "Volume", "VolumeTesting", "Datastore"]),
        .testTarget(name: "DatastoreTests", dependencies: ["Datastore", "Volume", "VolumeTesting"]),
        .testTarget(name: "termlabelTests", dependencies: ["termlabel", "datastore-stress", "Volume", "Datastore", "VolumeTesting", "CellsTesting", "Learning"]),
        // A child process for the crash tests of the study list.
        .executableTarget(name: "datastore-stress", dependencies: ["Datastore", "Volume"], path: "Tests/DatastoreStress"),
    ],
    swiftLanguageModes: [.v6]
)
