//! RAII rent guards handed out by [`Pool::rent`](crate::Pool::rent) and
//! [`Pool::rent_mut`](crate::Pool::rent_mut).

use core::fmt;
use core::ops::{Deref, DerefMut};

use super::slot::{Slot, COUNT_BITS, COUNT_MASK, EXCLUSIVE};
use super::Pool;
use crate::error::RentError;
use crate::Handle;

/// A shared rent of one value: derefs to `&T` and gives the value back when dropped.
///
/// Several `Rent`s of the same value may be alive at once; while any is, the value
/// cannot be rented mutably. Leaking one with `mem::forget` leaves the value rented
/// (a leak, never a use-after-free).
///
/// # Examples
///
/// ```
/// let mut pool = pool_core::Pool::new();
/// let h = pool.insert(5);
/// let a = pool.rent(h).unwrap();
/// let b = pool.rent(h).unwrap();
/// assert_eq!(*a + *b, 10);
/// assert!(pool.rent_mut(h).is_err());
/// ```
#[must_use = "a rent guard gives the value back as soon as it is dropped"]
pub struct Rent<'a, T> {
    pub(super) slot: &'a Slot<T>,
    pub(super) handle: Handle<T>,
}

/// An exclusive rent of one value: derefs to `&mut T` and gives the value back when
/// dropped.
///
/// Exclusive rents of *different* values may be alive at once. Leaking one with
/// `mem::forget` leaves the value rented: `rent`, `rent_mut` and `get` refuse it until it
/// is removed, while `&mut self` methods still reach it (the borrow checker proves no
/// guard is alive then).
///
/// # Examples
///
/// ```
/// let mut pool = pool_core::Pool::new();
/// let (a, b) = (pool.insert(1), pool.insert(2));
/// let mut ga = pool.rent_mut(a).unwrap();
/// let mut gb = pool.rent_mut(b).unwrap();
/// core::mem::swap(&mut *ga, &mut *gb);
/// drop((ga, gb));
/// assert_eq!((pool[a], pool[b]), (2, 1));
/// ```
#[must_use = "a rent guard gives the value back as soon as it is dropped"]
pub struct RentMut<'a, T> {
    pub(super) slot: &'a Slot<T>,
    pub(super) handle: Handle<T>,
}

impl<'a, T> Rent<'a, T> {
    /// The handle this guard rents.
    ///
    /// An associated function (`Rent::handle(&g)`) so it never shadows a method of `T`.
    ///
    /// # Examples
    ///
    /// ```
    /// use pool_core::{Pool, Rent};
    /// let mut pool = Pool::new();
    /// let h = pool.insert(1);
    /// let g = pool.rent(h).unwrap();
    /// assert_eq!(Rent::handle(&g), h);
    /// ```
    #[inline]
    pub fn handle(this: &Self) -> Handle<T> {
        this.handle
    }
}

impl<'a, T> RentMut<'a, T> {
    /// The handle this guard rents.
    ///
    /// # Examples
    ///
    /// ```
    /// use pool_core::{Pool, RentMut};
    /// let mut pool = Pool::new();
    /// let h = pool.insert(1);
    /// let g = pool.rent_mut(h).unwrap();
    /// assert_eq!(RentMut::handle(&g), h);
    /// ```
    #[inline]
    pub fn handle(this: &Self) -> Handle<T> {
        this.handle
    }
}

impl<T> Deref for Rent<'_, T> {
    type Target = T;
    #[inline]
    fn deref(&self) -> &T {
        // SAFETY: this guard holds one of the slot's shared rents, so the slot is
        // occupied (removal needs `&mut Pool`, which the guard's borrow excludes) and not
        // exclusively rented; only shared references to the value exist.
        unsafe { &*self.slot.value_ptr() }
    }
}

impl<T> Drop for Rent<'_, T> {
    #[inline]
    fn drop(&mut self) {
        let state = self.slot.state.get();
        debug_assert!(state != EXCLUSIVE && state & super::slot::COUNT_MASK != 0);
        self.slot.state.set(state - 1);
    }
}

impl<T> Deref for RentMut<'_, T> {
    type Target = T;
    #[inline]
    fn deref(&self) -> &T {
        // SAFETY: this guard holds the slot's exclusive rent (state == EXCLUSIVE), so the
        // slot is occupied and no other reference to the value exists.
        unsafe { &*self.slot.value_ptr() }
    }
}

impl<T> DerefMut for RentMut<'_, T> {
    #[inline]
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`; `&mut self` makes this the only reference the guard
        // hands out at a time.
        unsafe { &mut *self.slot.value_ptr() }
    }
}

impl<T> Drop for RentMut<'_, T> {
    #[inline]
    fn drop(&mut self) {
        debug_assert_eq!(self.slot.state.get(), EXCLUSIVE);
        // Back to "not rented, no plain borrow": none could be taken while exclusive.
        self.slot.state.set(0);
    }
}

impl<T: fmt::Debug> fmt::Debug for Rent<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Rent").field(&**self).finish()
    }
}

impl<T: fmt::Debug> fmt::Debug for RentMut<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("RentMut").field(&**self).finish()
    }
}

// === impl Pool: rent guards ===

impl<T> Pool<T> {

    /// Rents the value `h` names, shared: the guard derefs to `&T`.
    ///
    /// # Errors
    ///
    /// [`RentError::Stale`] if `h` is not live here; [`RentError::Busy`] if the value is
    /// exclusively rented (or 2047 shared rents of it are alive).
    ///
    /// # Examples
    ///
    /// ```
    /// let mut pool = pool_core::Pool::new();
    /// let h = pool.insert(2);
    /// let g = pool.rent(h).unwrap();
    /// assert_eq!(*g, 2);
    /// ```
    #[inline]
    pub fn rent(&self, h: Handle<T>) -> Result<Rent<'_, T>, RentError> {
        let slot = self.live_slot(h).ok_or(RentError::Stale)?;
        let state = slot.state.get();
        if state == EXCLUSIVE || state & COUNT_MASK == COUNT_MASK {
            return Err(RentError::Busy);
        }
        slot.state.set(state + 1);
        Ok(Rent { slot, handle: h })
    }

    /// Rents the value `h` names, exclusively: the guard derefs to `&mut T`. Exclusive
    /// rents of different values may be alive at once.
    ///
    /// # Errors
    ///
    /// [`RentError::Stale`] if `h` is not live here; [`RentError::Busy`] if the value is
    /// rented, or was borrowed through [`get`](Pool::get), `Index` or an iterator since
    /// the pool was last used through `&mut`.
    ///
    /// # Examples
    ///
    /// ```
    /// use pool_core::{Pool, RentError};
    /// let mut pool = Pool::new();
    /// let h = pool.insert(2);
    /// let mut g = pool.rent_mut(h).unwrap();
    /// *g += 1;
    /// assert_eq!(pool.rent_mut(h).unwrap_err(), RentError::Busy);
    /// drop(g);
    /// assert_eq!(*pool.rent(h).unwrap(), 3);
    /// ```
    #[inline]
    pub fn rent_mut(&self, h: Handle<T>) -> Result<RentMut<'_, T>, RentError> {
        let slot = self.live_slot(h).ok_or(RentError::Stale)?;
        let state = slot.state.get();
        if state & COUNT_MASK != 0
            || state >> COUNT_BITS == self.epoch
            || self.all_marked.get() == self.epoch
        {
            return Err(RentError::Busy);
        }
        slot.state.set(EXCLUSIVE);
        Ok(RentMut { slot, handle: h })
    }
}
