//! Iterators over a [`Pool`].
//!
//! All of them walk the occupancy map eight slots at a time, so holes cost nothing. By the pool's invariant
//! 1, every index they produce is in bounds and names an occupied slot.

use alloc::vec;
use core::fmt;
use core::iter::FusedIterator;
use core::marker::PhantomData;

use super::occupancy::SetBits;
use super::slot::Slot;
use super::Pool;
use crate::Handle;

// === Iter ===

/// Iterator over `(Handle<T>, &T)`; see [`Pool::iter`].
///
/// # Examples
///
/// ```
/// let mut pool = pool_core::Pool::new();
/// let h = pool.insert('a');
/// let mut it = pool.iter();
/// assert_eq!(it.next(), Some((h, &'a')));
/// assert_eq!(it.next(), None);
/// ```
pub struct Iter<'a, T> {
    slots: &'a [Slot<T>],
    bits: SetBits<'a>,
    remaining: usize,
}

impl<'a, T> Iter<'a, T> {
    pub(super) fn new(slots: &'a [Slot<T>], words: &'a [u64], len: usize) -> Self {
        Iter {
            slots,
            bits: SetBits::new(words),
            remaining: len,
        }
    }
}

impl<'a, T> Iterator for Iter<'a, T> {
    type Item = (Handle<T>, &'a T);

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        if self.remaining == 0 {
            return None;
        }
        let i = self.bits.next()?;
        Some(self.item(i))
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

impl<'a, T> Iter<'a, T> {
    /// The item of slot `i`, which `bits` just produced.
    #[inline(always)]
    fn item(&mut self, i: usize) -> (Handle<T>, &'a T) {
        self.remaining -= 1;
        // SAFETY: bits are only set for occupied slots below `slots.len()` (pool
        // invariant 1).
        let slot = unsafe { self.slots.get_unchecked(i) };
        // SAFETY: occupied (invariant 1).
        let handle = unsafe { Pool::slot_handle(i as u32, slot) };
        // SAFETY: occupied (invariant 1); the pool is borrowed shared for `'a`, so no
        // `&mut T` to the value exists (invariant 4).
        (handle, unsafe { &*slot.value_ptr() })
    }
}

impl<T> DoubleEndedIterator for Iter<'_, T> {
    #[inline]
    fn next_back(&mut self) -> Option<Self::Item> {
        if self.remaining == 0 {
            return None;
        }
        let i = self.bits.next_back()?;
        Some(self.item(i))
    }
}

impl<T> ExactSizeIterator for Iter<'_, T> {}
impl<T> FusedIterator for Iter<'_, T> {}

impl<T> Clone for Iter<'_, T> {
    fn clone(&self) -> Self {
        Iter {
            slots: self.slots,
            bits: self.bits.clone(),
            remaining: self.remaining,
        }
    }
}

impl<T> fmt::Debug for Iter<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Iter")
            .field("remaining", &self.remaining)
            .finish_non_exhaustive()
    }
}

// === IterMut ===

/// Iterator over `(Handle<T>, &mut T)`; see [`Pool::iter_mut`].
///
/// # Examples
///
/// ```
/// let mut pool = pool_core::Pool::new();
/// pool.insert(1);
/// for (_, v) in pool.iter_mut() { *v += 1; }
/// assert_eq!(pool.values().next(), Some(&2));
/// ```
pub struct IterMut<'a, T> {
    slots: *mut Slot<T>,
    bits: SetBits<'a>,
    remaining: usize,
    _marker: PhantomData<&'a mut [Slot<T>]>,
}

impl<'a, T> IterMut<'a, T> {
    pub(super) fn new(slots: &'a mut [Slot<T>], words: &'a [u64], len: usize) -> Self {
        IterMut {
            slots: slots.as_mut_ptr(),
            bits: SetBits::new(words),
            remaining: len,
            _marker: PhantomData,
        }
    }
}

impl<'a, T> Iterator for IterMut<'a, T> {
    type Item = (Handle<T>, &'a mut T);

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        if self.remaining == 0 {
            return None;
        }
        let i = self.bits.next()?;
        Some(self.item(i))
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

impl<'a, T> IterMut<'a, T> {
    /// The item of slot `i`, which `bits` just produced.
    #[inline(always)]
    fn item(&mut self, i: usize) -> (Handle<T>, &'a mut T) {
        self.remaining -= 1;
        // SAFETY: `i` is in bounds of the exclusively borrowed slice (invariant 1), so
        // the pointer is valid.
        let slot = unsafe { self.slots.add(i) };
        // SAFETY: `slot` is valid (above); reading a `u32` field through it.
        let generation = unsafe { (*slot).generation };
        // SAFETY: occupied (invariant 1), so `generation` is odd.
        let handle = unsafe { Handle::from_generation(i as u32, generation) };
        // SAFETY: occupied (invariant 1); each index comes out of `SetBits` once (from
        // either end), so the `&mut T`s never overlap; the slice is exclusively borrowed
        // for `'a`.
        (handle, unsafe { &mut *Slot::raw_value_ptr(slot) })
    }
}

impl<T> DoubleEndedIterator for IterMut<'_, T> {
    #[inline]
    fn next_back(&mut self) -> Option<Self::Item> {
        if self.remaining == 0 {
            return None;
        }
        let i = self.bits.next_back()?;
        Some(self.item(i))
    }
}

impl<T> ExactSizeIterator for IterMut<'_, T> {}
impl<T> FusedIterator for IterMut<'_, T> {}

// SAFETY: `IterMut` is a `&mut [Slot<T>]` in disguise: it hands out `&mut T`, which may
// move to another thread when `T: Send`.
unsafe impl<T: Send> Send for IterMut<'_, T> {}
// SAFETY: through `&IterMut` nothing can be reached (every method takes `&mut self`), like
// `slice::IterMut`.
unsafe impl<T: Sync> Sync for IterMut<'_, T> {}

// SAFETY: `Iter` and `Keys` are a `&Pool<T>` in disguise, which is `Sync` when `T: Sync`
// (see the `Sync` impl of `Pool`): they only read versions and hand out `&T`, and never
// touch the rent cells, so moving or sharing them is sound when `T: Sync`, like
// `slice::Iter`.
unsafe impl<T: Sync> Send for Iter<'_, T> {}
// SAFETY: as for `Send`.
unsafe impl<T: Sync> Sync for Iter<'_, T> {}
// SAFETY: as for `Iter`.
unsafe impl<T: Sync> Send for Keys<'_, T> {}
// SAFETY: as for `Iter`.
unsafe impl<T: Sync> Sync for Keys<'_, T> {}
// SAFETY: `IntoIter` owns its slots; through `&IntoIter` only its length can be read, and
// the rent cells are never touched, like `vec::IntoIter`.
unsafe impl<T: Sync> Sync for IntoIter<T> {}

impl<T> fmt::Debug for IterMut<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IterMut")
            .field("remaining", &self.remaining)
            .finish_non_exhaustive()
    }
}

// === Keys, Values, ValuesMut ===

/// Iterator over the live handles; see [`Pool::keys`].
///
/// # Examples
///
/// ```
/// let mut pool = pool_core::Pool::new();
/// let h = pool.insert(());
/// assert_eq!(pool.keys().next(), Some(h));
/// ```
pub struct Keys<'a, T> {
    slots: &'a [Slot<T>],
    bits: SetBits<'a>,
    remaining: usize,
}

impl<'a, T> Keys<'a, T> {
    pub(super) fn new(slots: &'a [Slot<T>], words: &'a [u64], len: usize) -> Self {
        Keys {
            slots,
            bits: SetBits::new(words),
            remaining: len,
        }
    }
}

impl<T> Iterator for Keys<'_, T> {
    type Item = Handle<T>;

    #[inline]
    fn next(&mut self) -> Option<Handle<T>> {
        if self.remaining == 0 {
            return None;
        }
        let i = self.bits.next()?;
        self.remaining -= 1;
        // SAFETY: `bits` only yields occupied slots (invariant 1).
        Some(unsafe { Pool::slot_handle(i as u32, &self.slots[i]) })
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

impl<T> DoubleEndedIterator for Keys<'_, T> {
    #[inline]
    fn next_back(&mut self) -> Option<Handle<T>> {
        if self.remaining == 0 {
            return None;
        }
        let i = self.bits.next_back()?;
        self.remaining -= 1;
        // SAFETY: `bits` only yields occupied slots (invariant 1).
        Some(unsafe { Pool::slot_handle(i as u32, &self.slots[i]) })
    }
}

impl<T> Clone for Keys<'_, T> {
    fn clone(&self) -> Self {
        Keys {
            slots: self.slots,
            bits: self.bits.clone(),
            remaining: self.remaining,
        }
    }
}

impl<T> ExactSizeIterator for Keys<'_, T> {}
impl<T> FusedIterator for Keys<'_, T> {}

impl<T> fmt::Debug for Keys<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keys")
            .field("remaining", &self.remaining)
            .finish_non_exhaustive()
    }
}

/// Iterator over `&T`; see [`Pool::values`].
///
/// # Examples
///
/// ```
/// let pool: pool_core::Pool<u8> = [1, 2].into_iter().collect();
/// assert_eq!(pool.values().count(), 2);
/// ```
pub struct Values<'a, T> {
    pub(super) inner: Iter<'a, T>,
}

impl<'a, T> Iterator for Values<'a, T> {
    type Item = &'a T;

    #[inline]
    fn next(&mut self) -> Option<&'a T> {
        self.inner.next().map(|(_, v)| v)
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl<T> DoubleEndedIterator for Values<'_, T> {
    #[inline]
    fn next_back(&mut self) -> Option<Self::Item> {
        self.inner.next_back().map(|(_, v)| v)
    }
}

impl<T> Clone for Values<'_, T> {
    fn clone(&self) -> Self {
        Values {
            inner: self.inner.clone(),
        }
    }
}

impl<T> ExactSizeIterator for Values<'_, T> {}
impl<T> FusedIterator for Values<'_, T> {}

impl<T> fmt::Debug for Values<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Values").finish_non_exhaustive()
    }
}

/// Iterator over `&mut T`; see [`Pool::values_mut`].
///
/// # Examples
///
/// ```
/// let mut pool: pool_core::Pool<u8> = [1, 2].into_iter().collect();
/// pool.values_mut().for_each(|v| *v += 1);
/// assert_eq!(pool.values().copied().sum::<u8>(), 5);
/// ```
pub struct ValuesMut<'a, T> {
    pub(super) inner: IterMut<'a, T>,
}

impl<'a, T> Iterator for ValuesMut<'a, T> {
    type Item = &'a mut T;

    #[inline]
    fn next(&mut self) -> Option<&'a mut T> {
        self.inner.next().map(|(_, v)| v)
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl<T> DoubleEndedIterator for ValuesMut<'_, T> {
    #[inline]
    fn next_back(&mut self) -> Option<Self::Item> {
        self.inner.next_back().map(|(_, v)| v)
    }
}

impl<T> ExactSizeIterator for ValuesMut<'_, T> {}
impl<T> FusedIterator for ValuesMut<'_, T> {}

impl<T> fmt::Debug for ValuesMut<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ValuesMut").finish_non_exhaustive()
    }
}

// === IntoIter ===

/// Owning iterator over `(Handle<T>, T)`; see `Pool::into_iter`. Values not yielded are
/// dropped with the iterator.
///
/// # Examples
///
/// ```
/// let mut pool = pool_core::Pool::new();
/// let h = pool.insert(String::from("x"));
/// let all: Vec<_> = pool.into_iter().collect();
/// assert_eq!(all, [(h, String::from("x"))]);
/// ```
pub struct IntoIter<T> {
    slots: core::iter::Enumerate<vec::IntoIter<Slot<T>>>,
    remaining: usize,
}

impl<T> IntoIter<T> {
    pub(super) fn new(slots: alloc::vec::Vec<Slot<T>>, len: usize) -> Self {
        IntoIter {
            slots: slots.into_iter().enumerate(),
            remaining: len,
        }
    }
}

impl<T> Iterator for IntoIter<T> {
    type Item = (Handle<T>, T);

    fn next(&mut self) -> Option<Self::Item> {
        while self.remaining > 0 {
            let (i, slot) = self.slots.next()?;
            let generation = slot.generation;
            if let Some(value) = slot.into_value() {
                self.remaining -= 1;
                // SAFETY: the slot was occupied (it had a value), so `generation` is odd.
                let handle = unsafe { Handle::from_generation(i as u32, generation) };
                return Some((handle, value));
            }
        }
        None
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

impl<T> DoubleEndedIterator for IntoIter<T> {
    fn next_back(&mut self) -> Option<Self::Item> {
        while self.remaining > 0 {
            let (i, slot) = self.slots.next_back()?;
            let generation = slot.generation;
            if let Some(value) = slot.into_value() {
                self.remaining -= 1;
                // SAFETY: the slot was occupied (it had a value), so `generation` is odd.
                let handle = unsafe { Handle::from_generation(i as u32, generation) };
                return Some((handle, value));
            }
        }
        None
    }
}

impl<T> ExactSizeIterator for IntoIter<T> {}
impl<T> FusedIterator for IntoIter<T> {}

impl<T> fmt::Debug for IntoIter<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IntoIter")
            .field("remaining", &self.remaining)
            .finish_non_exhaustive()
    }
}

// === Drain ===

/// Draining iterator over `(Handle<T>, T)`; see [`Pool::drain`].
///
/// Each step removes one value with full bookkeeping, so the pool is consistent whatever
/// happens to the iterator: values not yet yielded are removed and dropped when it is
/// dropped, and stay in the pool if it is leaked.
///
/// # Examples
///
/// ```
/// let mut pool = pool_core::Pool::new();
/// pool.insert(1);
/// pool.insert(2);
/// let mut d = pool.drain();
/// assert_eq!(d.next().map(|(_, v)| v), Some(1));
/// drop(d); // removes the rest
/// assert!(pool.is_empty());
/// ```
pub struct Drain<'a, T> {
    pool: &'a mut Pool<T>,
    /// Slots before `next` and from `end` on are already drained.
    next: usize,
    end: usize,
}

impl<'a, T> Drain<'a, T> {
    pub(super) fn new(pool: &'a mut Pool<T>) -> Self {
        let end = pool.slots.len();
        Drain { pool, next: 0, end }
    }
}

impl<T> Iterator for Drain<'_, T> {
    type Item = (Handle<T>, T);

    fn next(&mut self) -> Option<Self::Item> {
        let (i, handle, value) = self.pool.drain_from(self.next)?;
        self.next = i + 1;
        Some((handle, value))
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.pool.len(), Some(self.pool.len()))
    }
}

impl<T> DoubleEndedIterator for Drain<'_, T> {
    fn next_back(&mut self) -> Option<Self::Item> {
        let (i, handle, value) = self.pool.drain_before(self.end)?;
        self.end = i;
        Some((handle, value))
    }
}

impl<T> ExactSizeIterator for Drain<'_, T> {}
impl<T> FusedIterator for Drain<'_, T> {}

impl<T> Drop for Drain<'_, T> {
    fn drop(&mut self) {
        // Bookkeeping happens before each value is dropped, so if a `Drop` panics the
        // values left are still live in the pool, each to be dropped exactly once later.
        for item in self.by_ref() {
            drop(item);
        }
    }
}

impl<T> fmt::Debug for Drain<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Drain")
            .field("remaining", &self.pool.len())
            .finish_non_exhaustive()
    }
}

// === impl Pool: iteration ===

impl<T> Pool<T> {
    /// Iterates over `(handle, &value)` in slot order.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut pool = pool_core::Pool::new();
    /// pool.insert(1);
    /// pool.insert(2);
    /// assert_eq!(pool.iter().map(|(_, v)| v).sum::<i32>(), 3);
    /// ```
    pub fn iter(&self) -> Iter<'_, T> {
        Iter::new(&self.slots, self.occupancy.words(), self.len())
    }

    /// Iterates over `(handle, &mut value)` in slot order.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut pool = pool_core::Pool::new();
    /// pool.insert(1);
    /// for (_, v) in pool.iter_mut() { *v *= 10; }
    /// assert_eq!(pool.values().sum::<i32>(), 10);
    /// ```
    pub fn iter_mut(&mut self) -> IterMut<'_, T> {
        let len = self.len();
        IterMut::new(&mut self.slots, self.occupancy.words(), len)
    }

    /// Iterates over the live handles in slot order.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut pool = pool_core::Pool::new();
    /// let h = pool.insert(1);
    /// assert_eq!(pool.keys().collect::<Vec<_>>(), [h]);
    /// ```
    pub fn keys(&self) -> Keys<'_, T> {
        Keys::new(&self.slots, self.occupancy.words(), self.len())
    }

    /// Iterates over `&value` in slot order.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut pool = pool_core::Pool::new();
    /// pool.insert(4);
    /// assert_eq!(pool.values().copied().collect::<Vec<_>>(), [4]);
    /// ```
    pub fn values(&self) -> Values<'_, T> {
        Values { inner: self.iter() }
    }

    /// Iterates over `&mut value` in slot order.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut pool = pool_core::Pool::new();
    /// pool.insert(4);
    /// pool.values_mut().for_each(|v| *v = 0);
    /// assert_eq!(pool.values().sum::<i32>(), 0);
    /// ```
    pub fn values_mut(&mut self) -> ValuesMut<'_, T> {
        ValuesMut {
            inner: self.iter_mut(),
        }
    }
}
