//! Object recycling in place: [`Pool::release`] resets a value and keeps it in its slot
//! as a spare, [`Pool::acquire`] makes the most recently released spare live again under
//! a new generation before it builds a new value, and [`Recycled`] does both as an RAII
//! guard. A recycled value never moves: its buffers stay where they were, warm in cache.

use core::fmt;
use core::ops::{Deref, DerefMut};

use super::slot::Slot;
use super::{insert_panic, Pool};
use crate::error::PoolError;
use crate::{Handle, Reset};

/// Frees the slot of the spare just made if `Reset::reset` unwinds, and drops the value.
struct UnwindFreesSpare<'p, T> {
    pool: &'p mut Pool<T>,
    index: usize,
}

impl<T> Drop for UnwindFreesSpare<'_, T> {
    fn drop(&mut self) {
        let pool = &mut *self.pool;
        debug_assert_eq!(pool.spares.last(), Some(self.index as u32));
        pool.evict_spare();
    }
}

impl<T> Pool<T> {
    /// Takes the value `h` names out of use, resets it with [`Reset::reset`] and keeps it
    /// in its slot as a spare for [`acquire`](Pool::acquire). Returns `false` if `h` is
    /// not live.
    ///
    /// The value does not move. The handle is invalid from now on. Past the spare limit
    /// (see [`set_max_spares`](Pool::set_max_spares)) the value is dropped instead. If
    /// `reset` panics, the value is dropped, its slot freed, and the pool stays
    /// consistent.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut pool: pool_core::Pool<Vec<u8>> = pool_core::Pool::new();
    /// let h = pool.acquire();
    /// pool[h].push(1);
    /// assert!(pool.release(h));
    /// assert!(!pool.release(h));
    /// assert_eq!(pool.stats().spares, 1);
    /// ```
    #[inline]
    pub fn release(&mut self, h: Handle<T>) -> bool
    where
        T: Reset,
    {
        if self.live_slot(h).is_none() {
            return false;
        }
        let (i, next) = (h.index() as usize, Self::vacated_generation(h));
        // A slot whose generation would wrap retires (`remove`); past the spare limit, or
        // with no room to remember the spare, the value is simply dropped.
        if !self.push_spare(i, next) {
            // SAFETY: `h` is live, so slot `i` is in bounds and occupied with `h`'s
            // generation (invariant 5), and `&mut self` rules out any reference to it.
            unsafe { self.release_by_dropping(i, next) };
            return true;
        }
        // SAFETY: `i < slots.len()`: the handle is live (invariant 5).
        let slot = unsafe { Self::slot_mut(&mut self.slots, i) };
        // SAFETY: occupied (live handle); `next` is even, and not the key (checked by
        // `push_spare`). Its index is listed just above, so invariant 2 holds again.
        unsafe { slot.make_spare(next) };
        let value = slot.value_ptr();
        // SAFETY: `i` is in bounds and its value was live until just now (live handle).
        unsafe { self.count_removal(i) };
        // The value is a spare from here on (invariant 2); reset it where it is. If
        // `reset` panics, the guard frees the slot and drops the value.
        let guard = UnwindFreesSpare {
            pool: self,
            index: i,
        };
        // SAFETY: a spare's value is initialised (invariant 2); the guard holds `&mut
        // Pool`, so no other reference to it exists, and nothing moves the slots before
        // `reset` returns.
        unsafe { (*value).reset() };
        core::mem::forget(guard);
        true
    }

    /// `release` when the value cannot stay a spare: it is removed and dropped.
    ///
    /// # Safety
    ///
    /// - `i < self.slots.len()`, slot `i` is occupied and `next` is one more than its
    ///   generation.
    #[cold]
    #[inline(never)]
    unsafe fn release_by_dropping(&mut self, i: usize, next: u32) {
        // SAFETY: as this function's (caller): the bookkeeping is done before the value
        // is dropped.
        drop(unsafe { self.take_at(i, next) });
    }

    /// Inserts a recycled value: a spare if there is one (already reset), else one built
    /// by the pool's factory, else `T::default()`.
    ///
    /// # Panics
    ///
    /// As [`insert`](Pool::insert); see [`try_acquire`](Pool::try_acquire).
    ///
    /// # Examples
    ///
    /// ```
    /// let mut pool: pool_core::Pool<String> = pool_core::Pool::new();
    /// let h = pool.acquire();
    /// assert_eq!(pool[h], "");
    /// ```
    #[inline]
    #[track_caller]
    pub fn acquire(&mut self) -> Handle<T>
    where
        T: Default,
    {
        self.acquire_with(T::default)
    }

    /// Like [`acquire`](Pool::acquire), but reports a full pool instead of panicking; the
    /// spare (if any) stays a spare.
    ///
    /// # Errors
    ///
    /// As [`try_insert`](Pool::try_insert).
    ///
    /// # Examples
    ///
    /// ```
    /// let mut pool: pool_core::Pool<u8> = pool_core::Pool::bounded(0);
    /// assert!(pool.try_acquire().is_err());
    /// ```
    #[cfg_attr(feature = "debug", track_caller)]
    pub fn try_acquire(&mut self) -> Result<Handle<T>, PoolError>
    where
        T: Default,
    {
        self.try_acquire_with(T::default)
    }

    /// Like [`acquire`](Pool::acquire) for any `T`: a spare, else the pool's factory,
    /// else `make()`.
    ///
    /// # Panics
    ///
    /// As [`insert`](Pool::insert), and if `make` panics (the pool is unchanged then).
    ///
    /// # Examples
    ///
    /// ```
    /// struct Conn { buf: Vec<u8> }
    /// let mut pool = pool_core::Pool::new();
    /// let h = pool.acquire_with(|| Conn { buf: Vec::with_capacity(16) });
    /// assert!(pool[h].buf.capacity() >= 16);
    /// ```
    #[inline]
    #[track_caller]
    pub fn acquire_with<F: FnOnce() -> T>(&mut self, make: F) -> Handle<T> {
        match self.try_acquire_with(make) {
            Ok(h) => h,
            Err(e) => insert_panic(e),
        }
    }

    /// Like [`acquire_with`](Pool::acquire_with), but reports a full pool instead of
    /// panicking; `make` is not called then.
    ///
    /// # Errors
    ///
    /// As [`try_insert`](Pool::try_insert).
    ///
    /// # Examples
    ///
    /// ```
    /// let mut pool = pool_core::Pool::bounded(1);
    /// assert!(pool.try_acquire_with(|| 1).is_ok());
    /// assert!(pool.try_acquire_with(|| 2).is_err());
    /// ```
    #[cfg_attr(feature = "debug", track_caller)]
    #[inline]
    pub fn try_acquire_with<F: FnOnce() -> T>(&mut self, make: F) -> Result<Handle<T>, PoolError> {
        match self.spares.pop() {
            Some(index) => Ok(self.revive_spare(index)),
            None => self.acquire_new(make),
        }
    }

    /// `acquire` with no spare: a new value in a vacant slot.
    #[inline(never)]
    #[cfg_attr(feature = "debug", track_caller)]
    fn acquire_new<F: FnOnce() -> T>(&mut self, make: F) -> Result<Handle<T>, PoolError> {
        let index = self.vacant_index()?;
        // User code; the pool has only reserved room so far, and the miss is counted once
        // the value exists, so a panic here changes nothing.
        let value = match self.factory {
            Some(factory) => factory(),
            None => make(),
        };
        self.counters.acquire_misses += 1;
        Ok(self.commit(index, value))
    }

    /// Builds spares until `n` are waiting, so that the next `n` acquires find a value
    /// ready (what opool's `new_prefilled` does). Values come from the pool's factory,
    /// else `T::default()`.
    ///
    /// Stops at the spare limit (see [`set_max_spares`](Pool::set_max_spares)). Spares
    /// are vacant slots: they count towards the capacity, not towards `len`.
    ///
    /// # Panics
    ///
    /// If the pool is bounded and has no free slot left, or memory runs out (see
    /// [`try_prefill_with`](Pool::try_prefill_with)), and if the factory or
    /// `T::default()` panics. The spares built until then stay.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut pool: pool_core::Pool<Vec<u8>> = pool_core::Pool::new();
    /// pool.prefill(8);
    /// assert_eq!(pool.stats().spares, 8);
    /// assert!(pool.is_empty());
    /// let h = pool.acquire(); // a spare: nothing is built
    /// assert_eq!(pool.stats().acquire_hits, 1);
    /// assert!(pool[h].is_empty());
    /// ```
    #[track_caller]
    pub fn prefill(&mut self, n: usize)
    where
        T: Default,
    {
        self.prefill_with(n, T::default);
    }

    /// Like [`prefill`](Pool::prefill) for any `T`: values come from the pool's factory,
    /// else `make`.
    ///
    /// # Panics
    ///
    /// As [`prefill`](Pool::prefill), and if `make` panics.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut pool = pool_core::Pool::new();
    /// pool.prefill_with(4, || Vec::<u8>::with_capacity(1500));
    /// let h = pool.acquire_with(|| unreachable!("a spare is waiting"));
    /// assert!(pool[h].capacity() >= 1500);
    /// ```
    #[track_caller]
    pub fn prefill_with<F: FnMut() -> T>(&mut self, n: usize, make: F) {
        if let Err(e) = self.try_prefill_with(n, make) {
            insert_panic(e)
        }
    }

    /// Like [`prefill_with`](Pool::prefill_with), but reports a full pool or a refused
    /// allocation instead of panicking; the spares built until then stay, and `make` is
    /// not called for a value that could not be kept.
    ///
    /// A pool that cannot grow does not give up spares here (as an insert would): it
    /// reports [`PoolError::Full`].
    ///
    /// # Errors
    ///
    /// [`PoolError::Full`] when a bounded pool has no free slot left,
    /// [`PoolError::CapacityOverflow`] when the `u32` index space is exhausted,
    /// [`PoolError::AllocFailed`] if growing the pool or its spare list fails.
    ///
    /// # Examples
    ///
    /// ```
    /// use pool_core::{Pool, PoolError};
    /// let mut pool: Pool<String> = Pool::bounded(2);
    /// pool.insert(String::from("live"));
    /// let err = pool.try_prefill_with(2, String::new).unwrap_err();
    /// assert_eq!(err, PoolError::Full { capacity: 2 });
    /// assert_eq!(pool.stats().spares, 1); // the one slot left holds a spare
    /// ```
    pub fn try_prefill_with<F: FnMut() -> T>(
        &mut self,
        n: usize,
        mut make: F,
    ) -> Result<(), PoolError> {
        while self.spares.len() < n.min(self.spares.max()) {
            // Everything that can fail comes before `make`, so a value built is always
            // kept, and a panic in `make` leaves the pool as it was (`vacant_index` only
            // reserves room).
            if !self.spares.make_room() {
                return Err(PoolError::AllocFailed);
            }
            let index = self.vacant_index_keeping_spares()?;
            let i = index as usize;
            // A new slot is vacant from the start: one version past its first generation,
            // which `revive` makes odd again.
            let new_generation = self.first_generation(i).wrapping_add(1);
            if i == self.slots.len() && new_generation == self.key {
                // That version would be 0, a retired slot: leave this slot to inserts.
                return Ok(());
            }
            let value = match self.factory {
                Some(factory) => factory(),
                None => make(),
            };
            if i == self.slots.len() {
                // No allocation: `vacant_index_keeping_spares` reserved room for both.
                self.slots.push(Slot::spare(value, new_generation));
                self.occupancy.cover(i);
            } else {
                debug_assert_eq!(index, self.free_head);
                // SAFETY: `index` is the free-list head, so it is in bounds (invariant 3).
                let slot = unsafe { Self::slot_mut(&mut self.slots, i) };
                self.free_head = slot.next_free();
                slot.fill_spare(value);
            }
            // Room was made above, before any user code, and `make` cannot reach the
            // pool (it holds no reference to it).
            let listed = self.spares.push_fast(index);
            debug_assert!(listed);
        }
        Ok(())
    }

    /// Lists slot `i`, whose value leaves it at generation `next`, as a spare if the value
    /// can stay there: the slot does not retire, the spare limit is not reached, and
    /// there is room to remember it (made now if need be). The caller makes the slot a
    /// spare right after, before any user code runs (invariant 2).
    #[inline(always)]
    pub(super) fn push_spare(&mut self, i: usize, next: u32) -> bool {
        next != self.key && (self.spares.push_fast(i as u32) || self.push_spare_slow(i))
    }

    /// `push_spare` when the list's room is used up: makes more within the limit.
    #[cold]
    #[inline(never)]
    fn push_spare_slow(&mut self, i: usize) -> bool {
        self.spares.make_room() && self.spares.push_fast(i as u32)
    }

    /// Makes the spare in slot `index` (just popped off `spares`) live again, in place.
    #[inline]
    #[cfg_attr(feature = "debug", track_caller)]
    pub(super) fn revive_spare(&mut self, index: u32) -> Handle<T> {
        let i = index as usize;
        // SAFETY: spare indices are slot indices (invariant 2).
        let slot = unsafe { Self::slot_mut(&mut self.slots, i) };
        let generation = slot.generation.wrapping_add(1);
        slot.revive(generation);
        // One counter: a hit is an insert too (see `Counters`).
        self.counters.acquire_hits += 1;
        self.link.publish_len(self.len());
        // Last, as in `insert`: a byte store may alias anything.
        // SAFETY: in bounds, as above, and every slot index is covered by the occupancy
        // map.
        unsafe { self.occupancy.set(i) };
        #[cfg(feature = "debug")]
        self.sites.record(index, core::panic::Location::caller());
        // SAFETY: a spare's generation is even (invariant 2), so `generation` is odd.
        unsafe { Handle::from_generation(index, generation) }
    }

    /// Drops the most recently released spare and puts its slot on the free list: how a
    /// pool that cannot grow makes room for an insert. `false` if there is no spare.
    #[cold]
    pub(super) fn evict_spare(&mut self) -> bool {
        let Some(index) = self.spares.pop() else {
            return false;
        };
        let head = self.free_head;
        self.free_head = index;
        // SAFETY: `index` named a spare (invariant 2); it is off `spares` now and goes on
        // the free list, so the pool is consistent before the value's `Drop` runs.
        unsafe { Self::slot_mut(&mut self.slots, index as usize).drop_spare(head) };
        true
    }

    /// Drops every spare kept by [`release`](Pool::release).
    ///
    /// # Examples
    ///
    /// ```
    /// let mut pool: pool_core::Pool<Vec<u8>> = pool_core::Pool::new();
    /// let h = pool.acquire();
    /// pool.release(h);
    /// pool.clear_spares();
    /// assert_eq!(pool.stats().spares, 0);
    /// ```
    pub fn clear_spares(&mut self) {
        let n = self.spares.len();
        self.evict_spares(n);
        self.spares.free_memory();
    }

    /// Drops the `n` most recently released spares, each taken off the list before its
    /// `Drop` runs; if one panics, the rest are still dropped (as `Vec` does).
    fn evict_spares(&mut self, n: usize) {
        struct Evict<'p, T> {
            pool: &'p mut Pool<T>,
            left: usize,
        }
        impl<T> Drop for Evict<'_, T> {
            fn drop(&mut self) {
                // Runs the rest on unwind; after a normal loop `left` is 0.
                while self.left > 0 {
                    self.left -= 1;
                    self.pool.evict_spare();
                }
            }
        }
        let mut evict = Evict {
            pool: self,
            left: n,
        };
        while evict.left > 0 {
            evict.left -= 1;
            evict.pool.evict_spare();
        }
    }

    /// Keeps at most `keep` spares (the most recently released ones) and gives the rest,
    /// and the list's spare room, back to the allocator.
    ///
    /// If a spare's `Drop` panics, the spares after it are still dropped (as `Vec` does)
    /// and the pool is consistent.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut pool: pool_core::Pool<Vec<u8>> = pool_core::Pool::new();
    /// let hs: Vec<_> = (0..10).map(|_| pool.acquire()).collect();
    /// for h in hs {
    ///     pool.release(h);
    /// }
    /// pool.shrink_spares(2);
    /// assert_eq!(pool.stats().spares, 2);
    /// ```
    pub fn shrink_spares(&mut self, keep: usize) {
        if keep < self.spares.len() {
            // The oldest go: rotate them to the end of the stack and evict from there.
            let excess = self.spares.len() - keep;
            self.spares.rotate_oldest_to_top(excess);
            self.evict_spares(excess);
        }
        self.spares.shrink_to_fit();
    }

    /// Sets the most spares kept (see
    /// [`PoolBuilder::max_spares`](crate::PoolBuilder::max_spares)); spares past it are
    /// dropped now.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut pool: pool_core::Pool<String> = pool_core::Pool::new();
    /// let h = pool.acquire();
    /// pool.release(h);
    /// pool.set_max_spares(0);
    /// assert_eq!(pool.stats().spares, 0);
    /// ```
    pub fn set_max_spares(&mut self, n: usize) {
        self.spares.set_max(n);
        if self.spares.len() > n {
            self.shrink_spares(n);
        }
    }
}

// === Recycled: acquire and release as an RAII guard ===

/// A value acquired from a [`Pool`] that goes back to it when the guard is dropped:
/// derefs to `T`, and on drop resets the value and keeps it in its slot as a spare (like
/// [`Pool::release`]). Made by [`Pool::acquire_guard`] and its siblings.
///
/// The guard borrows the pool mutably, so one guard at a time; to keep many recycled
/// values at once, hold their handles ([`Pool::acquire`] / [`Pool::release`]), or turn a
/// guard into its handle with [`Recycled::into_handle`].
///
/// Leaking the guard (`mem::forget`) leaves the value live in the pool, like an acquired
/// handle that was never released.
///
/// # Examples
///
/// ```
/// use pool_core::{Pool, Recycled};
///
/// let mut buffers: Pool<Vec<u8>> = Pool::new();
/// {
///     let mut buf = buffers.acquire_guard();
///     buf.extend_from_slice(b"hello");
/// } // reset (cleared) and kept as a spare, capacity and all
/// assert_eq!(buffers.stats().spares, 1);
///
/// let buf = buffers.acquire_guard();
/// assert!(buf.is_empty() && buf.capacity() >= 5); // the same allocation, warm
/// let h = Recycled::into_handle(buf); // keep it: now an ordinary live value
/// assert!(buffers.contains(h));
/// ```
#[must_use = "the value goes back to the pool as soon as the guard is dropped"]
pub struct Recycled<'a, T: Reset> {
    pool: &'a mut Pool<T>,
    handle: Handle<T>,
}

impl<T> Pool<T> {
    /// Acquires a value (a spare, else the factory's, else `T::default()`) as a
    /// [`Recycled`] guard that releases it when dropped.
    ///
    /// # Panics
    ///
    /// As [`acquire`](Pool::acquire); see [`try_acquire_guard`](Pool::try_acquire_guard).
    ///
    /// # Examples
    ///
    /// ```
    /// let mut pool: pool_core::Pool<String> = pool_core::Pool::new();
    /// let mut s = pool.acquire_guard();
    /// s.push_str("scratch");
    /// drop(s);
    /// assert_eq!(pool.stats().spares, 1);
    /// ```
    #[inline]
    #[track_caller]
    pub fn acquire_guard(&mut self) -> Recycled<'_, T>
    where
        T: Default + Reset,
    {
        self.acquire_guard_with(T::default)
    }

    /// Like [`acquire_guard`](Pool::acquire_guard) for any `T`: a spare, else the
    /// factory's value, else `make()`.
    ///
    /// # Panics
    ///
    /// As [`acquire_with`](Pool::acquire_with).
    ///
    /// # Examples
    ///
    /// ```
    /// struct Packet { bytes: Vec<u8> }
    /// impl pool_core::Reset for Packet {
    ///     fn reset(&mut self) { self.bytes.clear(); }
    /// }
    /// let mut pool = pool_core::Pool::new();
    /// let p = pool.acquire_guard_with(|| Packet { bytes: Vec::with_capacity(1500) });
    /// assert!(p.bytes.capacity() >= 1500);
    /// ```
    #[inline]
    #[track_caller]
    pub fn acquire_guard_with<F: FnOnce() -> T>(&mut self, make: F) -> Recycled<'_, T>
    where
        T: Reset,
    {
        let handle = self.acquire_with(make);
        Recycled { pool: self, handle }
    }

    /// Like [`acquire_guard`](Pool::acquire_guard), but reports a full pool (or a failed
    /// allocation) instead of panicking.
    ///
    /// # Errors
    ///
    /// As [`try_insert`](Pool::try_insert).
    ///
    /// # Examples
    ///
    /// ```
    /// let mut pool: pool_core::Pool<Vec<u8>> = pool_core::Pool::bounded(1);
    /// let g = pool.try_acquire_guard().unwrap();
    /// let h = pool_core::Recycled::into_handle(g);
    /// assert!(pool.try_acquire_guard().is_err()); // full: the only slot is live
    /// pool.release(h);
    /// assert!(pool.try_acquire_guard().is_ok()); // the spare comes back
    /// ```
    #[inline]
    #[cfg_attr(feature = "debug", track_caller)]
    pub fn try_acquire_guard(&mut self) -> Result<Recycled<'_, T>, PoolError>
    where
        T: Default + Reset,
    {
        let handle = self.try_acquire_with(T::default)?;
        Ok(Recycled { pool: self, handle })
    }
}

impl<T: Reset> Recycled<'_, T> {
    /// The handle of the guarded value.
    ///
    /// An associated function (`Recycled::handle(&g)`) so it never shadows a method of
    /// `T`.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut pool: pool_core::Pool<u8> = pool_core::Pool::new();
    /// let g = pool.acquire_guard();
    /// let h = pool_core::Recycled::handle(&g);
    /// drop(g);
    /// assert!(!pool.contains(h)); // released
    /// ```
    #[inline]
    pub fn handle(this: &Self) -> Handle<T> {
        this.handle
    }

    /// Keeps the value: it stays live in the pool under the returned handle, and is no
    /// longer released when the guard goes.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut pool: pool_core::Pool<u8> = pool_core::Pool::new();
    /// let mut g = pool.acquire_guard();
    /// *g = 7;
    /// let h = pool_core::Recycled::into_handle(g);
    /// assert_eq!(pool[h], 7);
    /// ```
    #[inline]
    pub fn into_handle(this: Self) -> Handle<T> {
        let this = core::mem::ManuallyDrop::new(this);
        this.handle
    }
}

impl<T: Reset> Deref for Recycled<'_, T> {
    type Target = T;
    #[inline]
    fn deref(&self) -> &T {
        let i = self.handle.index() as usize;
        debug_assert!(self.pool.contains(self.handle));
        // SAFETY: the handle was live when the guard was made, and the guard's `&mut
        // Pool` has kept anyone from removing it since, so `i` is in bounds and the slot
        // occupied (invariant 1); `&self` hands out shared access only.
        unsafe { &*self.pool.slots.get_unchecked(i).value_ptr() }
    }
}

impl<T: Reset> DerefMut for Recycled<'_, T> {
    #[inline]
    fn deref_mut(&mut self) -> &mut T {
        let i = self.handle.index() as usize;
        debug_assert!(self.pool.contains(self.handle));
        // SAFETY: as in `deref`; `&mut self` makes this the only reference handed out.
        unsafe { &mut *self.pool.slots.get_unchecked(i).value_ptr() }
    }
}

impl<T: Reset> Drop for Recycled<'_, T> {
    #[inline]
    fn drop(&mut self) {
        let released = self.pool.release(self.handle);
        debug_assert!(released);
    }
}

impl<T: Reset + fmt::Debug> fmt::Debug for Recycled<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Recycled").field(&**self).finish()
    }
}
