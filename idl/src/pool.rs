//! The threads the front end runs on.
//!
//! Parsing, lowering and checking recurse once or more per level of nesting of the input.
//! The parser bounds that nesting (200 levels) before it starts, but an unoptimized build
//! spends up to about 20 KiB of stack per level of some constructs (encapsulated unions),
//! more in all than the 2 MiB that spawned threads and rayon's workers get by default. So
//! the front end does its work on a rayon pool of its own whose threads have
//! [`STACK_SIZE`] bytes of stack (address space only: pages are committed as they are used).
//! Work started on a thread of that pool stays there; work started elsewhere moves there for
//! its duration.

use std::sync::OnceLock;

/// Stack of each front-end thread: room for the deepest accepted input in any build profile.
const STACK_SIZE: usize = 32 << 20;

/// The pool, or `None` when its threads could not be started (then work runs on the calling
/// thread).
fn pool() -> Option<&'static rayon::ThreadPool> {
    static POOL: OnceLock<Option<rayon::ThreadPool>> = OnceLock::new();
    POOL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .stack_size(STACK_SIZE)
            .thread_name(|i| format!("mobsync-idl-{i}"))
            .build()
            .ok()
    })
    .as_ref()
}

/// Runs `f` on the front end's threads (inline when already on one) and returns its result;
/// rayon's parallel iterators in `f` run there too. A tool that works on a loaded compilation
/// file by file in parallel (as `mobsync-idl rust --out-dir` does) runs on the threads that
/// loaded it: the deep stacks the model's recursive walks need, and the memory the load freed
/// (each thread's allocator reuses its own), with no second pool.
pub fn run<R: Send>(f: impl FnOnce() -> R + Send) -> R {
    match pool() {
        Some(pool) => pool.install(f),
        None => f(),
    }
}
