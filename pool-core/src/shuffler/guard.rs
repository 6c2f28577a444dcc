//! Rent guards of a [`Shuffler`]: they pin their block (no shuffle moves it) until dropped.

use core::fmt;
use core::ops::{Deref, DerefMut};

use super::{PinInfo, ShuffleHandle, Shuffler};

/// A shared rent of a block: derefs to `&[T]`; the block is pinned while it lives.
/// Leaking it with `mem::forget` pins the block forever (a leak, never a dangling pointer).
///
/// # Examples
///
/// ```
/// let s = pool_core::Shuffler::new();
/// let h = s.alloc_from_slice(&[1, 2]);
/// let g = s.rent(h).unwrap();
/// assert_eq!(g.len(), 2);
/// ```
#[must_use = "a rent guard unpins its block as soon as it is dropped"]
pub struct BlockRent<'a, T> {
    shuffler: &'a Shuffler<T>,
    pin: PinInfo<T>,
}

/// An exclusive rent of a block: derefs to `&mut [T]`; the block is pinned while it lives.
///
/// # Examples
///
/// ```
/// let s = pool_core::Shuffler::new();
/// let h = s.alloc_from_slice(&[1, 2]);
/// s.rent_mut(h).unwrap()[1] = 5;
/// assert_eq!(&*s.rent(h).unwrap(), &[1, 5]);
/// ```
#[must_use = "a rent guard unpins its block as soon as it is dropped"]
pub struct BlockRentMut<'a, T> {
    shuffler: &'a Shuffler<T>,
    pin: PinInfo<T>,
}

impl<'a, T> BlockRent<'a, T> {
    #[inline]
    pub(super) fn new(shuffler: &'a Shuffler<T>, pin: PinInfo<T>) -> Self {
        BlockRent { shuffler, pin }
    }

    /// The handle this guard rents.
    ///
    /// # Examples
    ///
    /// ```
    /// use pool_core::shuffler::BlockRent;
    /// let s = pool_core::Shuffler::new();
    /// let h = s.create(1);
    /// assert_eq!(BlockRent::handle(&s.rent(h).unwrap()), h);
    /// ```
    pub fn handle(this: &Self) -> ShuffleHandle<T> {
        this.pin.handle
    }
}

impl<'a, T> BlockRentMut<'a, T> {
    pub(super) fn new(shuffler: &'a Shuffler<T>, pin: PinInfo<T>) -> Self {
        BlockRentMut { shuffler, pin }
    }

    /// The handle this guard rents.
    ///
    /// # Examples
    ///
    /// ```
    /// use pool_core::shuffler::BlockRentMut;
    /// let s = pool_core::Shuffler::new();
    /// let h = s.create(1);
    /// assert_eq!(BlockRentMut::handle(&s.rent_mut(h).unwrap()), h);
    /// ```
    pub fn handle(this: &Self) -> ShuffleHandle<T> {
        this.pin.handle
    }
}

impl<T> Deref for BlockRent<'_, T> {
    type Target = [T];
    #[inline]
    fn deref(&self) -> &[T] {
        // SAFETY: the block is pinned by this guard (never moved, never dropped while
        // pinned) and holds `len` initialised elements; shared rents exclude exclusive ones.
        unsafe { core::slice::from_raw_parts(self.pin.ptr, self.pin.len) }
    }
}

impl<T> Deref for BlockRentMut<'_, T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        // SAFETY: as for `BlockRent`; this guard's rent is exclusive.
        unsafe { core::slice::from_raw_parts(self.pin.ptr, self.pin.len) }
    }
}

impl<T> DerefMut for BlockRentMut<'_, T> {
    fn deref_mut(&mut self) -> &mut [T] {
        // SAFETY: as in `deref`; `&mut self` makes the slice unique.
        unsafe { core::slice::from_raw_parts_mut(self.pin.ptr, self.pin.len) }
    }
}

impl<T> Drop for BlockRent<'_, T> {
    #[inline(always)]
    fn drop(&mut self) {
        self.shuffler.inner().unpin(self.pin.slot, false);
    }
}

impl<T> Drop for BlockRentMut<'_, T> {
    #[inline(always)]
    fn drop(&mut self) {
        self.shuffler.inner().unpin(self.pin.slot, true);
    }
}

impl<T: fmt::Debug> fmt::Debug for BlockRent<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("BlockRent").field(&&**self).finish()
    }
}

impl<T: fmt::Debug> fmt::Debug for BlockRentMut<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("BlockRentMut").field(&&**self).finish()
    }
}
