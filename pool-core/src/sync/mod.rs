//! The one door to atomics, locks, cells and thread-locals for concurrent code.
//!
//! Concurrent stores ([`SyncPool`](crate::SyncPool)) reach every synchronisation
//! primitive through this module, never through `core::sync` or `std::sync` directly.
//! Built with `RUSTFLAGS="--cfg loom"`, the same names resolve to [`loom`]'s models, so the
//! `loom` tests (`pool-core/tests/loom_sync_pool.rs`) explore every interleaving of the
//! real code, not of a copy.
//!
//! What stays outside the models on purpose is in [`process`]: the process-wide counter
//! that hands out store ids and the locks of the type registry and the debug leak hook.
//! They must be `static` (loom's types cannot be) and no concurrent store depends on them.
//!
//! [`loom`]: https://docs.rs/loom

#[cfg(feature = "std")]
pub(crate) mod epoch;
#[cfg(feature = "std")]
pub(crate) mod lock;
#[cfg(feature = "std")]
pub(crate) mod thread_cache;
#[cfg(feature = "std")]
pub(crate) mod thread_id;

/// Atomics and fences: `core`'s, or loom's models under `cfg(loom)`.
#[cfg(feature = "std")]
pub(crate) mod atomic {
    #[cfg(not(loom))]
    pub(crate) use core::sync::atomic::{
        fence, AtomicBool, AtomicPtr, AtomicU16, AtomicU32, AtomicU64, AtomicUsize, Ordering,
    };
    #[cfg(loom)]
    pub(crate) use loom::sync::atomic::{
        fence, AtomicBool, AtomicPtr, AtomicU16, AtomicU32, AtomicU64, AtomicUsize, Ordering,
    };
}

/// `std`'s `Mutex`, or loom's model under `cfg(loom)`.
#[cfg(all(feature = "std", loom))]
pub(crate) use loom::sync::{Mutex, MutexGuard};
#[cfg(all(feature = "std", not(loom)))]
pub(crate) use std::sync::{Mutex, MutexGuard};

/// Declares a thread-local: `std::thread_local!`, or loom's under `cfg(loom)`.
#[cfg(all(feature = "std", loom))]
pub(crate) use loom::thread_local;
#[cfg(all(feature = "std", not(loom)))]
pub(crate) use std::thread_local;

/// An `UnsafeCell` with loom's closure API, so that loom can check every access.
#[cfg(feature = "std")]
pub(crate) mod cell {
    #[cfg(loom)]
    pub(crate) use loom::cell::UnsafeCell;

    /// `core::cell::UnsafeCell` behind loom's `with` / `with_mut` API.
    #[cfg(not(loom))]
    #[derive(Debug)]
    #[repr(transparent)]
    pub(crate) struct UnsafeCell<T>(core::cell::UnsafeCell<T>);

    #[cfg(not(loom))]
    impl<T> UnsafeCell<T> {
        #[inline]
        pub(crate) const fn new(value: T) -> Self {
            UnsafeCell(core::cell::UnsafeCell::new(value))
        }

        /// Calls `f` with a shared pointer to the contents.
        #[inline(always)]
        pub(crate) fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
            f(self.0.get())
        }

        /// Calls `f` with an exclusive pointer to the contents.
        #[inline(always)]
        pub(crate) fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
            f(self.0.get())
        }
    }
}

/// Process-wide counters that must be `static` (store ids), statistics counters, and
/// `SmallPool`'s slab map: always `core`'s atomics, also under `cfg(loom)` (loom atomics
/// cannot be built in a `static`, and each one adds to a model's state). No model depends
/// on their ordering: statistics are relaxed, and the slab map's entries are published
/// before the blocks they describe are handed over.
pub(crate) mod process {
    #[cfg(feature = "std")]
    pub(crate) use core::sync::atomic::AtomicPtr;
    #[cfg(feature = "std")]
    pub(crate) use core::sync::atomic::AtomicU64;
    pub(crate) use core::sync::atomic::{AtomicU32, Ordering};
    #[cfg(feature = "std")]
    pub(crate) use std::sync::{Mutex, MutexGuard, PoisonError};
    #[cfg(feature = "debug")]
    pub(crate) use std::sync::{OnceLock, RwLock};
}
