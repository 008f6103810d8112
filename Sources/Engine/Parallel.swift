// Elementwise work, norms, pooling, im2col and conv tiles split across the cores. While the engine's threads run
// GEMMs, OpenBLAS's own threads are off (`BLAS.singleThreaded`); a lone large GEMM uses them.

import Dispatch
import Foundation
import Parallelism

enum Parallel {
    static let cores = max(1, ProcessInfo.processInfo.activeProcessorCount)

    /// Runs `body` on disjoint ranges covering 0..<count, one per core, when the work is worth splitting.
    static func forRanges(_ count: Int, minimumPerThread: Int = 4096, _ body: (Range<Int>) -> Void) {
        let threads = min(cores, max(1, count / max(minimumPerThread, 1)))
        if threads <= 1 {
            if count > 0 { body(0..<count) }
            return
        }
        withoutActuallyEscaping(body) { body in
            let shared = UncheckedBox(body)
            DispatchQueue.concurrentPerform(iterations: threads) { t in
                let start = count * t / threads, end = count * (t + 1) / threads
                if start < end { shared.value(start..<end) }
            }
        }
    }

    /// An array of `count` values filled on every core: `body` writes the values of its range through the pointer.
    /// The loop lives in the caller's closure, so that it is compiled (and vectorised) with the op it does. (Each
    /// thread writes through one pointer taken before the threads start: an array must never be borrowed mutably
    /// from two threads at once.)
    static func fill(_ count: Int, _ body: (Range<Int>, UnsafeMutablePointer<Float>) -> Void) -> [Float] {
        [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            let box = UncheckedBox(buffer.baseAddress)
            forRanges(count) { range in if let out = box.value { body(range, out) } }
            initialized = count
        }
    }

    /// Runs `body` for each index in 0..<count, spread over the cores.
    static func forEach(_ count: Int, _ body: (Int) -> Void) {
        forRanges(count, minimumPerThread: 1) { range in for i in range { body(i) } }
    }
}

