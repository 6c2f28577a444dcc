//! Small, dense, reused thread ids: the key that gives a thread its shard.
//!
//! A thread takes an id the first time it touches a concurrent store: the lowest id no
//! live thread holds (so ids stay dense), else the next one from a counter. It keeps the
//! id in a thread-local and gives it back when the thread exits, so a later thread reuses
//! it and, with it, the shard each store assigned to that id.
//!
//! # Invariant
//!
//! At any moment at most one live thread holds a given id. A thread whose thread-locals
//! are being destroyed has given its id back (or is about to): [`current`] returns `None`
//! for it, and stores send such a thread to their shared, locked path.
//!
//! The registry's mutex orders a hand-back before the next take of the same id, so
//! everything the old thread wrote to its shard happens-before the new thread reads it.

use alloc::vec::Vec;

use super::{thread_local, Mutex};

#[derive(Debug)]
struct Registry {
    /// Ids given back by exited threads.
    free: Vec<u32>,
    /// Ids handed out so far.
    next: u32,
}

#[cfg(not(loom))]
static REGISTRY: Mutex<Registry> = Mutex::new(Registry {
    free: Vec::new(),
    next: 0,
});

#[cfg(loom)]
loom::lazy_static! {
    static ref REGISTRY: Mutex<Registry> = Mutex::new(Registry { free: Vec::new(), next: 0 });
}

fn with_registry<R>(f: impl FnOnce(&mut Registry) -> R) -> R {
    // A panic cannot happen while the lock is held (a push or a pop), so a poisoned lock
    // still holds a consistent registry.
    let mut guard = match REGISTRY.lock() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    };
    f(&mut guard)
}

/// A thread's id; given back when the thread-local is destroyed.
#[derive(Debug)]
struct Tid(u32);

impl Tid {
    #[cold]
    fn take() -> Tid {
        with_registry(|r| {
            if let Some((i, _)) = r.free.iter().enumerate().min_by_key(|(_, id)| **id) {
                return Tid(r.free.swap_remove(i));
            }
            let id = r.next;
            // 2^32 threads alive at once cannot exist; saturate rather than wrap so an id
            // is never handed out twice.
            r.next = r.next.saturating_add(1);
            Tid(id)
        })
    }
}

impl Drop for Tid {
    fn drop(&mut self) {
        if self.0 != u32::MAX {
            with_registry(|r| r.free.push(self.0));
        }
    }
}

thread_local! {
    static TID: Tid = Tid::take();
}

/// The calling thread's id, or `None` while its thread-locals are being destroyed.
#[inline]
pub(crate) fn current() -> Option<u32> {
    TID.try_with(|t| t.0).ok()
}
