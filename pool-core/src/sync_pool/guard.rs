//! The RAII guards of a [`SyncPool`]: [`Ref`] (shared), [`RentMut`] (exclusive) and
//! [`Recycled`] (an acquired value that is released when the guard goes).
//!
//! Each guard holds its slot through the slot's lock bits (see the `slot` module); the
//! last guard on a value removed meanwhile finishes the removal when it is dropped.

use core::fmt;
use core::ops::{Deref, DerefMut};

use super::slot::{version, Slot, EXCL};
use super::SyncPool;
use crate::sync::atomic::Ordering;
use crate::{Handle, Reset};

/// A shared guard on a value in a [`SyncPool`], from [`get`](SyncPool::get) or
/// [`rent`](SyncPool::rent). While it lives the value is neither dropped nor reused, and
/// no exclusive guard can be taken.
///
/// # Examples
///
/// ```
/// let pool = pool_core::SyncPool::new();
/// let h = pool.insert(3);
/// let (a, b) = (pool.get(h).unwrap(), pool.get(h).unwrap());
/// assert_eq!(*a + *b, 6);
/// ```
#[must_use = "the guard releases the value when dropped"]
pub struct Ref<'p, T> {
    pub(super) pool: &'p SyncPool<T>,
    pub(super) slot: &'p Slot<T>,
    pub(super) shard: u32,
    pub(super) addr: u32,
    pub(super) version: u32,
}

impl<T> Ref<'_, T> {
    /// The handle this guard was taken with.
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = pool_core::SyncPool::new();
    /// let h = pool.insert(0);
    /// assert_eq!(pool.get(h).unwrap().handle(), h);
    /// ```
    pub fn handle(&self) -> Handle<T> {
        self.pool.handle(self.shard, self.addr, self.version)
    }
}

impl<T> Deref for Ref<'_, T> {
    type Target = T;
    #[inline]
    fn deref(&self) -> &T {
        // SAFETY: the guard counts itself in the slot's lock bits, so the value stays
        // initialised and in place (the last guard finishes a removal), and no exclusive
        // access exists while any shared guard is alive.
        unsafe { &*self.slot.value_const() }
    }
}

impl<T> Drop for Ref<'_, T> {
    #[inline]
    fn drop(&mut self) {
        let prev = self.slot.state.fetch_sub(1, Ordering::SeqCst);
        if prev as u32 & super::slot::REFS == 1 && version(prev) != self.version {
            // The value was removed while we held it, and we were the last guard.
            let ctx = self.pool.ctx();
            self.pool
                .finish_removal(ctx, self.shard, self.addr, self.slot);
        }
    }
}

impl<T: fmt::Debug> fmt::Debug for Ref<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

// SAFETY: moving the guard to another thread may make that thread drop the value (last
// guard after a removal: `T: Send`) and read it (`T: Sync`).
unsafe impl<T: Send + Sync> Send for Ref<'_, T> {}
// SAFETY: `&Ref` only reads the value.
unsafe impl<T: Sync> Sync for Ref<'_, T> {}

/// An exclusive guard on a value in a [`SyncPool`], from
/// [`rent_mut`](SyncPool::rent_mut). While it lives no other guard can be taken and the
/// value is neither dropped nor reused.
///
/// # Examples
///
/// ```
/// let pool = pool_core::SyncPool::new();
/// let h = pool.insert(vec![1]);
/// pool.rent_mut(h).unwrap().push(2);
/// assert_eq!(*pool.get(h).unwrap(), [1, 2]);
/// ```
#[must_use = "the guard releases the value when dropped"]
pub struct RentMut<'p, T> {
    pub(super) pool: &'p SyncPool<T>,
    pub(super) slot: &'p Slot<T>,
    pub(super) shard: u32,
    pub(super) addr: u32,
    pub(super) version: u32,
}

impl<T> RentMut<'_, T> {
    /// The handle this guard was taken with.
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = pool_core::SyncPool::new();
    /// let h = pool.insert(0);
    /// assert_eq!(pool.rent_mut(h).unwrap().handle(), h);
    /// ```
    pub fn handle(&self) -> Handle<T> {
        self.pool.handle(self.shard, self.addr, self.version)
    }
}

impl<T> Deref for RentMut<'_, T> {
    type Target = T;
    #[inline]
    fn deref(&self) -> &T {
        // SAFETY: `EXCL` is ours: the value is initialised and nobody else reads or
        // writes it (no guard, and no pin was active when we took it).
        unsafe { &*self.slot.value_const() }
    }
}

impl<T> DerefMut for RentMut<'_, T> {
    #[inline]
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`; `&mut self` makes this the only reference.
        unsafe { &mut *self.slot.value_ptr() }
    }
}

impl<T> Drop for RentMut<'_, T> {
    #[inline]
    fn drop(&mut self) {
        self.pool
            .unlock_exclusive(self.shard, self.addr, self.slot, self.version);
    }
}

impl<T: fmt::Debug> fmt::Debug for RentMut<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

// SAFETY: the guard gives `&mut T` on whichever thread holds it and may drop the value
// (`T: Send`); it holds a `&SyncPool`, which crossing threads needs `T: Sync` too.
unsafe impl<T: Send + Sync> Send for RentMut<'_, T> {}
// SAFETY: `&RentMut` only reads the value.
unsafe impl<T: Sync> Sync for RentMut<'_, T> {}

/// A value acquired from a [`SyncPool`] with
/// [`acquire_guard`](SyncPool::acquire_guard): derefs to `T`, and releases the value
/// (reset, kept as a spare) when dropped, on whichever thread that happens.
/// [`into_handle`](Recycled::into_handle) keeps the value in the pool instead.
///
/// # Examples
///
/// ```
/// let pool: pool_core::SyncPool<Vec<u8>> = pool_core::SyncPool::new();
/// let mut buf = pool.acquire_guard();
/// buf.extend_from_slice(b"frame");
/// std::thread::scope(|s| {
///     s.spawn(move || drop(buf)); // released on another thread
/// });
/// let again = pool.acquire_guard(); // the same buffer, cleared
/// assert!(again.is_empty() && again.capacity() >= 5);
/// ```
#[must_use = "dropping the guard releases the value at once"]
pub struct Recycled<'p, T: Reset> {
    pub(super) pool: &'p SyncPool<T>,
    pub(super) slot: &'p Slot<T>,
    pub(super) shard: u32,
    pub(super) addr: u32,
    /// Even until [`handle`](Recycled::handle) gives the value a handle (then odd).
    pub(super) version: core::cell::Cell<u32>,
}

impl<'p, T: Reset> Recycled<'p, T> {
    /// The value's handle (it is exclusively held while the guard lives).
    ///
    /// A value acquired in a guard has no handle until this is first called: until then
    /// nothing but the guard can reach it, which makes dropping the guard cheaper (no
    /// compare-exchange, no pin check).
    ///
    /// # Examples
    ///
    /// ```
    /// let pool: pool_core::SyncPool<String> = pool_core::SyncPool::new();
    /// let g = pool.acquire_guard();
    /// let h = g.handle();
    /// assert!(pool.get(h).is_none()); // busy while the guard lives
    /// drop(g);
    /// assert!(!pool.contains(h)); // released
    /// ```
    pub fn handle(&self) -> Handle<T> {
        let mut v = self.version.get();
        if v & 1 == 0 {
            // Publish: from now on a handle names the value (still held by `EXCL`). Only
            // this guard writes the state of an unpublished slot, so a store does.
            v += 1;
            self.slot
                .state
                .store(super::slot::pack(v, EXCL), Ordering::Release);
            self.version.set(v);
        }
        self.pool.handle(self.shard, self.addr, v)
    }

    /// Keeps the value in the pool and returns its handle; it is released by
    /// [`release`](SyncPool::release) (or removed) later.
    ///
    /// # Examples
    ///
    /// ```
    /// let pool: pool_core::SyncPool<String> = pool_core::SyncPool::new();
    /// let mut g = pool.acquire_guard();
    /// g.push_str("kept");
    /// let h = g.into_handle();
    /// assert_eq!(*pool.get(h).unwrap(), "kept");
    /// ```
    pub fn into_handle(self) -> Handle<T> {
        let h = self.handle();
        let this = core::mem::ManuallyDrop::new(self);
        this.pool
            .unlock_exclusive(this.shard, this.addr, this.slot, this.version.get());
        h
    }
}

impl<T: Reset> Deref for Recycled<'_, T> {
    type Target = T;
    #[inline]
    fn deref(&self) -> &T {
        // SAFETY: as for `RentMut`: `EXCL` is ours.
        unsafe { &*self.slot.value_const() }
    }
}

impl<T: Reset> DerefMut for Recycled<'_, T> {
    #[inline]
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as for `RentMut`.
        unsafe { &mut *self.slot.value_ptr() }
    }
}

impl<T: Reset> Drop for Recycled<'_, T> {
    #[inline]
    fn drop(&mut self) {
        let v = self.version.get();
        if v & 1 == 0 {
            self.pool
                .release_unpublished(self.shard, self.addr, self.slot, v);
            return;
        }
        // `Stale` only if the value was removed through `handle()` meanwhile (then it is
        // dropped instead); the guard holds it, so it cannot be busy.
        let _ = self
            .pool
            .release_held(self.shard, self.addr, self.slot, v, EXCL);
    }
}

impl<T: Reset + fmt::Debug> fmt::Debug for Recycled<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

// SAFETY: as for `RentMut`. (Not `Sync`: `handle` updates the guard through `&self`.)
unsafe impl<T: Reset + Send + Sync> Send for Recycled<'_, T> {}
