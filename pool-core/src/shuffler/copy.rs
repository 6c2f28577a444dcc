//! Copies of a [`Shuffler`] and iteration over its blocks: `Clone`, the iterators, and
//! building a shuffler from a list of slots (used by `Clone` and by `Deserialize`).

use alloc::vec::Vec;
use core::fmt;
use core::iter::FusedIterator;
use core::marker::PhantomData;

use super::{ShuffleError, ShuffleHandle, Shuffler, Slot, State, NONE};
use crate::handle::Handle;

impl<T> Shuffler<T> {
    /// A shuffler with id `id` whose handle slots are `slots` in index order: `(version,
    /// Some(elements))` for a live block (odd version), `(version, None)` for a vacant
    /// slot (even version; 0 is retired). Blocks are packed in slot order.
    pub(super) fn from_slots(
        id: u32,
        slots: Vec<(u32, Option<Vec<T>>)>,
    ) -> Result<Shuffler<T>, ShuffleError> {
        let mut s = Shuffler::with_id(id);
        let inner = s.inner.get_mut();
        let key = inner.key;
        inner
            .slots
            .try_reserve_exact(slots.len())
            .map_err(|_| ShuffleError::AllocFailed)?;
        for (version, block) in slots {
            debug_assert_eq!(version & 1 == 1, block.is_some());
            let slot = match block {
                Some(mut elems) => {
                    let len = u32::try_from(elems.len()).map_err(|_| ShuffleError::SizeOverflow)?;
                    let block = inner.reserve(len)?;
                    let dst = inner.block_ptr(block);
                    // SAFETY: `reserve` gave `len` unused slots at `dst`, which cannot
                    // overlap the vector's buffer; the vector forgets its elements right
                    // after, so each is owned once (by the block). No user code runs in
                    // between.
                    unsafe {
                        core::ptr::copy_nonoverlapping(elems.as_ptr(), dst, elems.len());
                        elems.set_len(0);
                    }
                    inner.live_blocks += 1;
                    inner.live_elems += len as usize;
                    // Odd: live, whatever the caller claimed (the key is even).
                    Slot::live((version | 1).wrapping_add(key), block, dst)
                }
                // Even: vacant (linked below).
                None => Slot::vacant((version & !1).wrapping_add(key), NONE),
            };
            inner.slots.push(slot);
        }
        // Vacant slots (not retired ones) form the free list, in ascending order.
        let mut head = NONE;
        for (i, slot) in inner.slots.iter_mut().enumerate().rev() {
            // A generation equal to the key is version 0: retired.
            if matches!(slot.state(), State::Vacant) && slot.generation != key {
                slot.next = head;
                head = i as u32;
            }
        }
        inner.free_head = head;
        // Room to free every block without allocating (module invariants).
        inner.reserve_pending(0)?;
        // Blocks were placed without the index: the first step builds it.
        inner.index.invalidate();
        Ok(s)
    }

    /// The handle slots as `(version, live handle)`, for copies of the shuffler.
    pub(super) fn slot_list(&self) -> Vec<(u32, Option<ShuffleHandle<T>>)> {
        let inner = self.inner();
        let key = inner.key;
        inner
            .slots
            .iter()
            .enumerate()
            .map(|(i, s)| match s.state() {
                State::Live { .. } => (
                    s.generation.wrapping_sub(key),
                    // SAFETY: a live slot's generation is odd (module invariants).
                    Some(unsafe { Handle::from_generation(i as u32, s.generation) }),
                ),
                // A zombie's generation is already even (it was freed while rented).
                _ => ((s.generation & !1).wrapping_sub(key), None),
            })
            .collect()
    }

    /// Live blocks with their handles, in storage order; tied to `&mut self`.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut s = pool_core::Shuffler::new();
    /// let a = s.create(1);
    /// let b = s.alloc_from_slice(&[2, 3]);
    /// let all: Vec<_> = s.iter().map(|(h, v)| (h, v.to_vec())).collect();
    /// assert_eq!(all, [(a, vec![1]), (b, vec![2, 3])]);
    /// assert_eq!(s.iter().next_back().map(|(h, _)| h), Some(b));
    /// ```
    pub fn iter(&mut self) -> Iter<'_, T> {
        Iter {
            entries: self.block_list().into_iter(),
            _marker: PhantomData,
        }
    }

    /// Live blocks with their handles, mutably, in storage order.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut s = pool_core::Shuffler::new();
    /// let a = s.alloc_from_slice(&[1, 2]);
    /// for (_, block) in s.iter_mut() {
    ///     block.iter_mut().for_each(|x| *x *= 10);
    /// }
    /// assert_eq!(s.get(a), Some(&[10, 20][..]));
    /// ```
    pub fn iter_mut(&mut self) -> IterMut<'_, T> {
        IterMut {
            entries: self.block_list().into_iter(),
            _marker: PhantomData,
        }
    }

    /// `(handle, start, len)` of every live block in storage order.
    fn block_list(&mut self) -> Vec<(ShuffleHandle<T>, *mut T, usize)> {
        let inner = self.inner();
        inner
            .storage_order(true)
            .into_iter()
            .map(|(i, block)| {
                // SAFETY: `storage_order(true)` lists live slots only, whose generations
                // are odd (module invariants).
                let h = unsafe { Handle::from_generation(i as u32, inner.slots[i].generation) };
                (h, inner.block_ptr(block), block.len as usize)
            })
            .collect()
    }
}

/// Iterator over a shuffler's live blocks; see [`Shuffler::iter`].
///
/// # Examples
///
/// ```
/// let mut s = pool_core::Shuffler::new();
/// s.create('a');
/// assert_eq!(s.iter().len(), 1);
/// ```
pub struct Iter<'a, T> {
    entries: alloc::vec::IntoIter<(ShuffleHandle<T>, *mut T, usize)>,
    _marker: PhantomData<&'a [T]>,
}

impl<'a, T> Iter<'a, T> {
    fn item((h, p, n): (ShuffleHandle<T>, *mut T, usize)) -> (ShuffleHandle<T>, &'a [T]) {
        // SAFETY: each pointer names a live block of `n` elements (module invariant);
        // the shuffler is borrowed mutably for `'a`, so nothing moves, frees or writes it.
        (h, unsafe { core::slice::from_raw_parts(p, n) })
    }
}

impl<'a, T> Iterator for Iter<'a, T> {
    type Item = (ShuffleHandle<T>, &'a [T]);
    fn next(&mut self) -> Option<Self::Item> {
        self.entries.next().map(Self::item)
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.entries.size_hint()
    }
}

impl<T> DoubleEndedIterator for Iter<'_, T> {
    fn next_back(&mut self) -> Option<Self::Item> {
        self.entries.next_back().map(Self::item)
    }
}

impl<T> ExactSizeIterator for Iter<'_, T> {}
impl<T> FusedIterator for Iter<'_, T> {}

impl<T> Clone for Iter<'_, T> {
    fn clone(&self) -> Self {
        Iter {
            entries: self.entries.clone(),
            _marker: PhantomData,
        }
    }
}

impl<T> fmt::Debug for Iter<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Iter")
            .field("remaining", &self.entries.len())
            .finish()
    }
}

/// Iterator over a shuffler's live blocks, mutably; see [`Shuffler::iter_mut`].
///
/// # Examples
///
/// ```
/// let mut s = pool_core::Shuffler::new();
/// s.create(1);
/// assert_eq!(s.iter_mut().rev().count(), 1);
/// ```
pub struct IterMut<'a, T> {
    entries: alloc::vec::IntoIter<(ShuffleHandle<T>, *mut T, usize)>,
    _marker: PhantomData<&'a mut [T]>,
}

impl<'a, T> IterMut<'a, T> {
    fn item((h, p, n): (ShuffleHandle<T>, *mut T, usize)) -> (ShuffleHandle<T>, &'a mut [T]) {
        // SAFETY: as in `Iter`, and blocks never overlap and each is yielded once, so the
        // `&mut [T]`s are disjoint.
        (h, unsafe { core::slice::from_raw_parts_mut(p, n) })
    }
}

impl<'a, T> Iterator for IterMut<'a, T> {
    type Item = (ShuffleHandle<T>, &'a mut [T]);
    fn next(&mut self) -> Option<Self::Item> {
        self.entries.next().map(Self::item)
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.entries.size_hint()
    }
}

impl<T> DoubleEndedIterator for IterMut<'_, T> {
    fn next_back(&mut self) -> Option<Self::Item> {
        self.entries.next_back().map(Self::item)
    }
}

impl<T> ExactSizeIterator for IterMut<'_, T> {}
impl<T> FusedIterator for IterMut<'_, T> {}

impl<T> fmt::Debug for IterMut<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IterMut")
            .field("remaining", &self.entries.len())
            .finish()
    }
}

// SAFETY: `Iter` hands out `&[T]` only: like `slice::Iter`, it may cross threads when
// `T: Sync`.
unsafe impl<T: Sync> Send for Iter<'_, T> {}
// SAFETY: as above.
unsafe impl<T: Sync> Sync for Iter<'_, T> {}
// SAFETY: `IterMut` hands out `&mut [T]`, which may move to another thread when `T: Send`.
unsafe impl<T: Send> Send for IterMut<'_, T> {}
// SAFETY: nothing is reachable through `&IterMut`.
unsafe impl<T: Sync> Sync for IterMut<'_, T> {}

/// A copy with the same id, handles and contents (blocks packed); counters start anew.
///
/// # Panics
///
/// If a block is exclusively rented (its elements may be changing), if `T::clone`
/// panics (the copy made so far is dropped; the original is unchanged), or if memory
/// runs out.
///
/// # Examples
///
/// ```
/// let s = pool_core::Shuffler::new();
/// let h = s.alloc_from_slice(&[1, 2]);
/// let mut copy = s.clone();
/// assert_eq!(copy.get(h), Some(&[1, 2][..]));
/// ```
impl<T: Clone> Clone for Shuffler<T> {
    fn clone(&self) -> Self {
        let mut slots = Vec::new();
        for (version, handle) in self.slot_list() {
            let block = handle.map(|h| match self.rent(h) {
                // The guard pins the block while `T::clone` runs (it may re-enter).
                Ok(guard) => guard.to_vec(),
                Err(e) => panic!("Shuffler::clone: block {} cannot be read: {e}", h.index()),
            });
            slots.push((version, block));
        }
        match Shuffler::from_slots(self.id, slots) {
            Ok(s) => s,
            Err(e) => panic!("Shuffler::clone: {e}"),
        }
    }
}
