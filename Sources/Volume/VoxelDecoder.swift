// Raw NIfTI voxel bytes (any supported type, either byte order) → scaled Float32. The loops are specialised
// per type because this is the whole cost of loading an uncompressed file.

struct VoxelDecoder {
    let type: VoxelType
    let swapped: Bool
    let scaling: (slope: Double, inter: Double)

    func decode(_ source: UnsafeRawBufferPointer, into target: UnsafeMutablePointer<Float>, count: Int) {
        switch type {
        case .uint8: convert(source, target, count, UInt8.self)
        case .int8: convert(source, target, count, Int8.self)
        case .int16: convert(source, target, count, Int16.self)
        case .uint16: convert(source, target, count, UInt16.self)
        case .int32: convert(source, target, count, Int32.self)
        case .uint32: convert(source, target, count, UInt32.self)
        case .int64: convert(source, target, count, Int64.self)
        case .uint64: convert(source, target, count, UInt64.self)
        case .float32:
            for n in 0..<count {
                let bits = source.loadUnaligned(fromByteOffset: n * 4, as: UInt32.self)
                target[n] = Float(bitPattern: swapped ? bits.byteSwapped : bits)
            }
            scale(target, count)
        case .float64:
            let (slope, inter) = scaling
            for n in 0..<count {
                let bits = source.loadUnaligned(fromByteOffset: n * 8, as: UInt64.self)
                target[n] = Float(Double(bitPattern: swapped ? bits.byteSwapped : bits) * slope + inter)
            }
        }
    }

    @inline(__always)
    private func convert<T: FixedWidthInteger>(_ source: UnsafeRawBufferPointer, _ target: UnsafeMutablePointer<Float>,
                                               _ count: Int, _: T.Type) {
        let size = MemoryLayout<T>.size
        let (slope, inter) = scaling
        if slope == 1 && inter == 0 {
            if swapped {
                for n in 0..<count { target[n] = Float(source.loadUnaligned(fromByteOffset: n * size, as: T.self).byteSwapped) }
            } else {
                for n in 0..<count { target[n] = Float(source.loadUnaligned(fromByteOffset: n * size, as: T.self)) }
            }
        } else {
            for n in 0..<count {
                let v = source.loadUnaligned(fromByteOffset: n * size, as: T.self)
                target[n] = Float(Double(swapped ? v.byteSwapped : v) * slope + inter)
            }
        }
    }

    private func scale(_ target: UnsafeMutablePointer<Float>, _ count: Int) {
        let (slope, inter) = scaling
        guard slope != 1 || inter != 0 else { return }
        for n in 0..<count { target[n] = Float(Double(target[n]) * slope + inter) }
    }
}
