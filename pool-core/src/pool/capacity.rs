//! Capacity of a [`Pool`]: reserving room up front, the amortised growth behind inserts,
//! and shrinking. Growth is fallible all the way: slots and the occupancy map are
//! reserved with `try_reserve`, so a failing allocator gives an error, never an abort.
//!
//! # Growth policy
//!
//! - An insert with no vacant slot and no spare capacity doubles the slot count (at
//!   least 4 slots the first time, fewer for values over 1 KiB: the first step is at most
//!   4 KiB of slots but always one slot), clamped to the bound of a bounded pool and the
//!   `u32` index space. If doubling fails, it tries one slot before reporting
//!   [`PoolError::AllocFailed`].
//! - `reserve(n)` grows to at least `n` free slots, and to at least twice the current
//!   slot count, so that reserving in a loop stays amortised O(1) like `Vec::reserve`;
//!   `reserve_exact(n)` grows to exactly what `n` needs.
//! - A bounded pool allocates its whole bound when it is built and never grows.
//! - Memory is given back only when asked: [`shrink_to_fit`](Pool::shrink_to_fit) /
//!   [`shrink_to`](Pool::shrink_to) drop trailing vacant slots and spare capacity; they
//!   cannot go below the highest live slot, since live handles name their slot by index.

use super::{capacity_panic, Pool, Slot, MAX_SLOTS};
use crate::error::PoolError;

impl<T> Pool<T> {
    /// Heap bytes the pool holds, by capacity: its slots, occupancy map and spare list
    /// (not what the values own).
    pub(crate) fn heap_bytes(&self) -> usize {
        self.slots.capacity() * core::mem::size_of::<Slot<T>>()
            + self.occupancy.heap_bytes()
            + self.spares.heap_bytes()
    }

    /// Makes room for `additional` more values without allocating.
    ///
    /// # Panics
    ///
    /// If that would pass a bounded pool's bound or the `u32` index space, or the
    /// allocator fails. See [`try_reserve`](Pool::try_reserve).
    ///
    /// # Examples
    ///
    /// ```
    /// let mut pool: pool_core::Pool<u8> = pool_core::Pool::new();
    /// pool.reserve(10);
    /// assert!(pool.capacity() >= 10);
    /// ```
    #[track_caller]
    pub fn reserve(&mut self, additional: usize) {
        if let Err(e) = self.try_reserve(additional) {
            capacity_panic(e);
        }
    }

    /// Makes room for `additional` more values without allocating, growing amortised
    /// (see the growth policy in [`reserve`](Pool::reserve)).
    ///
    /// # Errors
    ///
    /// [`PoolError::Full`] past a bounded pool's bound, [`PoolError::CapacityOverflow`]
    /// past the `u32` index space or `isize::MAX` bytes, [`PoolError::AllocFailed`] if
    /// the allocator refuses. Nothing changes on error.
    ///
    /// # Examples
    ///
    /// ```
    /// use pool_core::{Pool, PoolError};
    /// let mut pool: Pool<u8> = Pool::new();
    /// assert_eq!(pool.try_reserve(usize::MAX), Err(PoolError::CapacityOverflow));
    /// assert!(pool.try_reserve(8).is_ok());
    /// ```
    #[inline]
    pub fn try_reserve(&mut self, additional: usize) -> Result<(), PoolError> {
        // The common case, without a call: a free slot is waiting.
        if additional == 1 && self.free_head != super::NONE {
            return Ok(());
        }
        self.reserve_inner(additional, false)
    }

    /// Makes room for exactly `additional` more values (free slots), no more.
    ///
    /// # Panics
    ///
    /// As [`reserve`](Pool::reserve).
    ///
    /// # Examples
    ///
    /// ```
    /// let mut pool: pool_core::Pool<u64> = pool_core::Pool::new();
    /// pool.reserve_exact(10);
    /// assert_eq!(pool.capacity(), 10);
    /// ```
    #[track_caller]
    pub fn reserve_exact(&mut self, additional: usize) {
        if let Err(e) = self.try_reserve_exact(additional) {
            capacity_panic(e);
        }
    }

    /// Makes room for exactly `additional` more values, no more.
    ///
    /// # Errors
    ///
    /// As [`try_reserve`](Pool::try_reserve).
    ///
    /// # Examples
    ///
    /// ```
    /// let mut pool: pool_core::Pool<u64> = pool_core::Pool::new();
    /// pool.try_reserve_exact(3).unwrap();
    /// assert_eq!(pool.capacity(), 3);
    /// ```
    pub fn try_reserve_exact(&mut self, additional: usize) -> Result<(), PoolError> {
        self.reserve_inner(additional, true)
    }

    fn reserve_inner(&mut self, additional: usize, exact: bool) -> Result<(), PoolError> {
        // Slots holding spares are not free for inserts (only a pool that cannot grow
        // gives a spare's slot up).
        let free = self.slots.capacity().min(self.limit)
            - self.len()
            - self.retired as usize
            - self.spares.len();
        let new_slots = additional.saturating_sub(free);
        if new_slots == 0 {
            return Ok(());
        }
        let total = self
            .slots
            .capacity()
            .min(self.limit)
            .checked_add(new_slots)
            .ok_or(PoolError::CapacityOverflow)?;
        if total > self.limit {
            return Err(if self.bounded && self.limit < MAX_SLOTS {
                PoolError::Full {
                    capacity: self.limit,
                }
            } else {
                PoolError::CapacityOverflow
            });
        }
        if core::mem::size_of::<Slot<T>>()
            .checked_mul(total)
            .is_none_or(|bytes| bytes > isize::MAX as usize)
        {
            return Err(PoolError::CapacityOverflow);
        }
        if self.id_pending {
            self.take_pending_id();
        }
        // Amortised: at least double, when that fits (an exact reserve as the fallback).
        let doubled = self.slots.len().saturating_mul(2).min(self.limit);
        let amortised = !exact && doubled > total && self.try_reserve_total(doubled).is_ok();
        if amortised {
            return Ok(());
        }
        self.try_reserve_total(total)
    }

    /// Makes the capacity (slots and occupancy map) at least `total` slots.
    fn try_reserve_total(&mut self, total: usize) -> Result<(), PoolError> {
        if core::mem::size_of::<Slot<T>>()
            .checked_mul(total)
            .is_none_or(|bytes| bytes > isize::MAX as usize)
        {
            return Err(PoolError::CapacityOverflow);
        }
        // The occupancy map first: if the slots then fail, nothing observable has changed (the
        // map's spare room is invisible), and an insert after the error still finds
        // its byte covered or grows through the fallible path.
        self.occupancy
            .try_reserve_for(total)
            .map_err(|_| PoolError::AllocFailed)?;
        self.slots
            .try_reserve_exact(total - self.slots.len())
            .map_err(|_| PoolError::AllocFailed)
    }

    /// Gives back every trailing vacant slot and all spare capacity (of the slots, the
    /// occupancy map and the spare list). See [`shrink_to`](Pool::shrink_to).
    ///
    /// # Examples
    ///
    /// ```
    /// let mut pool = pool_core::Pool::new();
    /// let hs: Vec<_> = (0..100).map(|i| pool.insert(i)).collect();
    /// for &h in &hs[10..] { pool.remove(h); }
    /// pool.shrink_to_fit();
    /// assert_eq!(pool.capacity(), 10);
    /// assert_eq!(pool[hs[9]], 9);
    /// assert!(pool.get(hs[50]).is_none());
    /// ```
    pub fn shrink_to_fit(&mut self) {
        self.shrink_to(0);
    }

    /// Shrinks the slot storage towards `min_capacity` slots: trailing vacant slots are
    /// dropped and the capacity given back, but never below the highest live slot (live
    /// handles name their slot by index, so the pool cannot move values down).
    ///
    /// Handles of removed slots stay stale: a slot pushed again at a dropped index starts
    /// with a version above any the dropped slot had. A retired slot (generation
    /// exhausted) is never dropped, and neither is a slot holding a spare (drop spares
    /// first with [`shrink_spares`](Pool::shrink_spares)), so the trim stops there. The free list keeps its
    /// order, minus the dropped slots.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut pool = pool_core::Pool::new();
    /// let a = pool.insert('a');
    /// let b = pool.insert('b');
    /// let c = pool.insert('c');
    /// pool.remove(c);
    /// pool.remove(a);
    /// pool.shrink_to(0);
    /// assert_eq!(pool.capacity(), 2); // slot 1 (`b`) is live, slot 0 stays below it
    /// let c2 = pool.insert('z');
    /// assert!(pool.get(c).is_none() && pool.get(a).is_none());
    /// assert_eq!((pool[b], pool[c2]), ('b', 'z'));
    /// ```
    pub fn shrink_to(&mut self, min_capacity: usize) {
        let mut keep = self.slots.len();
        while keep > min_capacity {
            let slot = &self.slots[keep - 1];
            if slot.is_occupied() || self.is_retired(slot) || slot.is_spare() {
                break;
            }
            keep -= 1;
        }
        if keep < self.slots.len() {
            // Remember the highest version a dropped slot had, then unlink them.
            for slot in &self.slots[keep..] {
                self.regrow_floor = self.regrow_floor.max(self.version_of(slot));
            }
            self.regrow_below = self.regrow_below.max(self.slots.len() as u32);
            self.unlink_free_from(keep);
            // Every slot past `keep` is vacant: truncating drops no value.
            self.slots.truncate(keep);
        }
        let target = keep.max(min_capacity.min(self.slots.capacity()));
        self.slots.shrink_to(target);
        self.occupancy.truncate(self.slots.len());
        self.occupancy.shrink_for(self.slots.capacity());
        self.spares.shrink_to_fit();
    }

    /// Removes every slot at or past `end` from the free list, keeping the order of the
    /// rest.
    fn unlink_free_from(&mut self, end: usize) {
        let mut head = super::NONE;
        let mut tail: Option<usize> = None;
        let mut cur = self.free_head;
        while cur != super::NONE {
            let i = cur as usize;
            let next = self.slots[i].next_free();
            if i < end {
                match tail {
                    Some(t) => *self.slots[t].state.get_mut() = cur,
                    None => head = cur,
                }
                tail = Some(i);
            }
            cur = next;
        }
        if let Some(t) = tail {
            *self.slots[t].state.get_mut() = super::NONE;
        }
        self.free_head = head;
    }

    #[cold]
    #[inline(never)]
    pub(super) fn grow_one(&mut self) -> Result<(), PoolError> {
        let len = self.slots.len();
        if self.id_pending {
            self.take_pending_id();
        }
        if len >= self.limit {
            return Err(if self.bounded && self.limit < MAX_SLOTS {
                PoolError::Full {
                    capacity: self.limit,
                }
            } else {
                PoolError::CapacityOverflow
            });
        }
        // Amortised doubling, clamped to the limit; a first step of up to 4 slots, fewer
        // for large values (one slot of a 1 MiB value, not four).
        let first = (4096 / core::mem::size_of::<Slot<T>>().max(1)).clamp(1, 4);
        let want = len.max(first).min(self.limit - len);
        if self.slots.try_reserve_exact(want).is_err() {
            self.slots
                .try_reserve_exact(1)
                .map_err(|_| PoolError::AllocFailed)?;
        }
        // Bits for every slot the capacity allows, or at least for the next one: `commit`
        // covers it without allocating (`vacant_index` checks `can_cover`).
        if self
            .occupancy
            .try_reserve_for(self.slots.capacity())
            .is_err()
        {
            self.occupancy
                .try_reserve_for(len + 1)
                .map_err(|_| PoolError::AllocFailed)?;
        }
        Ok(())
    }
}
