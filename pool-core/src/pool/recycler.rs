//! [`Recycler`]: a recycling session over a [`Pool`] that hands out any number of
//! [`Lease`] guards at once.
//!
//! [`Pool::acquire_guard`] gives one guard at a time, because the guard borrows the pool
//! mutably. A recycler borrows the pool mutably once and hands out leases through
//! `&self`, the way opool's and object-pool's guards work: a lease derefs to its value
//! with no lookup, and when dropped it releases the value as [`Pool::release`] does:
//! reset, and kept in its slot as a spare (dropped instead past the spare limit, or if
//! `reset` panics).
//!
//! # Why a recycler never grows the pool
//!
//! A lease points straight into its slot, and its holder may keep a `&mut T` from it
//! while acquiring more. Growing the slot storage would move every value and leave those
//! references dangling, so a recycler only uses room the pool already has: spares first,
//! then free slots, then unused capacity ([`Recycler::room`]). Reserve before opening it
//! ([`Pool::reserve`]). Past that room, [`Recycler::try_acquire`] returns
//! [`PoolError::NoRoomInPlace`] and [`Recycler::acquire`] panics.

// # Invariants
//
// On top of the pool's (see `mod.rs`), while a `Recycler` exists:
//
// 1. The pool's slot storage does not move: no path a recycler takes reallocates,
//    shrinks or truncates `slots` (a new slot is pushed only below capacity).
// 2. A live lease's slot is occupied, with the generation of the lease's handle, and
//    nothing but the lease reaches its value: the recycler holds the only borrow of the
//    pool, and its paths reach only the slot they acquire or release (`Pool::slot_mut`),
//    never the whole slot slice.
// 3. No reference to the pool outlives a call into it: user code (factories, `make`,
//    `Reset::reset`, `Drop`) runs while none exists, so it may re-enter the recycler
//    (acquire, or drop other leases) without aliasing a live `&mut Pool`.

use core::fmt;
use core::marker::PhantomData;
use core::ops::{Deref, DerefMut};
use core::ptr::NonNull;

use super::slot::Slot;
use super::{insert_panic, Pool};
use crate::error::PoolError;
use crate::{Handle, Reset};

/// A recycling session over a pool: any number of [`Lease`]s at once. Made by
/// [`Pool::recycler`].
///
/// It borrows the pool mutably, so plain access waits until it is dropped, and its leases
/// cannot outlive it. It never moves the pool's values: acquires use spares, free slots
/// and unused capacity only (see [`room`](Recycler::room)). It is neither `Send` nor
/// `Sync`, and neither are its leases: they update the pool without atomics.
///
/// # Examples
///
/// ```
/// use pool_core::Pool;
///
/// let mut buffers: Pool<Vec<u8>> = Pool::new();
/// buffers.reserve(16);
/// let recycler = buffers.recycler();
/// let mut batch: Vec<_> = (0..16).map(|_| recycler.acquire()).collect();
/// for (i, buf) in batch.iter_mut().enumerate() {
///     buf.push(i as u8);
/// }
/// drop(batch); // every buffer is cleared and kept for the next batch
/// drop(recycler);
/// assert_eq!(buffers.stats().spares, 16);
/// ```
#[must_use = "a recycler does nothing unless values are acquired from it"]
pub struct Recycler<'a, T: Reset> {
    pool: NonNull<Pool<T>>,
    _pool: PhantomData<&'a mut Pool<T>>,
}

/// A value acquired from a [`Recycler`]: derefs to `T` and releases it (reset, kept as a
/// spare) when dropped.
///
/// [`Lease::into_handle`] keeps the value live in the pool instead. A leaked lease
/// (`mem::forget`) leaves its value live in the pool, reachable by iteration and dropped
/// with the pool.
///
/// # Examples
///
/// ```
/// let mut pool: pool_core::Pool<String> = pool_core::Pool::with_capacity(2);
/// let recycler = pool.recycler();
/// let mut a = recycler.acquire();
/// let mut b = recycler.acquire();
/// a.push_str("left");
/// b.push_str("right");
/// assert_eq!(a.len() + b.len(), 9);
/// ```
#[must_use = "the value goes back to the pool as soon as the lease is dropped"]
pub struct Lease<'r, T: Reset> {
    pool: NonNull<Pool<T>>,
    /// The value in its slot: the storage never moves while the recycler lives
    /// (invariant 1), so a deref is one load.
    value: NonNull<T>,
    handle: Handle<T>,
    _recycler: PhantomData<&'r Recycler<'r, T>>,
}

impl<T: Reset> Pool<T> {
    /// Opens a recycling session: [`Lease`] guards of many values at once, released when
    /// dropped.
    ///
    /// The session never moves the pool's values, so it cannot grow the pool: reserve the
    /// room a batch needs first ([`reserve`](Pool::reserve)); spares count as room.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut pool: pool_core::Pool<Vec<u8>> = pool_core::Pool::new();
    /// pool.reserve(2);
    /// let recycler = pool.recycler();
    /// let (mut a, mut b) = (recycler.acquire(), recycler.acquire());
    /// a.push(1);
    /// b.push(2);
    /// drop((a, b));
    /// drop(recycler);
    /// assert_eq!((pool.len(), pool.stats().spares), (0, 2));
    /// ```
    #[inline]
    pub fn recycler(&mut self) -> Recycler<'_, T> {
        Recycler {
            pool: NonNull::from(self),
            _pool: PhantomData,
        }
    }

    /// A recycler's acquire of a spare: revives it in place.
    #[inline]
    #[cfg_attr(feature = "debug", track_caller)]
    fn lease_spare(&mut self) -> Option<Handle<T>> {
        let index = self.spares.pop()?;
        Some(self.revive_spare(index))
    }

    /// Where a recycler's new value goes: a free slot, or the next slot if the storage
    /// has room for it. Never moves the slots (invariant 1).
    fn vacant_index_in_place(&mut self) -> Result<u32, PoolError> {
        if self.free_head != super::NONE {
            return Ok(self.free_head);
        }
        let len = self.slots.len();
        if len >= self.limit {
            return Err(if self.bounded && self.limit < super::MAX_SLOTS {
                PoolError::Full {
                    capacity: self.limit,
                }
            } else {
                PoolError::CapacityOverflow
            });
        }
        if len == self.slots.capacity() {
            return Err(PoolError::NoRoomInPlace {
                capacity: self.capacity(),
            });
        }
        // The occupancy map is a separate buffer: growing it moves no value.
        if !self.occupancy.can_cover(len) && self.occupancy.try_reserve_for(len + 1).is_err() {
            return Err(PoolError::AllocFailed);
        }
        Ok(len as u32)
    }

    /// Keeps the value in slot `i`, already reset, as a spare; `false` if it cannot stay
    /// (see `push_spare`), and then nothing has changed.
    ///
    /// # Safety
    ///
    /// - `i < self.slots.len()`, slot `i` is occupied, `next` is one more than its
    ///   generation, and no reference to its value is alive.
    #[inline]
    unsafe fn keep_leased(&mut self, i: usize, next: u32) -> bool {
        if !self.push_spare(i, next) {
            return false;
        }
        // SAFETY: `i` is in bounds (caller).
        let slot = unsafe { Self::slot_mut(&mut self.slots, i) };
        // SAFETY: occupied (caller); `next` is even and not the key (checked by
        // `push_spare`), and the index is listed just above (invariant 2).
        unsafe { slot.make_spare(next) };
        // SAFETY: `i` is in bounds and its value was live until just now (caller).
        unsafe { self.count_removal(i) };
        true
    }
}

/// Takes a leased value out of its slot (freeing the slot) and drops it once the pool is
/// no longer borrowed: a release past the spare limit, or after `reset` panicked.
///
/// # Safety
///
/// - `pool` is the recycler's pool; slot `index` is occupied with generation `next - 1`,
///   and nothing refers to its value.
#[cold]
#[inline(never)]
unsafe fn drop_leased<T>(pool: NonNull<Pool<T>>, index: usize, next: u32) {
    // SAFETY: as this function's (caller); the pool reference lives for this statement
    // only (invariant 3), so the value's `Drop` may re-enter the recycler.
    let value = unsafe { (*pool.as_ptr()).take_at(index, next) };
    drop(value);
}

impl<'a, T: Reset> Recycler<'a, T> {
    /// The pool, for one call that runs no user code (invariant 3).
    ///
    /// # Safety
    ///
    /// - The returned reference must be gone before user code runs or another one is
    ///   made.
    #[inline(always)]
    #[allow(clippy::mut_from_ref)]
    unsafe fn pool(&self) -> &mut Pool<T> {
        // SAFETY: the recycler holds the pool's only borrow for `'a` (its own `&mut`), it
        // is not `Sync`, and the caller keeps this reference alone and short.
        unsafe { &mut *self.pool.as_ptr() }
    }

    /// How many more values can be acquired: spares, free slots and unused capacity.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut pool: pool_core::Pool<u8> = pool_core::Pool::with_capacity(4);
    /// let capacity = pool.capacity();
    /// let recycler = pool.recycler();
    /// let lease = recycler.acquire();
    /// assert_eq!(recycler.room(), capacity - 1);
    /// drop(lease); // a spare now, and still room
    /// assert_eq!(recycler.room(), capacity);
    /// ```
    pub fn room(&self) -> usize {
        // SAFETY: no user code runs while the reference lives.
        let pool = unsafe { self.pool() };
        pool.capacity() - pool.len()
    }

    /// Acquires a value: a spare, else the pool's factory's, else `T::default()`.
    ///
    /// # Panics
    ///
    /// When there is no room left ([`room`](Recycler::room) is 0) or the allocator fails;
    /// see [`try_acquire`](Recycler::try_acquire).
    ///
    /// # Examples
    ///
    /// ```
    /// let mut pool: pool_core::Pool<Vec<u32>> = pool_core::Pool::with_capacity(1);
    /// let recycler = pool.recycler();
    /// let mut v = recycler.acquire();
    /// v.push(1);
    /// ```
    #[inline]
    #[track_caller]
    pub fn acquire(&self) -> Lease<'_, T>
    where
        T: Default,
    {
        self.acquire_with(T::default)
    }

    /// Like [`acquire`](Recycler::acquire), but reports a lack of room instead of
    /// panicking.
    ///
    /// # Errors
    ///
    /// [`PoolError::NoRoomInPlace`] when no spare, free slot or unused capacity is left,
    /// [`PoolError::Full`] when a bounded pool is full, [`PoolError::AllocFailed`] if the
    /// occupancy map cannot grow.
    ///
    /// # Examples
    ///
    /// ```
    /// use pool_core::{Pool, PoolError};
    /// let mut pool: Pool<u8> = Pool::new();
    /// let recycler = pool.recycler();
    /// assert!(matches!(recycler.try_acquire(), Err(PoolError::NoRoomInPlace { .. })));
    /// ```
    #[inline]
    #[cfg_attr(feature = "debug", track_caller)]
    pub fn try_acquire(&self) -> Result<Lease<'_, T>, PoolError>
    where
        T: Default,
    {
        self.try_acquire_with(T::default)
    }

    /// Like [`acquire`](Recycler::acquire) for any `T`: a spare, else the pool's
    /// factory's value, else `make()`.
    ///
    /// # Panics
    ///
    /// As [`acquire`](Recycler::acquire), and if `make` panics (the pool is unchanged
    /// then).
    ///
    /// # Examples
    ///
    /// ```
    /// let mut pool = pool_core::Pool::with_capacity(1);
    /// let recycler = pool.recycler();
    /// let buf = recycler.acquire_with(|| Vec::<u8>::with_capacity(1500));
    /// assert!(buf.capacity() >= 1500);
    /// ```
    #[inline]
    #[track_caller]
    pub fn acquire_with<F: FnOnce() -> T>(&self, make: F) -> Lease<'_, T> {
        // SAFETY: no user code runs while the reference lives.
        if let Some(handle) = unsafe { self.pool() }.lease_spare() {
            return self.lease(handle);
        }
        match self.acquire_new(make) {
            Ok(lease) => lease,
            Err(e) => insert_panic(e),
        }
    }

    /// Like [`acquire_with`](Recycler::acquire_with), but reports a lack of room instead
    /// of panicking; `make` is not called then.
    ///
    /// # Errors
    ///
    /// As [`try_acquire`](Recycler::try_acquire).
    ///
    /// # Examples
    ///
    /// ```
    /// let mut pool = pool_core::Pool::bounded(1);
    /// let recycler = pool.recycler();
    /// let a = recycler.try_acquire_with(|| 1).unwrap();
    /// assert!(recycler.try_acquire_with(|| 2).is_err());
    /// drop(a); // kept as a spare: the next acquire takes it
    /// assert_eq!(*recycler.try_acquire_with(|| 3).unwrap(), 0); // the spare, reset
    /// ```
    #[inline]
    #[cfg_attr(feature = "debug", track_caller)]
    pub fn try_acquire_with<F: FnOnce() -> T>(&self, make: F) -> Result<Lease<'_, T>, PoolError> {
        // SAFETY: no user code runs while the reference lives.
        if let Some(handle) = unsafe { self.pool() }.lease_spare() {
            return Ok(self.lease(handle));
        }
        self.acquire_new(make)
    }

    /// `try_acquire_with` with no spare: a new value, built while the pool is not
    /// borrowed.
    #[inline(never)]
    #[cfg_attr(feature = "debug", track_caller)]
    fn acquire_new<F: FnOnce() -> T>(&self, make: F) -> Result<Lease<'_, T>, PoolError> {
        let factory = {
            // SAFETY: no user code runs while the reference lives.
            let pool = unsafe { self.pool() };
            // Checked first, so `make` does not run in vain.
            pool.vacant_index_in_place()?;
            pool.factory
        };
        // User code, with no borrow of the pool alive (invariant 3): it may re-enter this
        // recycler, so where the value goes is decided again afterwards.
        let value = match factory {
            Some(factory) => factory(),
            None => make(),
        };
        let placed = {
            // SAFETY: no user code runs while the reference lives.
            let pool = unsafe { self.pool() };
            match pool.vacant_index_in_place() {
                Ok(index) => {
                    pool.counters.acquire_misses += 1;
                    Ok(pool.commit(index, value))
                }
                Err(e) => Err((e, value)),
            }
        };
        match placed {
            Ok(handle) => Ok(self.lease(handle)),
            Err((e, value)) => {
                // Only if `make` used the room itself; dropped with no borrow alive.
                drop(value);
                Err(e)
            }
        }
    }

    #[inline(always)]
    fn lease(&self, handle: Handle<T>) -> Lease<'_, T> {
        let pool = self.pool.as_ptr();
        // SAFETY: the pool outlives this recycler; the field is read through the raw
        // pointer, creating no reference (invariant 3). The handle is live, so its index
        // is in bounds (pool invariant 5), and `as_mut_ptr` creates no reference to the
        // buffer, so the pointer stays valid while other slots are reached.
        let value =
            unsafe { Slot::raw_value_ptr((*pool).slots.as_mut_ptr().add(handle.index() as usize)) };
        Lease {
            pool: self.pool,
            // SAFETY: a pointer into a live allocation is not null.
            value: unsafe { NonNull::new_unchecked(value) },
            handle,
            _recycler: PhantomData,
        }
    }
}

impl<T: Reset> Lease<'_, T> {
    /// The handle of the leased value.
    ///
    /// An associated function (`Lease::handle(&l)`) so it never shadows a method of `T`.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut pool: pool_core::Pool<u8> = pool_core::Pool::with_capacity(1);
    /// let recycler = pool.recycler();
    /// let lease = recycler.acquire();
    /// let h = pool_core::Lease::handle(&lease);
    /// drop(lease);
    /// drop(recycler);
    /// assert!(!pool.contains(h)); // released
    /// ```
    #[inline]
    pub fn handle(this: &Self) -> Handle<T> {
        this.handle
    }

    /// Keeps the value: it stays live in the pool under the returned handle, and is no
    /// longer released when the lease goes.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut pool: pool_core::Pool<u8> = pool_core::Pool::with_capacity(1);
    /// let recycler = pool.recycler();
    /// let mut lease = recycler.acquire();
    /// *lease = 7;
    /// let h = pool_core::Lease::into_handle(lease);
    /// drop(recycler);
    /// assert_eq!(pool[h], 7);
    /// ```
    #[inline]
    pub fn into_handle(this: Self) -> Handle<T> {
        let this = core::mem::ManuallyDrop::new(this);
        this.handle
    }

    /// The value's address, taken when the lease was made: the slot storage has not
    /// moved since (invariant 1).
    #[inline(always)]
    fn value_ptr(&self) -> *mut T {
        self.value.as_ptr()
    }
}

impl<T: Reset> Deref for Lease<'_, T> {
    type Target = T;
    #[inline]
    fn deref(&self) -> &T {
        // SAFETY: the slot is occupied and only this lease reaches its value (invariant
        // 2); `&self` hands out shared access only.
        unsafe { &*self.value_ptr() }
    }
}

impl<T: Reset> DerefMut for Lease<'_, T> {
    #[inline]
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`; `&mut self` makes this the only reference handed out.
        unsafe { &mut *self.value_ptr() }
    }
}

/// Drops a lease's value if its `Reset::reset` panics, leaving its slot free.
struct UnwindDropsLeased<T> {
    pool: NonNull<Pool<T>>,
    index: usize,
    next: u32,
}

impl<T> Drop for UnwindDropsLeased<T> {
    fn drop(&mut self) {
        // SAFETY: the slot is still occupied with generation `next - 1` and `reset` is
        // over, so nothing refers to its value.
        unsafe { drop_leased(self.pool, self.index, self.next) };
    }
}

impl<T: Reset> Drop for Lease<'_, T> {
    #[inline]
    fn drop(&mut self) {
        let (pool, index) = (self.pool, self.handle.index() as usize);
        let next = Pool::vacated_generation(self.handle);
        // The value is reset first, while its slot is still occupied, so a re-entrant
        // acquire from `reset` cannot take it; if `reset` panics, the guard drops it.
        let guard = UnwindDropsLeased { pool, index, next };
        // SAFETY: only this lease reaches the value (invariant 2), and no borrow of the
        // pool is alive while `reset` runs (invariant 3).
        unsafe { (*self.value_ptr()).reset() };
        core::mem::forget(guard);
        // SAFETY: the slot is occupied with generation `next - 1` (invariant 2), and this
        // lease, the only way to its value, is going; the pool reference lives for this
        // call only.
        if !unsafe { (*pool.as_ptr()).keep_leased(index, next) } {
            // SAFETY: as above: nothing changed, and nothing else refers to the value.
            unsafe { drop_leased(pool, index, next) };
        }
    }
}

impl<T: Reset + fmt::Debug> fmt::Debug for Lease<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Lease").field(&**self).finish()
    }
}

impl<T: Reset> fmt::Debug for Recycler<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Recycler")
            .field("room", &self.room())
            .finish()
    }
}
