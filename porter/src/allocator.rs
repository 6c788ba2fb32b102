//! The process's allocator, and what has it give memory back when the server goes quiet.
//!
//! mimalloc gives memory back to the system after it is freed; with glibc's malloc a burst
//! of SIP traffic left its peak in RSS for good (docs/BENCHMARKS.md, "SIP memory"). It is
//! built with `no_thp` (Cargo.toml): on transparent huge pages each piece of memory given
//! back and touched again cost a 2 MiB page clear, a third of the CPU of a call burst.

use std::time::Duration;

use porter_edge::CancellationToken;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// How often the allocator is reminded to give back what was freed since.
const REMIND_EVERY: Duration = Duration::from_secs(5);

/// Past mimalloc's largest "large" size (512 KiB): a block with a page of its own.
const OWN_PAGE_BLOCK: usize = 1 << 20;

/// mimalloc returns freed memory a delay after it is freed (1 s), but only when a later page
/// is freed: when traffic stops, the end of a burst stays in RSS until traffic comes back.
/// Freeing a block with a page of its own is such an event, and costs nothing else (its
/// memory is never touched). The alternative, `mi_collect`, is a foreign call, and this
/// workspace forbids unsafe code.
pub async fn give_memory_back(shutdown: CancellationToken) {
    loop {
        tokio::select! {
            () = tokio::time::sleep(REMIND_EVERY) => {}
            () = shutdown.cancelled() => return,
        }
        drop(std::hint::black_box(Vec::<u8>::with_capacity(
            OWN_PAGE_BLOCK,
        )));
    }
}
