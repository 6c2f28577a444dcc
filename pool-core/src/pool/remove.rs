//! Removing one value of a [`Pool`]: `remove`, and the bookkeeping every path that takes
//! a value out of use shares (`take_at`, `count_removal`).

use super::slot::NONE;
use super::Pool;
use crate::Handle;

impl<T> Pool<T> {
    /// Removes and returns the value `h` names; `None` if `h` is not live here.
    ///
    /// The handle, and every copy of it, is invalid from now on.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut pool = pool_core::Pool::new();
    /// let h = pool.insert(String::from("x"));
    /// assert_eq!(pool.remove(h).as_deref(), Some("x"));
    /// assert_eq!(pool.remove(h), None);
    /// ```
    #[inline]
    pub fn remove(&mut self, h: Handle<T>) -> Option<T> {
        self.live_slot(h)?;
        // SAFETY: `h` is live, so its slot is occupied (invariant 5) with `h`'s generation.
        Some(unsafe { self.take_at(h.index() as usize, Self::vacated_generation(h)) })
    }

    /// The generation the slot of live handle `h` takes when its value leaves: one more
    /// than `h`'s.
    ///
    /// Computed from the handle, not from the slot (both hold the same generation once
    /// `h` is checked): the slot was just looked up at random and is often not in cache
    /// yet, and the next `insert` reads this generation back from the vacated slot. From
    /// the handle, the store of it need not wait for the slot's load. The sum is taken on
    /// the whole `u64` so that the compiler, which knows the two are equal, does not
    /// substitute the slot's copy.
    #[inline(always)]
    pub(super) fn vacated_generation(h: Handle<T>) -> u32 {
        (h.to_bits().wrapping_add(1 << 32) >> 32) as u32
    }

    /// Moves the value out of slot `i`, leaving it at generation `next`, and updates every
    /// piece of bookkeeping.
    ///
    /// # Safety
    ///
    /// - `i < self.slots.len()`, slot `i` is occupied and `next` is one more than its
    ///   generation.
    #[inline(always)]
    pub(super) unsafe fn take_at(&mut self, i: usize, next: u32) -> T {
        // SAFETY: `i` is in bounds (caller).
        let slot = unsafe { Self::slot_mut(&mut self.slots, i) };
        debug_assert!(slot.is_occupied() && slot.generation.wrapping_add(1) == next);
        // `next` is even, because the generation was odd (invariant 1).
        let value = if next == self.key {
            // The version wraps to 0: the slot retires for good (invariant 0).
            self.retired += 1;
            // SAFETY: occupied (caller); `next` is even.
            unsafe { slot.take(next, NONE) }
        } else {
            let head = self.free_head;
            self.free_head = i as u32;
            // SAFETY: occupied (caller); `next` is even.
            unsafe { slot.take(next, head) }
        };
        // SAFETY: `i` is in bounds (caller) and was occupied until just now.
        unsafe { self.count_removal(i) };
        value
    }

    /// The pool-wide bookkeeping of taking the value in slot `i` out of use (by `remove`
    /// or `release`): counters, the registry, debug sites and the occupancy byte. The
    /// slot itself is the caller's to update, before this: the occupancy byte is stored
    /// last, because a byte store may alias anything and would make the compiler reload
    /// every field read after it.
    ///
    /// # Safety
    ///
    /// - `i < self.slots.len()`, and the value in slot `i` is being taken out of use (the
    ///   slot was occupied when the caller's operation began).
    #[inline(always)]
    pub(super) unsafe fn count_removal(&mut self, i: usize) {
        self.counters.removes += 1;
        self.link.publish_len(self.len());
        #[cfg(feature = "debug")]
        self.sites.forget(i);
        // SAFETY: `i < slots.len()` (caller), and every slot index is covered (occupancy
        // invariant).
        unsafe { self.occupancy.clear(i) };
    }
}
