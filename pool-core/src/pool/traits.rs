//! Standard trait impls for [`Pool`].

use alloc::vec::Vec;
use core::fmt;
use core::ops::{Index, IndexMut};

use super::iter::{IntoIter, Iter, IterMut};
use super::slot::{Slot, NONE};
use super::{Counters, Pool};
use crate::Handle;

impl<T> Default for Pool<T> {
    fn default() -> Self {
        Self::new()
    }
}

/// Handles stay valid in the clone: it has the same slots, versions and key.
///
/// # Panics
///
/// If `T::clone` panics; the original is unchanged and the partial clone is dropped.
impl<T: Clone> Clone for Pool<T> {
    fn clone(&self) -> Self {
        let mut slots = Vec::with_capacity(self.slots.capacity());
        for slot in &self.slots {
            slots.push(clone_slot(slot));
        }
        let mut occupancy = self.occupancy.clone();
        // Like the original, room for the bits of every slot the capacity allows, so that
        // inserting never allocates outside the fallible growth path. Failure here only
        // means that path will try again later.
        let _ = occupancy.try_reserve_for(slots.capacity());
        Pool {
            slots,
            occupancy,
            free_head: self.free_head,
            retired: self.retired,
            limit: self.limit,
            bounded: self.bounded,
            id: self.id,
            key: self.key,
            id_pending: self.id_pending,
            regrow_below: self.regrow_below,
            regrow_floor: self.regrow_floor,
            spares: self.spares.clone(),
            factory: self.factory,
            counters: self.counters,
            link: self
                .link
                .fork(self.len(), self.counters.high_water as usize),
            #[cfg(feature = "debug")]
            sites: self.sites.clone(),
            #[cfg(feature = "debug")]
            rent_sites: crate::debug::RentSites::new(),
            #[cfg(feature = "debug")]
            tracked: self.tracked,
        }
    }

    /// Becomes a copy of `source` (handles included) and reuses this pool's allocations.
    ///
    /// If `T::clone` (or a `Drop` of this pool's old values) panics, this pool is left
    /// empty (a fresh pool with its memory kept); `source` is unchanged.
    fn clone_from(&mut self, source: &Self) {
        self.clear_spares();
        self.clear();
        /// Until the copy is complete, an unwind leaves the destination empty.
        struct Emptied<'p, T> {
            pool: &'p mut Pool<T>,
            done: bool,
        }
        impl<T> Drop for Emptied<'_, T> {
            fn drop(&mut self) {
                if !self.done {
                    let p = &mut *self.pool;
                    // Spare indices first: the slots they name go just below.
                    p.spares.clear();
                    p.slots.clear();
                    p.occupancy.clear_all();
                    p.free_head = NONE;
                    p.retired = 0;
                    p.counters = Counters::default();
                    p.link.publish_len(0);
                    // The emptied slots start again at version 1: a new key makes every
                    // handle of the old contents foreign, so none can match them.
                    p.id = crate::handle::next_store_id();
                    p.key = crate::handle::store_key(p.id);
                    p.id_pending = false;
                    p.regrow_below = 0;
                }
            }
        }
        // Every slot is vacant after `clear`, so truncating drops no value.
        self.slots.clear();
        let mut guard = Emptied {
            pool: self,
            done: false,
        };
        let dst = &mut *guard.pool;
        dst.free_head = NONE;
        dst.retired = 0;
        dst.counters = Counters::default();
        dst.slots.reserve(source.slots.len());
        // The destination is exclusively borrowed, so `clone` cannot reach it.
        for slot in &source.slots {
            dst.slots.push(clone_slot(slot));
        }
        dst.spares.clone_from(&source.spares);
        dst.occupancy.copy_from(&source.occupancy);
        let _ = dst.occupancy.try_reserve_for(dst.slots.capacity());
        dst.free_head = source.free_head;
        dst.retired = source.retired;
        dst.limit = source.limit;
        dst.bounded = source.bounded;
        if source.id_pending {
            // The source never allocated; this pool may have (its slot memory is kept),
            // so it takes an id of its own now (a pending id needs zero capacity).
            dst.id = crate::handle::next_store_id();
            dst.key = crate::handle::store_key(dst.id);
        } else {
            dst.id = source.id;
            dst.key = source.key;
        }
        dst.id_pending = false;
        dst.regrow_below = source.regrow_below;
        dst.regrow_floor = source.regrow_floor;
        dst.factory = source.factory;
        dst.counters = source.counters;
        dst.link = source
            .link
            .fork(source.len(), source.counters.high_water as usize);
        #[cfg(feature = "debug")]
        dst.sites.clone_from(&source.sites);
        guard.done = true;
    }
}

/// A copy of a slot of a pool borrowed shared: its value cloned if occupied, else its
/// generation and free-list link. The copy keeps the key, so generations carry over.
fn clone_slot<T: Clone>(slot: &Slot<T>) -> Slot<T> {
    if slot.is_occupied() {
        // SAFETY: occupied (invariant 1); the pool is borrowed shared, so no `&mut T`
        // exists (invariant 4), even if `T::clone` re-enters the pool.
        let value = unsafe { &*slot.value_ptr() };
        Slot::occupied(value.clone(), slot.generation)
    } else if slot.is_spare() {
        // SAFETY: a spare's value is initialised (invariant 2) and, being no live value,
        // has no `&mut T` anywhere.
        let value = unsafe { &*slot.value_ptr() };
        Slot::spare(value.clone(), slot.generation)
    } else {
        Slot::vacant(slot.generation, slot.next_free())
    }
}

/// Prints the live values as a map from handle to value.
impl<T: fmt::Debug> fmt::Debug for Pool<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl<T> Index<Handle<T>> for Pool<T> {
    type Output = T;

    /// # Panics
    ///
    /// If `h` is not live in this pool.
    #[inline]
    #[track_caller]
    fn index(&self, h: Handle<T>) -> &T {
        match self.get(h) {
            Some(v) => v,
            None => index_panic(h),
        }
    }
}

impl<T> IndexMut<Handle<T>> for Pool<T> {
    /// # Panics
    ///
    /// If `h` is not live in this pool.
    #[inline]
    #[track_caller]
    fn index_mut(&mut self, h: Handle<T>) -> &mut T {
        match self.get_mut(h) {
            Some(v) => v,
            None => index_panic(h),
        }
    }
}

#[cold]
#[inline(never)]
#[track_caller]
fn index_panic<T>(h: Handle<T>) -> ! {
    panic!("Pool index: invalid handle {h:?}: stale, foreign or forged, no live value for it")
}

impl<T> Extend<T> for Pool<T> {
    fn extend<I: IntoIterator<Item = T>>(&mut self, iter: I) {
        for value in iter {
            self.insert(value);
        }
    }
}

impl<T> FromIterator<T> for Pool<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        let mut pool = Pool::new();
        pool.extend(iter);
        pool
    }
}

impl<T> IntoIterator for Pool<T> {
    type Item = (Handle<T>, T);
    type IntoIter = IntoIter<T>;

    fn into_iter(mut self) -> IntoIter<T> {
        let len = self.len();
        // Taken, not moved out: the rest of the pool drops as usual (empty now).
        let slots = core::mem::take(&mut self.slots);
        #[cfg(feature = "debug")]
        self.sites.forget_all();
        IntoIter::new(slots, len)
    }
}

impl<'a, T> IntoIterator for &'a Pool<T> {
    type Item = (Handle<T>, &'a T);
    type IntoIter = Iter<'a, T>;

    fn into_iter(self) -> Iter<'a, T> {
        self.iter()
    }
}

impl<'a, T> IntoIterator for &'a mut Pool<T> {
    type Item = (Handle<T>, &'a mut T);
    type IntoIter = IterMut<'a, T>;

    fn into_iter(self) -> IterMut<'a, T> {
        self.iter_mut()
    }
}

/// A panic inside any `Pool` method (from user code) leaves every invariant intact (see
/// the module docs), so observing a pool after catching a panic is sound and meaningful.
impl<T: core::panic::RefUnwindSafe> core::panic::RefUnwindSafe for Pool<T> {}

// SAFETY: through `&Pool` nothing is written: the only interior mutability, the slots'
// `state` cells, is written through `&mut Pool` or a `Rentals` (which holds `&mut Pool`
// and is not `Sync`), so sharing `&Pool` between threads shares only reads of the cells
// and `&T`s of the values, which is sound when `T: Sync`.
unsafe impl<T: Sync> Sync for Pool<T> {}
