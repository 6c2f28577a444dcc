//! The list of a [`Pool`](super::Pool)'s spares: a stack of slot indices (the most
//! recently released last), its limit, and the room a release may fill after a single
//! comparison.
//!
//! # Invariant
//!
//! `room <= stack.capacity()` and `room <= max`. Only [`Spares::make_room`] raises `room`
//! (to the smaller of the two, just after checking them); whatever could lower the
//! capacity or the limit sets `room` to 0, so the next push takes the slow path once and
//! computes it again. A push below `room` therefore needs no other check and never
//! allocates.

use alloc::vec::Vec;

/// A pool's spare slot indices and the most it keeps; see the module docs.
pub(super) struct Spares {
    stack: Vec<u32>,
    max: usize,
    room: usize,
}

impl Spares {
    /// Heap bytes held, by capacity.
    pub(super) fn heap_bytes(&self) -> usize {
        self.stack.capacity() * core::mem::size_of::<u32>()
    }

    /// No spares, no limit, no room yet.
    pub(super) const fn new() -> Self {
        Spares {
            stack: Vec::new(),
            max: usize::MAX,
            room: 0,
        }
    }

    /// Spares kept now.
    #[inline]
    pub(super) fn len(&self) -> usize {
        self.stack.len()
    }

    /// The most spares kept.
    #[inline]
    pub(super) fn max(&self) -> usize {
        self.max
    }

    /// Sets the most spares kept; the caller drops any past it.
    pub(super) fn set_max(&mut self, max: usize) {
        self.max = max;
        self.room = 0;
    }

    /// The most recently released spare's slot, taken off the list.
    #[inline]
    pub(super) fn pop(&mut self) -> Option<u32> {
        self.stack.pop()
    }

    /// The most recently released spare's slot.
    pub(super) fn last(&self) -> Option<u32> {
        self.stack.last().copied()
    }

    /// Every spare's slot, oldest first.
    pub(super) fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        self.stack.iter().copied()
    }

    /// Records slot `index` as a spare if there is room: one comparison, no allocation.
    /// `false` when the room is used up (see [`make_room`](Self::make_room)).
    #[inline(always)]
    pub(super) fn push_fast(&mut self, index: u32) -> bool {
        let len = self.stack.len();
        if len >= self.room {
            return false;
        }
        debug_assert!(len < self.stack.capacity() && len < self.max);
        // SAFETY: `len < room <= capacity` (module invariant), so the write stays in the
        // allocation and the new length covers initialised elements only.
        unsafe {
            self.stack.as_mut_ptr().add(len).write(index);
            self.stack.set_len(len + 1);
        }
        true
    }

    /// Makes room for one more spare within the limit (allocating if need be); `false` at
    /// the limit or if the allocator refuses.
    #[cold]
    #[inline(never)]
    pub(super) fn make_room(&mut self) -> bool {
        let len = self.stack.len();
        if len >= self.max || (len == self.stack.capacity() && self.stack.try_reserve(1).is_err()) {
            return false;
        }
        self.room = self.max.min(self.stack.capacity());
        true
    }

    /// Moves the `n` oldest spares to the top of the stack, where `pop` takes them next.
    pub(super) fn rotate_oldest_to_top(&mut self, n: usize) {
        self.stack.rotate_left(n);
    }

    /// Forgets every spare (the caller has dropped or reused their values); keeps the
    /// memory, so the room stays.
    pub(super) fn clear(&mut self) {
        self.stack.clear();
    }

    /// Gives unused memory back to the allocator.
    pub(super) fn shrink_to_fit(&mut self) {
        self.stack.shrink_to_fit();
        self.room = 0;
    }

    /// Gives all memory back to the allocator; the list must be empty.
    pub(super) fn free_memory(&mut self) {
        debug_assert!(self.stack.is_empty());
        self.stack = Vec::new();
        self.room = 0;
    }
}

impl Clone for Spares {
    fn clone(&self) -> Self {
        Spares {
            stack: self.stack.clone(),
            max: self.max,
            room: 0,
        }
    }

    fn clone_from(&mut self, source: &Self) {
        self.stack.clone_from(&source.stack);
        self.max = source.max;
        self.room = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::Spares;

    #[test]
    fn room_never_passes_the_capacity_or_the_limit() {
        let mut s = Spares::new();
        assert!(!s.push_fast(1), "no room before make_room");
        s.set_max(3);
        for i in 0..3 {
            assert!(s.push_fast(i) || (s.make_room() && s.push_fast(i)));
        }
        assert!(!s.push_fast(9));
        assert!(!s.make_room(), "at the limit");
        assert_eq!(s.pop(), Some(2));
        s.shrink_to_fit();
        assert!(!s.push_fast(7), "shrinking drops the room");
        assert!(s.make_room() && s.push_fast(7));
        let mut c = s.clone();
        assert!(!c.push_fast(8), "a copy computes its own room");
        c.set_max(1);
        assert!(!c.make_room());
        assert_eq!(c.iter().collect::<alloc::vec::Vec<_>>(), [0, 1, 7]);
        s.clear();
        assert_eq!((s.len(), s.last()), (0, None));
    }
}
