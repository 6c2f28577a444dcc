//! A mutex that counts what it costs: acquisitions, contention, wait and hold time.
//!
//! Used on slow paths only (a store's shared shard). The counters are written while the
//! lock is held, so each has one writer at a time and is updated with a plain load and
//! store; readers take a relaxed snapshot.

use std::time::Instant;

// Statistics only: core atomics also under loom (see `sync::process`), so that reading a
// lock's counters adds nothing to the models' state space.
use super::process::{AtomicU64, Ordering};
use super::{Mutex, MutexGuard};

/// What one lock has cost so far.
///
/// # Examples
///
/// ```
/// let pool = pool_core::SyncPool::<u32>::new();
/// let lock = pool.stats().shared_lock;
/// assert!(lock.contended <= lock.acquisitions);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct LockStats {
    /// Times the lock was taken.
    pub acquisitions: u64,
    /// Times a thread found it held and had to wait.
    pub contended: u64,
    /// Nanoseconds spent waiting for it, in total.
    pub wait_ns: u64,
    /// Nanoseconds it was held, in total.
    pub hold_ns: u64,
}

impl core::ops::AddAssign for LockStats {
    fn add_assign(&mut self, o: LockStats) {
        self.acquisitions += o.acquisitions;
        self.contended += o.contended;
        self.wait_ns += o.wait_ns;
        self.hold_ns += o.hold_ns;
    }
}

#[derive(Debug)]
pub(crate) struct StatMutex<T> {
    inner: Mutex<T>,
    acquisitions: AtomicU64,
    contended: AtomicU64,
    wait_ns: AtomicU64,
    hold_ns: AtomicU64,
}

/// Adds `n` to a counter that only the lock holder writes.
#[inline]
fn add(counter: &AtomicU64, n: u64) {
    counter.store(
        counter.load(Ordering::Relaxed).wrapping_add(n),
        Ordering::Relaxed,
    );
}

fn nanos_since(t: Instant) -> u64 {
    u64::try_from(t.elapsed().as_nanos()).unwrap_or(u64::MAX)
}

impl<T> StatMutex<T> {
    #[cfg(not(loom))]
    pub(crate) const fn new(value: T) -> Self {
        StatMutex {
            inner: Mutex::new(value),
            acquisitions: AtomicU64::new(0),
            contended: AtomicU64::new(0),
            wait_ns: AtomicU64::new(0),
            hold_ns: AtomicU64::new(0),
        }
    }

    /// Loom's types cannot be built in a `const fn`.
    #[cfg(loom)]
    pub(crate) fn new(value: T) -> Self {
        StatMutex {
            inner: Mutex::new(value),
            acquisitions: AtomicU64::new(0),
            contended: AtomicU64::new(0),
            wait_ns: AtomicU64::new(0),
            hold_ns: AtomicU64::new(0),
        }
    }

    /// Takes the lock. Code run under it never panics half-way through an update, so a
    /// poisoned lock is taken as it is.
    pub(crate) fn lock(&self) -> StatGuard<'_, T> {
        self.lock_counting(0)
    }

    /// Takes the lock, counting it as contended only if the wait took over
    /// `threshold_ns` nanoseconds (a wait is still added to `wait_ns`).
    pub(crate) fn lock_counting(&self, threshold_ns: u64) -> StatGuard<'_, T> {
        let (guard, waited) = match self.inner.try_lock() {
            Ok(g) => (g, None),
            Err(std::sync::TryLockError::Poisoned(p)) => (p.into_inner(), None),
            Err(std::sync::TryLockError::WouldBlock) => {
                let t = Instant::now();
                let g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
                (g, Some(nanos_since(t)))
            }
        };
        add(&self.acquisitions, 1);
        if let Some(ns) = waited {
            if ns > threshold_ns || threshold_ns == 0 {
                add(&self.contended, 1);
            }
            add(&self.wait_ns, ns);
        }
        StatGuard {
            guard,
            lock: self,
            since: Instant::now(),
        }
    }

    pub(crate) fn stats(&self) -> LockStats {
        LockStats {
            acquisitions: self.acquisitions.load(Ordering::Relaxed),
            contended: self.contended.load(Ordering::Relaxed),
            wait_ns: self.wait_ns.load(Ordering::Relaxed),
            hold_ns: self.hold_ns.load(Ordering::Relaxed),
        }
    }
}

pub(crate) struct StatGuard<'a, T> {
    guard: MutexGuard<'a, T>,
    lock: &'a StatMutex<T>,
    since: Instant,
}

impl<T> core::ops::Deref for StatGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.guard
    }
}

impl<T> core::ops::DerefMut for StatGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.guard
    }
}

impl<T> Drop for StatGuard<'_, T> {
    fn drop(&mut self) {
        // Still held: the field `guard` unlocks after this runs.
        add(&self.lock.hold_ns, nanos_since(self.since));
    }
}
