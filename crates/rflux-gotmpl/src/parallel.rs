//! Work spread over the machine's cores: an order-preserving parallel map for the
//! independent steps of rendering a chart (parsing each template, parsing each rendered
//! document).

use std::sync::atomic::{AtomicUsize, Ordering};

/// Most threads used.
const MAX_THREADS: usize = 4;

/// Stack of a helper thread: as much as a main thread has, since the template parser
/// recurses into nested pipelines.
const STACK: usize = 8 << 20;

/// `items.iter().map(f).collect()`, with the calls spread over up to [`MAX_THREADS`]
/// threads (this one included). If no thread can be started, everything runs here.
pub fn parallel_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(MAX_THREADS)
        .min(items.len());
    if workers <= 1 {
        return items.iter().map(&f).collect();
    }
    let next = AtomicUsize::new(0);
    let work = || {
        let mut done = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(item) = items.get(i) else { break };
            done.push((i, f(item)));
        }
        done
    };
    let mut all = std::thread::scope(|s| {
        let helpers: Vec<_> = (1..workers)
            .filter_map(|_| std::thread::Builder::new().stack_size(STACK).spawn_scoped(s, work).ok())
            .collect();
        let mut all = work();
        for h in helpers {
            match h.join() {
                Ok(done) => all.extend(done),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        all
    });
    all.sort_by_key(|(i, _)| *i);
    all.into_iter().map(|(_, r)| r).collect()
}
