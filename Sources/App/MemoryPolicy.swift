// How this process asks glibc for memory. The engine's activations are tens to hundreds of megabytes; by default
// glibc maps each such block fresh from the kernel and unmaps it when freed, so every layer of every pass paid for
// zeroed pages (a quarter of a 3D click's time), and a worker thread's arena cannot hold them at all. One arena that
// keeps freed blocks lets the next pass reuse them; `release()` hands the free memory back when a job ends.

import CMalloc

public enum MemoryPolicy {
    /// Call first thing, before any thread starts: the arena limit only holds for arenas not yet made.
    public static func keepFreedBlocks() {
        mallopt(M_ARENA_MAX, 1)
        mallopt(M_MMAP_THRESHOLD, 1 << 30)
        mallopt(M_TRIM_THRESHOLD, 1 << 30)
    }

    /// Returns the free memory to the system (after a model call or a training run).
    public static func release() {
        malloc_trim(0)
    }
}
