//! The thread-locals of a thread-caching allocator ([`SmallPool`](crate::SmallPool)): which
//! store and which of its shards the thread used last, and the references it holds, given
//! back by a hook when the thread exits.
//!
//! The pointers are opaque here (`*const ()`); the store that sets them says what they
//! are and keeps them valid (see `small_pool::shard`).
//!
//! Both thread-locals are `const`-initialised: touching them never allocates, so an
//! allocator may use them. `FAST` has no destructor and can be read at any time, also
//! while the thread's other thread-locals are destroyed; `EXIT` runs the hook once for
//! each entry when the thread exits (under loom, models call [`exit_thread`] instead,
//! because loom drops thread-locals outside its model).

use core::cell::Cell;
use core::ptr;

use super::thread_local;

/// How many stores a thread can hold entries for at once.
pub(crate) const ENTRIES: usize = 4;

/// `Fast::index` when the thread has no shard in the cached store.
pub(crate) const NO_INDEX: u16 = u16::MAX - 1;

/// What the thread used last.
#[derive(Debug)]
pub(crate) struct Fast {
    /// The store (null if none).
    pub(crate) key: Cell<*const ()>,
    /// Its shard for this thread (null if none).
    pub(crate) value: Cell<*const ()>,
    /// The shard's index, or [`NO_INDEX`].
    pub(crate) index: Cell<u16>,
    /// Slow-path calls since the thread last retried taking a shard.
    pub(crate) misses: Cell<u32>,
}

impl Fast {
    const fn new() -> Self {
        Fast {
            key: Cell::new(ptr::null()),
            value: Cell::new(ptr::null()),
            index: Cell::new(NO_INDEX),
            misses: Cell::new(0),
        }
    }

    /// Forgets the cached store.
    pub(crate) fn clear(&self) {
        self.key.set(ptr::null());
        self.value.set(ptr::null());
        self.index.set(NO_INDEX);
    }
}

/// Called for each entry when the thread exits: `(store, shard)`.
pub(crate) type LeaveFn = unsafe fn(*const (), *const ());

/// The thread's entries, and the hook that gives them back.
#[derive(Debug)]
pub(crate) struct Exit {
    /// `(store, shard)`; a null store is a free entry.
    pub(crate) entries: [Cell<(*const (), *const ())>; ENTRIES],
    /// The thread is registering an entry or has exited: use shared paths.
    pub(crate) closed: Cell<bool>,
    /// Set by the store when it adds an entry.
    pub(crate) leave: Cell<Option<LeaveFn>>,
}

impl Exit {
    const fn new() -> Self {
        Exit {
            entries: [const { Cell::new((ptr::null(), ptr::null())) }; ENTRIES],
            closed: Cell::new(false),
            leave: Cell::new(None),
        }
    }

    /// Closes the thread's cache and runs the hook for every entry.
    pub(crate) fn leave_all(&self) {
        self.closed.set(true);
        let _ = FAST.try_with(Fast::clear);
        let Some(leave) = self.leave.get() else {
            return;
        };
        for e in &self.entries {
            let (store, shard) = e.replace((ptr::null(), ptr::null()));
            if !store.is_null() {
                // SAFETY: the store that added the entry set `leave` for exactly this: the
                // entry is its own, still valid (it holds a reference), and given up once.
                unsafe { leave(store, shard) };
            }
        }
    }
}

impl Drop for Exit {
    fn drop(&mut self) {
        #[cfg(not(loom))]
        self.leave_all();
    }
}

#[cfg(not(loom))]
thread_local! {
    static FAST: Fast = const { Fast::new() };
    static EXIT: Exit = const { Exit::new() };
}

#[cfg(loom)]
thread_local! {
    static FAST: Fast = Fast::new();
}
#[cfg(loom)]
thread_local! {
    static EXIT: Exit = Exit::new();
}

/// Runs `f` on the thread's [`Fast`]; `None` once the thread-local is gone.
#[inline(always)]
pub(crate) fn with_fast<R>(f: impl FnOnce(&Fast) -> R) -> Option<R> {
    FAST.try_with(f).ok()
}

/// Runs `f` on the thread's [`Exit`] (its first use registers the exit hook, which may
/// allocate); `None` once the thread-local is destroyed.
pub(crate) fn with_exit<R>(f: impl FnOnce(&Exit) -> R) -> Option<R> {
    EXIT.try_with(f).ok()
}

/// Gives the calling thread's entries back as its exit would (loom models only).
#[cfg(loom)]
pub(crate) fn exit_thread() {
    let _ = EXIT.try_with(Exit::leave_all);
}
