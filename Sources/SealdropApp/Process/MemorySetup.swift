#if canImport(Glibc)
import Glibc
#endif

/// Process-wide allocator settings for a server that moves files in 1 MiB segments.
///
/// glibc serves blocks of 128 KiB and more with `mmap` and returns them at once, so every segment
/// sealed or opened costs fresh page faults; measured, that made encryption 4–5× slower than the
/// cipher allows. Serving them from the heap and trimming it only above 32 MiB keeps those pages in
/// use while memory stays bounded by the number of segments in flight.
enum MemorySetup {
    /// glibc's `M_TRIM_THRESHOLD` and `M_MMAP_THRESHOLD` (malloc.h, which the Glibc module does not export).
    static let trimThreshold: Int32 = -1
    static let mmapThreshold: Int32 = -3
    /// glibc's `M_ARENA_MAX`.
    static let arenaMax: Int32 = -8

    /// Applies the settings unless `SEALDROP_MALLOC_TUNING=off` (kept for side-by-side measurements).
    static func tune() {
        if getenv("SEALDROP_MALLOC_TUNING").map({ String(cString: $0) }) == "off" { return }
        #if canImport(Glibc)
        // Looked up at run time: `mallopt` is glibc-specific and not part of the Swift Glibc module.
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }
        let mallopt = unsafeBitCast(symbol, to: (@convention(c) (Int32, Int32) -> Int32).self)
        _ = mallopt(mmapThreshold, 8 << 20)
        _ = mallopt(trimThreshold, 32 << 20)
        // Each extra arena keeps its own free segments: with 500 concurrent downloads on 2 cores, 2 arenas
        // instead of glibc's 8 per core lowered peak RSS by about 70 MiB at the same throughput.
        _ = mallopt(arenaMax, 2)
        #endif
    }
}
