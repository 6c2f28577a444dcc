//! Standard trait impls for [`Pool`].

use alloc::vec::Vec;
use core::cell::Cell;
use core::fmt;
use core::ops::{Index, IndexMut};

use super::iter::{IntoIter, Iter, IterMut};
use super::slot::{Slot, EXCLUSIVE};
use super::Pool;
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
/// If a value is exclusively rented (as `RefCell::clone` does), or if `T::clone` panics;
/// the original is unchanged then.
impl<T: Clone> Clone for Pool<T> {
    fn clone(&self) -> Self {
        // `T::clone` gets `&T` to every value: no `rent_mut` may alias it meanwhile. The
        // mark is lifted again once every clone is made (on panic it stays: harmless).
        let previous = self.all_marked.replace(self.epoch);
        let mut slots = Vec::with_capacity(self.slots.capacity());
        for slot in &self.slots {
            slots.push(if slot.is_occupied() {
                assert!(
                    slot.state.get() != EXCLUSIVE,
                    "cannot clone a Pool while one of its values is exclusively rented"
                );
                // SAFETY: occupied (invariant 1) and not exclusively rented; marked via
                // `all_marked`, so no `RentMut` can be created while `clone` runs.
                let value = unsafe { &*slot.value_ptr() };
                Slot::occupied(value.clone(), slot.version)
            } else {
                Slot::vacant(slot.version, slot.state.get())
            });
        }
        self.all_marked.set(previous);
        Pool {
            slots,
            occupancy: self.occupancy.clone(),
            free_head: self.free_head,
            len: self.len,
            retired: self.retired,
            limit: self.limit,
            bounded: self.bounded,
            id: self.id,
            key: self.key,
            epoch: 1,
            all_marked: Cell::new(0),
            spares: self.spares.clone(),
            factory: self.factory,
            counters: self.counters,
        }
    }
}

/// Prints the live values as a map from handle to value.
impl<T: fmt::Debug> fmt::Debug for Pool<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let previous = self.all_marked.get();
        let result = f.debug_map().entries(self.iter()).finish();
        // The `&T`s `iter` handed out are dead now.
        self.all_marked.set(previous);
        result
    }
}

impl<T> Index<Handle<T>> for Pool<T> {
    type Output = T;

    /// # Panics
    ///
    /// If `h` is not live in this pool or its value is exclusively rented.
    #[inline]
    #[track_caller]
    fn index(&self, h: Handle<T>) -> &T {
        match self.get(h) {
            Some(v) => v,
            None => index_panic(h, self.contains(h)),
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
            None => index_panic(h, false),
        }
    }
}

#[cold]
#[inline(never)]
#[track_caller]
fn index_panic<T>(h: Handle<T>, rented: bool) -> ! {
    if rented {
        panic!("Pool index: the value of {h:?} is exclusively rented")
    } else {
        panic!("Pool index: {h:?} is stale, foreign or forged: no live value for it")
    }
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

    fn into_iter(self) -> IntoIter<T> {
        IntoIter::new(self.slots, self.len as usize, self.key)
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
