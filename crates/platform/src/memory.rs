//! The allocator settings that keep the server's memory near its working set (glibc only;
//! elsewhere these do nothing).

/// Caps glibc's malloc arenas at two, unless `MALLOC_ARENA_MAX` says otherwise. glibc gives
/// each thread that allocates under contention an arena of its own, up to eight per core, and
/// keeps their freed pages: with the blocking pool's threads each parsing a KPI batch, peak
/// memory rose by 30 MB and more over a run of batches. With two arenas it stays near the idle
/// figure at the same ingest rate; with one, reads under load lost a fifth of their rate
/// (benches/README.md, "Memory").
pub fn limit_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
        // SAFETY: mallopt only sets an allocator parameter; it is called before any thread is
        // started, and a refusal (return value 0) leaves glibc's default in place.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, 2);
        }
    }
}

/// Hands the allocator's free pages back to the system. Called after a worker has generated
/// (and dropped) the OpenAPI document while registering its routes: glibc would otherwise keep
/// those pages in that thread's arena, some 14 MB a worker.
pub fn release_free() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only returns free memory to the system; it touches no live block.
    unsafe {
        libc::malloc_trim(0);
    }
}
