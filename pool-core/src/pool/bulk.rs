//! Removing many values of a [`Pool`] at once: `retain`, `clear` and `drain` (from both
//! ends). Each value is removed with full bookkeeping before it is dropped or handed out,
//! so a panicking `Drop` or closure leaves the pool consistent (module invariants of
//! `pool`).

use super::slot::NONE;
use super::{Drain, Pool};
use crate::Handle;

impl<T> Pool<T> {
    /// Keeps only the values for which `keep` returns `true`, visiting them in slot order.
    ///
    /// If `keep` or a value's `Drop` panics, the values already visited are settled and
    /// the rest stay in the pool.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut pool = pool_core::Pool::new();
    /// for i in 0..10 { pool.insert(i); }
    /// pool.retain(|_, v| *v % 2 == 0);
    /// assert_eq!(pool.len(), 5);
    /// ```
    pub fn retain<F: FnMut(Handle<T>, &mut T) -> bool>(&mut self, mut keep: F) {
        let mut next = self.occupancy.next_from(0);
        while let Some(i) = next {
            let slot = &mut self.slots[i];
            let generation = slot.generation;
            let value = slot.get_mut().expect("occupancy map marks a vacant slot");
            // SAFETY: `get_mut` found the slot occupied, so `generation` is odd (invariant 1).
            let handle = unsafe { Handle::from_generation(i as u32, generation) };
            if !keep(handle, value) {
                // SAFETY: slot `i` was marked occupied, so it is occupied (invariant 1) with
                // `generation`; `keep` could not change either through the `&mut T` it
                // was given.
                drop(unsafe { self.take_at(i, generation.wrapping_add(1)) });
            }
            next = self.occupancy.next_from(i + 1);
        }
    }

    /// Removes every value. Every old handle becomes invalid; capacity and spares are
    /// kept.
    ///
    /// If a value's `Drop` panics, the values not yet dropped stay in the pool.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut pool = pool_core::Pool::new();
    /// let h = pool.insert(1);
    /// pool.clear();
    /// assert!(pool.is_empty() && !pool.contains(h));
    /// ```
    pub fn clear(&mut self) {
        drop(self.drain());
        self.rebuild_free_list();
    }

    /// Threads the free list through the vacant slots in ascending order, so an emptied
    /// pool hands out indices as a fresh one does. Only called when no slot is occupied.
    fn rebuild_free_list(&mut self) {
        debug_assert!(self.is_empty());
        let mut head = NONE;
        for (i, slot) in self.slots.iter_mut().enumerate().rev() {
            // Retired slots (version 0) and spares stay off the list (invariants 2, 3).
            if slot.generation != self.key && !slot.is_spare() {
                *slot.state.get_mut() = head;
                head = i as u32;
            }
        }
        self.free_head = head;
    }

    /// Removes every value, yielding each with its (now invalid) handle in slot order.
    ///
    /// Values the iterator has not yielded when it is dropped are dropped then. If the
    /// iterator is leaked, they stay in the pool.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut pool = pool_core::Pool::new();
    /// pool.insert('a');
    /// pool.insert('b');
    /// let drained: String = pool.drain().map(|(_, c)| c).collect();
    /// assert_eq!(drained, "ab");
    /// assert!(pool.is_empty());
    /// ```
    pub fn drain(&mut self) -> Drain<'_, T> {
        Drain::new(self)
    }

    /// Removes the value in the first occupied slot at or after `from`.
    pub(super) fn drain_from(&mut self, from: usize) -> Option<(usize, Handle<T>, T)> {
        let i = self.occupancy.next_from(from)?;
        // SAFETY: `next_from` returns set bits only.
        Some(unsafe { self.drain_at(i) })
    }

    /// Removes the value in the last occupied slot before `end`.
    pub(super) fn drain_before(&mut self, end: usize) -> Option<(usize, Handle<T>, T)> {
        let i = self.occupancy.prev_before(end)?;
        // SAFETY: `prev_before` returns set bits only.
        Some(unsafe { self.drain_at(i) })
    }

    /// Removes the value in slot `i`.
    ///
    /// # Safety
    ///
    /// - Slot `i` is marked occupied in the occupancy map.
    unsafe fn drain_at(&mut self, i: usize) -> (usize, Handle<T>, T) {
        debug_assert!(i < self.slots.len());
        // SAFETY: marked occupied (caller), so slot `i` exists and is occupied (invariant
        // 1); reached without a reference to the whole slice (see `slot_at`).
        let handle = unsafe { Self::slot_handle(i as u32, Self::slot_mut(&mut self.slots, i)) };
        // SAFETY: marked occupied (caller), so slot `i` is occupied (invariant 1), with
        // the generation its handle carries.
        let value = unsafe { self.take_at(i, handle.generation().wrapping_add(1)) };
        (i, handle, value)
    }
}
