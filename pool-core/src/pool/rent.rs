//! RAII rent guards: [`Pool::rent`] for shared access through `&Pool`, and
//! [`Rentals`] for any mix of shared and exclusive rents at once.
//!
//! # Why exclusive rents go through `Rentals`
//!
//! [`Pool::get`] hands out plain `&T` through `&Pool`, for free. If `rent_mut` also took
//! `&Pool`, a `&T` from `get` could be alive while `rent_mut` hands out `&mut T` to the
//! same value, and no check inside `rent_mut` can see that `&T`; `get` would have to
//! record every borrow, which is exactly the cost plain access must not pay. So
//! [`Pool::rentals`] takes `&mut Pool` (no plain borrow can be alive) and returns a
//! [`Rentals`] whose `rent` and `rent_mut` take `&self`: any number of guards at once,
//! checked per value at run time, while the borrow checker keeps plain access out until
//! the `Rentals` is gone.

use core::fmt;
use core::marker::PhantomData;
use core::ops::{Deref, DerefMut};

use super::slot::{Slot, EXCLUSIVE, MAX_SHARED};
use super::Pool;
use crate::error::RentError;
use crate::Handle;

/// A shared rent of one value: derefs to `&T`.
///
/// From [`Rentals::rent`] it is counted, and the value cannot be rented exclusively until
/// every such guard is dropped; leaking one with `mem::forget` leaves the value rented.
/// From [`Pool::rent`] it is a plain shared borrow with a guard's interface.
///
/// # Examples
///
/// ```
/// let mut pool = pool_core::Pool::new();
/// let h = pool.insert(5);
/// let rentals = pool.rentals();
/// let a = rentals.rent(h).unwrap();
/// let b = rentals.rent(h).unwrap();
/// assert_eq!(*a + *b, 10);
/// assert!(rentals.rent_mut(h).is_err());
/// ```
#[must_use = "a rent guard gives the value back as soon as it is dropped"]
pub struct Rent<'a, T> {
    slot: &'a Slot<T>,
    handle: Handle<T>,
    /// Whether this guard holds one of the slot's shared-rent counts.
    counted: bool,
}

/// An exclusive rent of one value: derefs to `&mut T` and gives the value back when
/// dropped. See [`Rentals::rent_mut`].
///
/// Leaking one with `mem::forget` leaves the value rented: `rent` and `rent_mut` refuse
/// it with [`RentError::Busy`] until it is removed. Nothing else can reach the memory
/// meanwhile except through `&mut Pool`, which proves the guard is gone.
///
/// # Examples
///
/// ```
/// let mut pool = pool_core::Pool::new();
/// let (a, b) = (pool.insert(1), pool.insert(2));
/// let rentals = pool.rentals();
/// let mut ga = rentals.rent_mut(a).unwrap();
/// let mut gb = rentals.rent_mut(b).unwrap();
/// core::mem::swap(&mut *ga, &mut *gb);
/// drop((ga, gb));
/// drop(rentals);
/// assert_eq!((pool[a], pool[b]), (2, 1));
/// ```
#[must_use = "a rent guard gives the value back as soon as it is dropped"]
pub struct RentMut<'a, T> {
    slot: &'a Slot<T>,
    handle: Handle<T>,
}

/// A renting session over a pool: shared and exclusive rent guards of many values at
/// once, each checked at run time. Made by [`Pool::rentals`].
///
/// It borrows the pool mutably, so plain access (`get`, `Index`, iterators) waits until
/// it is dropped, and guards cannot outlive it. It is not `Sync`, and its guards are not
/// `Send`: they update the pool's rent counts without atomics.
///
/// ```compile_fail,E0277
/// fn assert_sync<T: Sync>() {}
/// assert_sync::<pool_core::Rentals<'static, u64>>();
/// ```
///
/// ```compile_fail,E0277
/// let mut pool = pool_core::Pool::new();
/// let h = pool.insert(1u64);
/// let guard = pool.rent(h).unwrap();
/// std::thread::scope(|s| {
///     s.spawn(move || drop(guard));
/// });
/// ```
///
/// # Examples
///
/// ```
/// use pool_core::{Pool, RentError};
///
/// let mut pool = Pool::new();
/// let (a, b) = (pool.insert(String::from("a")), pool.insert(String::from("b")));
/// let rentals = pool.rentals();
/// let mut ga = rentals.rent_mut(a).unwrap();
/// let gb = rentals.rent(b).unwrap();
/// ga.push_str(&gb);
/// assert_eq!(rentals.rent(a).unwrap_err(), RentError::Busy);
/// drop((ga, gb));
/// drop(rentals);
/// assert_eq!(pool[a], "ab");
/// ```
pub struct Rentals<'a, T> {
    pool: &'a mut Pool<T>,
    /// Not `Sync`: `rent` and `rent_mut` write the slots' `state` cells through `&self`.
    _not_sync: PhantomData<core::cell::Cell<()>>,
}

// === impl Pool: rent guards ===

impl<T> Pool<T> {
    /// Rents the value `h` names, shared: the guard derefs to `&T`.
    ///
    /// Through `&Pool` this is a plain shared borrow in a guard's clothes; for counted
    /// shared rents next to exclusive ones use [`rentals`](Pool::rentals).
    ///
    /// # Errors
    ///
    /// [`RentError::Stale`] if `h` is not live here; [`RentError::Busy`] if an exclusive
    /// guard of the value was leaked.
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
        // Only read: through `&Pool` the cells are never written (see `Rentals`).
        if slot.state.get() == EXCLUSIVE {
            return Err(RentError::Busy);
        }
        Ok(Rent {
            slot,
            handle: h,
            counted: false,
        })
    }

    /// Starts a renting session: shared and exclusive rents of many values at once.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut pool = pool_core::Pool::new();
    /// let hs: Vec<_> = (0..3).map(|i| pool.insert(i)).collect();
    /// let rentals = pool.rentals();
    /// let mut guards: Vec<_> = hs.iter().map(|&h| rentals.rent_mut(h).unwrap()).collect();
    /// for g in &mut guards {
    ///     **g *= 10;
    /// }
    /// drop(guards);
    /// drop(rentals);
    /// assert_eq!(pool.values().sum::<i32>(), 30);
    /// ```
    #[inline]
    pub fn rentals(&mut self) -> Rentals<'_, T> {
        #[cfg(feature = "debug")]
        self.rent_sites.cover(self.slots.len());
        Rentals {
            pool: self,
            _not_sync: PhantomData,
        }
    }
}

// === impl Rentals ===

impl<'a, T> Rentals<'a, T> {
    /// Rents the value `h` names, shared and counted: the guard derefs to `&T`.
    ///
    /// # Errors
    ///
    /// [`RentError::Stale`] if `h` is not live in the pool; [`RentError::Busy`] if the
    /// value is exclusively rented (or `u32::MAX - 1` shared rents of it are alive).
    ///
    /// # Examples
    ///
    /// ```
    /// let mut pool = pool_core::Pool::new();
    /// let h = pool.insert('x');
    /// let rentals = pool.rentals();
    /// assert_eq!(*rentals.rent(h).unwrap(), 'x');
    /// ```
    #[inline]
    #[cfg_attr(feature = "debug", track_caller)]
    pub fn rent(&self, h: Handle<T>) -> Result<Rent<'_, T>, RentError> {
        let slot = self.pool.live_slot(h).ok_or(RentError::Stale)?;
        let state = slot.state.get();
        if state >= MAX_SHARED {
            return Err(RentError::Busy);
        }
        slot.state.set(state + 1);
        #[cfg(feature = "debug")]
        self.pool
            .rent_sites
            .rented(h.index() as usize, core::panic::Location::caller());
        Ok(Rent {
            slot,
            handle: h,
            counted: true,
        })
    }

    /// Rents the value `h` names, exclusively: the guard derefs to `&mut T`. Exclusive
    /// rents of different values may be alive at once.
    ///
    /// # Errors
    ///
    /// [`RentError::Stale`] if `h` is not live in the pool; [`RentError::Busy`] if the
    /// value is rented (shared or exclusive), or a guard of it was leaked.
    ///
    /// # Examples
    ///
    /// ```
    /// use pool_core::RentError;
    /// let mut pool = pool_core::Pool::new();
    /// let h = pool.insert(1);
    /// let rentals = pool.rentals();
    /// let mut g = rentals.rent_mut(h).unwrap();
    /// *g += 1;
    /// assert_eq!(rentals.rent_mut(h).unwrap_err(), RentError::Busy);
    /// ```
    #[inline]
    #[cfg_attr(feature = "debug", track_caller)]
    pub fn rent_mut(&self, h: Handle<T>) -> Result<RentMut<'_, T>, RentError> {
        let slot = self.pool.live_slot(h).ok_or(RentError::Stale)?;
        if slot.state.get() != 0 {
            return Err(RentError::Busy);
        }
        slot.state.set(EXCLUSIVE);
        #[cfg(feature = "debug")]
        self.pool
            .rent_sites
            .rented(h.index() as usize, core::panic::Location::caller());
        Ok(RentMut { slot, handle: h })
    }

    /// Whether `h` names a live value in the pool (rented or not).
    ///
    /// # Examples
    ///
    /// ```
    /// let mut pool = pool_core::Pool::new();
    /// let h = pool.insert(1);
    /// assert!(pool.rentals().contains(h));
    /// ```
    #[inline]
    pub fn contains(&self, h: Handle<T>) -> bool {
        self.pool.contains(h)
    }

    /// Number of live values in the pool.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut pool = pool_core::Pool::new();
    /// pool.insert(1);
    /// assert_eq!(pool.rentals().len(), 1);
    /// ```
    #[inline]
    pub fn len(&self) -> usize {
        self.pool.len()
    }

    /// Whether the pool holds no value.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut pool: pool_core::Pool<u8> = pool_core::Pool::new();
    /// assert!(pool.rentals().is_empty());
    /// ```
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.pool.is_empty()
    }
}

impl<T> fmt::Debug for Rentals<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Rentals")
            .field("len", &self.pool.len())
            .finish_non_exhaustive()
    }
}

// === impl Rent, RentMut ===

impl<T> Rent<'_, T> {
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

impl<T> RentMut<'_, T> {
    /// The handle this guard rents.
    ///
    /// # Examples
    ///
    /// ```
    /// use pool_core::{Pool, RentMut};
    /// let mut pool = Pool::new();
    /// let h = pool.insert(1);
    /// let rentals = pool.rentals();
    /// let g = rentals.rent_mut(h).unwrap();
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
        // SAFETY: the slot was live when the guard was made and stays occupied while the
        // guard lives (removal needs `&mut Pool`, excluded by the guard's borrow). No
        // `&mut T` to it exists: through `&Pool` none can be made, and in a `Rentals`
        // this guard's count keeps `rent_mut` out (pool invariant 4).
        unsafe { &*self.slot.value_ptr() }
    }
}

impl<T> Drop for Rent<'_, T> {
    #[inline]
    fn drop(&mut self) {
        if self.counted {
            let state = self.slot.state.get();
            debug_assert!(state != 0 && state != EXCLUSIVE);
            self.slot.state.set(state - 1);
        }
    }
}

impl<T> Deref for RentMut<'_, T> {
    type Target = T;
    #[inline]
    fn deref(&self) -> &T {
        // SAFETY: this guard holds the slot's exclusive rent (state == EXCLUSIVE), so the
        // slot is occupied and no other reference to the value exists (invariant 4).
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
