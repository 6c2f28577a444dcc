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

use super::lock::{LockStats, StatMutex};
use super::thread_local;

#[derive(Debug)]
struct Registry {
    /// Ids given back by exited threads.
    free: Vec<u32>,
    /// Ids handed out so far.
    next: u32,
}

#[cfg(not(loom))]
static REGISTRY: StatMutex<Registry> = StatMutex::new(Registry {
    free: Vec::new(),
    next: 0,
});

#[cfg(not(loom))]
type RegistryRef = &'static StatMutex<Registry>;

#[cfg(not(loom))]
fn registry() -> RegistryRef {
    &REGISTRY
}

// Under loom the registry is a model-scoped lazy static; a thread's id keeps its own
// reference to it, because the model tears its statics down before the main thread's
// thread-locals.
#[cfg(loom)]
type RegistryRef = loom::sync::Arc<StatMutex<Registry>>;

#[cfg(loom)]
loom::lazy_static! {
    static ref REGISTRY: RegistryRef =
        loom::sync::Arc::new(StatMutex::new(Registry { free: Vec::new(), next: 0 }));
}

#[cfg(loom)]
fn registry() -> RegistryRef {
    REGISTRY.clone()
}

fn with_registry<R>(registry: &RegistryRef, f: impl FnOnce(&mut Registry) -> R) -> R {
    // A panic cannot happen while the lock is held (a push or a pop), so a poisoned lock
    // still holds a consistent registry (`StatMutex` takes it as it is).
    let mut guard = registry.lock();
    f(&mut guard)
}

/// What the registry's lock has cost the process so far (it is taken when a thread first
/// uses a concurrent store and when it exits).
pub(crate) fn lock_stats() -> LockStats {
    registry().stats()
}

/// A thread's id; given back when the thread-local is destroyed.
#[derive(Debug)]
struct Tid {
    /// `u32::MAX` once given back.
    id: core::cell::Cell<u32>,
    /// The last store this thread asked [`lookup`] about, and what it remembered for it:
    /// `(store instance, value)`; instance 0 is none.
    cache: core::cell::Cell<(u64, u32)>,
    registry: RegistryRef,
}

impl Tid {
    #[cold]
    fn take() -> Tid {
        let registry = registry();
        let id = with_registry(&registry, |r| {
            if let Some((i, _)) = r.free.iter().enumerate().min_by_key(|(_, id)| **id) {
                return r.free.swap_remove(i);
            }
            let id = r.next;
            // 2^32 threads alive at once cannot exist; saturate rather than wrap so an id
            // is never handed out twice (`u32::MAX` is never given back).
            r.next = r.next.saturating_add(1);
            id
        });
        Tid {
            id: core::cell::Cell::new(id),
            cache: core::cell::Cell::new((0, 0)),
            registry,
        }
    }

    fn give_back(&self) {
        // What was remembered under the old id must not outlive it.
        self.cache.set((0, 0));
        let id = self.id.replace(u32::MAX);
        if id != u32::MAX {
            with_registry(&self.registry, |r| r.free.push(id));
        }
    }
}

impl Drop for Tid {
    fn drop(&mut self) {
        // Loom drops thread-locals outside its model, where its mutex cannot be used: a
        // model gives its threads' ids back with `give_back_current` instead.
        #[cfg(not(loom))]
        self.give_back();
    }
}

thread_local! {
    static TID: Tid = Tid::take();
}

/// What [`lookup`] found for the calling thread.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Lookup {
    /// The value remembered for this store.
    Hit(u32),
    /// Nothing remembered for this store; the thread's id.
    Miss(u32),
    /// The thread's thread-locals are being destroyed (its id is given back or about to
    /// be).
    Gone,
}

/// Looks up what the calling thread remembered for the store with process-unique
/// `instance` (see [`remember`]): one thread-local read on the fast path.
#[inline]
pub(crate) fn lookup(instance: u64) -> Lookup {
    TID.try_with(|t| {
        let (key, value) = t.cache.get();
        if key == instance {
            Lookup::Hit(value)
        } else {
            match t.id.get() {
                u32::MAX => Lookup::Gone,
                id => Lookup::Miss(id),
            }
        }
    })
    .unwrap_or(Lookup::Gone)
}

/// Remembers `value` for the store `instance` in the calling thread (one store at a time;
/// forgotten when the thread gives its id back).
#[inline]
pub(crate) fn remember(instance: u64, value: u32) {
    let _ = TID.try_with(|t| {
        if t.id.get() != u32::MAX {
            t.cache.set((instance, value));
        }
    });
}

/// A process-unique, never reused, non-zero number for a new store (the key of
/// [`lookup`]; ids can repeat, instances cannot).
pub(crate) fn new_instance() -> u64 {
    static NEXT: crate::sync::process::AtomicU64 = crate::sync::process::AtomicU64::new(1);
    NEXT.fetch_add(1, crate::sync::process::Ordering::Relaxed)
}

/// Gives the calling thread's id back as its exit would (for loom models, whose
/// thread-locals are dropped outside the model). The thread uses shared paths from then on.
#[cfg(loom)]
pub(crate) fn give_back_current() {
    let _ = TID.try_with(Tid::give_back);
}
