//! Epochs: pinned reads without per-slot atomics, and deferred drops.
//!
//! # What the epochs protect
//!
//! [`SyncPool::pin`] returns an [`EpochGuard`]; while it lives,
//! [`SyncPool::get_pinned`] returns plain `&T` after one load of the slot's state word (no
//! read-modify-write, no guard count). Such a reference must stay valid while the pin
//! lives even if another thread removes the value meanwhile, so a value removed while *any*
//! pin of the pool is active is not dropped at once: it is stamped with the global epoch
//! `e` and put on its shard's deferred list, and dropped (or, for a release, reset and
//! made a spare) only once the global epoch has reached `e + 2`.
//!
//! # Why `e + 2` is enough
//!
//! A pin registers in the counter of the epoch it read (and retries if the epoch moved
//! meanwhile), so live pins are always in the current epoch `g` or in `g - 1`. The epoch
//! advances from `g` to `g + 1` only when no pin is left in `g - 1`. A pin that may have
//! read the value was registered when it was removed, so its epoch is at most `e`; once
//! the global epoch is `e + 2`, two advances have happened since and no pin of epoch `e`
//! or earlier is left.
//!
//! # Why a remover sees every pin that may read
//!
//! A remover changes the slot's state word and then reads the pin counters; a pinner
//! bumps its counter and then reads the state word; all four are sequentially consistent
//! (the pinner also fences, which costs little on a pin and lets loom see the pairing).
//! Either the remover sees the pin (and defers), or the pinner's read comes after the
//! removal in that order and sees the stale version (and returns `None`). The same
//! argument makes [`rent_mut`](SyncPool::rent_mut), [`take`](SyncPool::take) and
//! [`release`](SyncPool::release) refuse (`Busy`) while a pin is active: none of them may
//! hand out `&mut T` or move a value a pinned reader may be looking at.
//!
//! We build the epochs here rather than on `crossbeam-epoch`: its deferred functions must
//! be `'static` (ours free slots of a pool that may be dropped first), it does not expose
//! the epoch or what waits (our stats show both), and it brings its own loom
//! configuration. What it does well (a global epoch, pin counters, advance only past
//! empty epochs) is the scheme used here, on three counters per pool.

use super::shard::{bump_shared, Shard};
use super::slot::{lock, version, EXCL, NIL};
use super::{Ctx, SyncPool, RECYCLE};
use crate::sync::atomic::Ordering;
use crate::Handle;

/// A pin on a [`SyncPool`]'s epoch: while it lives, references from
/// [`get_pinned`](SyncPool::get_pinned) stay valid, and nothing it may see is dropped.
///
/// When the last pin of the pool goes, it reclaims what waited for it (so the `Drop` of
/// values removed meanwhile runs on that thread); [`collect`](SyncPool::collect) does the
/// same on demand. If one of those `Drop`s panics, dropping the pin panics with it; that
/// value counts as dropped, and the values not reached stay deferred for the next
/// collection.
///
/// Keep pins short: while any pin is active, removed values wait on the deferred list, and
/// [`rent_mut`](SyncPool::rent_mut), [`take`](SyncPool::take) and
/// [`release`](SyncPool::release) return `Busy`.
///
/// # Examples
///
/// ```
/// let pool = pool_core::SyncPool::new();
/// let h = pool.insert(7u32);
/// let guard = pool.pin();
/// let v: &u32 = pool.get_pinned(&guard, h).unwrap();
/// assert!(pool.remove(h)); // stale at once...
/// assert_eq!(*v, 7); // ...but what the pin saw stays valid
/// drop(guard);
/// pool.collect();
/// ```
#[must_use = "a pin protects reads only while it lives"]
pub struct EpochGuard<'p, T> {
    pub(super) pool: &'p SyncPool<T>,
    pub(super) epoch: u64,
}

impl<T> EpochGuard<'_, T> {
    /// The epoch this pin registered in.
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = pool_core::SyncPool::<u8>::new();
    /// let g = pool.pin();
    /// assert!(g.epoch() <= pool.stats().epoch);
    /// ```
    pub fn epoch(&self) -> u64 {
        self.epoch
    }
}

impl<T> core::fmt::Debug for EpochGuard<'_, T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("EpochGuard")
            .field("epoch", &self.epoch)
            .finish()
    }
}

impl<T> Drop for EpochGuard<'_, T> {
    fn drop(&mut self) {
        self.pool.epochs.unpin(self.epoch);
        if self.pool.epochs.pinned() == 0 {
            self.pool.after_last_unpin();
        } else {
            self.pool.epochs.try_advance();
        }
    }
}

// === epochs ===

impl<T> SyncPool<T> {
    /// Pins the current epoch: see [`EpochGuard`] and [`get_pinned`](SyncPool::get_pinned).
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = pool_core::SyncPool::new();
    /// let h = pool.insert(1u8);
    /// let g = pool.pin();
    /// assert_eq!(pool.get_pinned(&g, h), Some(&1));
    /// ```
    pub fn pin(&self) -> EpochGuard<'_, T> {
        EpochGuard {
            pool: self,
            epoch: self.epochs.pin(),
        }
    }

    /// Reads the value `h` names with one atomic load and no guard count; the reference
    /// lives as long as the pin. `None` if `h` is stale or the value is exclusively
    /// rented.
    ///
    /// # Panics
    ///
    /// If `guard` pins another pool.
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = pool_core::SyncPool::new();
    /// let hs: Vec<_> = (0..10u32).map(|i| pool.insert(i)).collect();
    /// let g = pool.pin();
    /// let sum: u32 = hs.iter().filter_map(|&h| pool.get_pinned(&g, h)).sum();
    /// assert_eq!(sum, 45);
    /// ```
    #[inline]
    pub fn get_pinned<'g>(&'g self, guard: &'g EpochGuard<'_, T>, h: Handle<T>) -> Option<&'g T> {
        assert!(
            core::ptr::eq(guard.pool, self),
            "SyncPool::get_pinned: the guard pins another pool"
        );
        let (_, _, slot) = self.locate(h)?;
        let s = slot.state.load(Ordering::SeqCst);
        if version(s) != h.version(self.key) || lock(s) & EXCL != 0 {
            return None;
        }
        // SAFETY: the value is live (odd version, invariant 1) and not exclusively held.
        // It stays valid while the pin lives: a remover sees this pin and defers the drop
        // past it, and `rent_mut`/`take`/`release` refuse while it is active (epoch
        // module); shared access needs `T: Sync`, which `&SyncPool` across threads has.
        Some(unsafe { &*slot.value_const() })
    }

    /// Advances the epoch if no pin is left in the previous one; returns whether it did.
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = pool_core::SyncPool::<u8>::new();
    /// let e = pool.stats().epoch;
    /// assert!(pool.advance_epoch());
    /// assert_eq!(pool.stats().epoch, e + 1);
    /// ```
    pub fn advance_epoch(&self) -> bool {
        self.epochs.try_advance()
    }

    /// Advances the epoch where it can and drops (or makes spares of) every deferred
    /// value no pin can see any more. Returns how many it reclaimed.
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = pool_core::SyncPool::new();
    /// let h = pool.insert(String::from("x"));
    /// let g = pool.pin();
    /// pool.remove(h);
    /// assert_eq!(pool.collect(), 0); // the pin may still see it
    /// assert_eq!(pool.stats().waiting(), 1);
    /// drop(g); // the last pin reclaims it (as `collect` would)
    /// assert_eq!(pool.stats().waiting(), 0);
    /// ```
    pub fn collect(&self) -> usize {
        self.epochs.try_advance();
        self.epochs.try_advance();
        let ctx = self.ctx();
        (0..self.shards.len() as u32)
            .map(|s| self.process_deferred(ctx, s))
            .sum()
    }

    /// Called when the last pin went: reclaims what waited for it.
    pub(super) fn after_last_unpin(&self) {
        if self.shards.iter().all(|s| s.remote.deferred.is_empty()) {
            return;
        }
        self.collect();
    }

    /// Reclaims the ripe values of shard `s`'s deferred list; puts the rest back.
    pub(super) fn process_deferred(&self, ctx: Ctx, s: u32) -> usize {
        let sh = &self.shards[s as usize];
        // Puts back what is left of the taken list if a `Drop` panics.
        struct Requeue<'a, T> {
            shard: &'a Shard<T>,
            rest: u32,
        }
        impl<T> Drop for Requeue<'_, T> {
            fn drop(&mut self) {
                while self.rest != NIL {
                    let addr = self.rest;
                    let slot = self.shard.slot(addr);
                    self.rest = slot.next.load(Ordering::Relaxed);
                    self.shard.remote.deferred.push(addr, slot, false);
                }
            }
        }
        let mut list = Requeue {
            shard: sh,
            rest: sh.remote.deferred.take_all().0,
        };
        let mut reclaimed = 0;
        while list.rest != NIL {
            let addr = list.rest;
            let slot = sh.slot(addr);
            list.rest = slot.next.load(Ordering::Relaxed);
            if !self.epochs.is_ripe(slot.stamp.load(Ordering::Relaxed)) {
                sh.remote.deferred.push(addr, slot, false);
                continue;
            }
            reclaimed += 1;
            bump_shared(&sh.c.shared.reclaimed);
            let st = slot.state.load(Ordering::Relaxed);
            if lock(st) & RECYCLE != 0 {
                // A release: it becomes a spare, reset by the `acquire` that takes it.
                self.push_spare(ctx, s, addr, slot, false);
                continue;
            }
            // SAFETY: a deferred value is initialised (invariant 1: `HELD`), off every
            // other list, and ripe: no pin can see it any more.
            let value = unsafe { slot.value_ptr().read() };
            self.free_vacant(ctx, s, addr, slot, version(st));
            drop(value);
        }
        reclaimed
    }
}
