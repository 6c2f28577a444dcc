//! Capacity of a [`Pool`]: reserving room up front and the amortised growth behind
//! inserts. Growth is fallible all the way: slots and the occupancy bitmap are reserved
//! with `try_reserve`, so a failing allocator gives an error, never an abort.

use super::{capacity_panic, Pool, Slot, MAX_SLOTS};
use crate::error::PoolError;

impl<T> Pool<T> {
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

    /// Makes room for `additional` more values without allocating.
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
    pub fn try_reserve(&mut self, additional: usize) -> Result<(), PoolError> {
        let free = self.slots.len() - self.len() - self.retired as usize;
        let new_slots = additional.saturating_sub(free);
        if new_slots == 0 {
            return Ok(());
        }
        let total = self
            .slots
            .len()
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
        // The bitmap first: if the slots then fail, nothing observable has changed (the
        // bitmap's spare room is invisible), and an insert after the error still finds
        // its bit covered or grows through the fallible path.
        self.occupancy
            .try_reserve_for(total)
            .map_err(|_| PoolError::AllocFailed)?;
        self.slots
            .try_reserve_exact(total - self.slots.len())
            .map_err(|_| PoolError::AllocFailed)
    }

    #[cold]
    #[inline(never)]
    pub(super) fn grow_one(&mut self) -> Result<(), PoolError> {
        let len = self.slots.len();
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
