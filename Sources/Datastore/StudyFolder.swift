// What a study folder holds on disk, in MONAI Label's layout: images in the folder (image id = file name without
// .nii/.nii.gz), labels in labels/<tag>/<image id>.nii(.gz). Reading this never opens voxel data.

import Foundation
import Volume

public struct FileStamp: Sendable, Equatable {
    public var size: Int64
    public var modifiedAt: Double

    public init?(path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        size = Int64(info.st_size)
        modifiedAt = Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9
    }
}

/// An image file of the folder that could not become a study, and why.
public struct SkippedImage: Sendable, Equatable {
    public var name: String
    public var reason: String
}

public struct StudyFolder: Sendable {
    public struct ImageFile: Sendable, Equatable {
        public var imageId: String
        public var relativePath: String
        public var stamp: FileStamp
    }

    public struct LabelFile: Sendable, Equatable {
        public var tag: String
        public var imageId: String
        public var path: String
        public var stamp: FileStamp
    }

    public var images: [ImageFile] = []
    public var labels: [LabelFile] = []
    /// Things the user should hear about (duplicate ids, labels without images, unreadable entries).
    public var problems: [String] = []
    /// Image files that cannot be studies, with why (shown in the study list as unreadable).
    public var skippedImages: [SkippedImage] = []

    public static func imageId(of name: String) -> String? {
        if name.hasSuffix(".nii.gz") { return String(name.dropLast(7)) }
        if name.hasSuffix(".nii") { return String(name.dropLast(4)) }
        return nil
    }

    /// Why an entry cannot be a study's file, if it cannot: a name that would become a path, something other than a
    /// regular file (a FIFO would hang the reader), a link that leaves the folder.
    public static func refusal(_ path: String, name: String, inside root: String) -> String? {
        if name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) { return "its name has control characters" }
        var info = stat()
        guard stat(path, &info) == 0 else { return "unreadable (\(String(cString: strerror(errno))))" }
        guard info.st_mode & S_IFMT == S_IFREG else { return "not a regular file" }
        guard let resolved = realpath(path, nil) else { return "unreadable (\(String(cString: strerror(errno))))" }
        defer { free(resolved) }
        let target = String(cString: resolved)
        guard target.hasPrefix(root + "/") else { return "a link to \(target), outside the folder" }
        return nil
    }

    /// Why a folder cannot be listed (strerror), or nil where it can.
    static func unlistable(_ folder: String) -> String? {
        guard let directory = opendir(folder) else { return String(cString: strerror(errno)) }
        closedir(directory)
        return nil
    }

    public init(folder: String) throws {
        let manager = FileManager.default
        if let reason = StudyFolder.unlistable(folder) { throw DatastoreError.unreadableFolder(path: folder, reason: reason) }
        let names = try manager.contentsOfDirectory(atPath: folder).sorted()
        let root = realpath(folder, nil).map { pointer in defer { free(pointer) }; return String(cString: pointer) } ?? folder
        var seen: [String: String] = [:]
        for name in names where !name.hasPrefix(".") {
            guard let id = StudyFolder.imageId(of: name) else { continue }
            if let refusal = StudyFolder.refusal(folder + "/" + name, name: name, inside: root) {
                problems.append("\(TerminalText.escaped(name)): \(refusal); skipped")
                skippedImages.append(SkippedImage(name: name, reason: refusal))
                continue
            }
            guard let stamp = FileStamp(path: folder + "/" + name) else { continue }
            if let other = seen[id] {
                problems.append("\(name): the image id \"\(id)\" is taken by \(other); skipped")
                continue
            }
            seen[id] = name
            images.append(ImageFile(imageId: id, relativePath: name, stamp: stamp))
        }
        let labelRoot = folder + "/labels"
        var isDirectory: ObjCBool = false
        guard manager.fileExists(atPath: labelRoot, isDirectory: &isDirectory), isDirectory.boolValue else { return }
        // Label files that cannot be listed are not registered; what is registered stays (nothing is marked gone).
        if let reason = StudyFolder.unlistable(labelRoot) {
            problems.append("labels: cannot read the folder (\(reason)); its label files were not looked at")
            return
        }
        for tag in try manager.contentsOfDirectory(atPath: labelRoot).sorted() where !tag.hasPrefix(".") {
            guard manager.fileExists(atPath: labelRoot + "/" + tag, isDirectory: &isDirectory), isDirectory.boolValue else { continue }
            if let reason = StudyFolder.unlistable(labelRoot + "/" + tag) {
                problems.append("labels/\(TerminalText.escaped(tag)): cannot read the folder (\(reason)); its label files were not looked at")
                continue
            }
            for name in try manager.contentsOfDirectory(atPath: labelRoot + "/" + tag).sorted() where !name.hasPrefix(".") {
                guard let id = StudyFolder.imageId(of: name) else { continue }
                let path = labelRoot + "/" + tag + "/" + name
                guard seen[id] != nil else {
                    problems.append("labels/\(TerminalText.escaped(tag))/\(TerminalText.escaped(name)): no image \"\(TerminalText.escaped(id))\" in the folder; skipped")
                    continue
                }
                if let refusal = StudyFolder.refusal(path, name: name, inside: root) {
                    problems.append("labels/\(TerminalText.escaped(tag))/\(TerminalText.escaped(name)): \(refusal); skipped")
                    continue
                }
                if let stamp = FileStamp(path: path) { labels.append(LabelFile(tag: tag, imageId: id, path: path, stamp: stamp)) }
            }
        }
    }
}
