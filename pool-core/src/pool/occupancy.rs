//! A bitmap with one bit per slot: set iff the slot is occupied.
//!
//! Iteration walks set bits with `trailing_zeros`, so holes cost nothing and there is no
//! unpredictable branch per slot.

use alloc::collections::TryReserveError;
use alloc::vec::Vec;

#[derive(Clone, Default)]
pub(super) struct Occupancy {
    /// Bit `i % 64` of word `i / 64` is set iff slot `i` is occupied. Invariants: no bit
    /// at or past the pool's slot count is ever set, and every slot index has a word
    /// (`words.len() * 64 >= slots.len()`).
    words: Vec<u64>,
}

impl Occupancy {
    #[inline]
    pub(super) fn words(&self) -> &[u64] {
        &self.words
    }

    /// Makes room for the words of slots `0..slots`, so that [`cover`](Self::cover) up to
    /// there does not allocate.
    #[inline]
    pub(super) fn try_reserve_for(&mut self, slots: usize) -> Result<(), TryReserveError> {
        let words = slots.div_ceil(64);
        self.words
            .try_reserve(words.saturating_sub(self.words.len()))
    }

    /// Becomes a copy of `other`, reusing this bitmap's allocation.
    pub(super) fn copy_from(&mut self, other: &Occupancy) {
        self.words.clone_from(&other.words);
    }

    /// Clears every bit, keeping the words.
    pub(super) fn clear_all(&mut self) {
        self.words.fill(0);
    }

    /// Whether [`cover`](Self::cover)`(i)` can run without allocating.
    #[inline]
    pub(super) fn can_cover(&self, i: usize) -> bool {
        i / 64 < self.words.capacity()
    }

    /// Gives slot `i` a (clear) bit if it has none yet.
    #[inline]
    pub(super) fn cover(&mut self, i: usize) {
        let words = i / 64 + 1;
        if words > self.words.len() {
            self.words.resize(words, 0);
        }
    }

    /// Sets bit `i`.
    ///
    /// # Safety
    ///
    /// - `i` must be covered: `i < words.len() * 64` (see [`cover`](Self::cover)).
    #[inline]
    pub(super) unsafe fn set(&mut self, i: usize) {
        debug_assert!(i / 64 < self.words.len(), "bit {i} is not covered");
        // SAFETY: `i / 64 < words.len()` (caller).
        unsafe { *self.words.get_unchecked_mut(i / 64) |= 1 << (i % 64) };
    }

    /// Clears bit `i`.
    ///
    /// # Safety
    ///
    /// - `i` must be covered: `i < words.len() * 64`.
    #[inline]
    pub(super) unsafe fn clear(&mut self, i: usize) {
        debug_assert!(i / 64 < self.words.len(), "bit {i} is not covered");
        // SAFETY: `i / 64 < words.len()` (caller).
        unsafe { *self.words.get_unchecked_mut(i / 64) &= !(1 << (i % 64)) };
    }

    /// The first set bit at or after `from`.
    #[inline]
    pub(super) fn next_from(&self, from: usize) -> Option<usize> {
        let mut w = from / 64;
        let mut bits = *self.words.get(w)? & (u64::MAX << (from % 64));
        loop {
            if bits != 0 {
                return Some(w * 64 + bits.trailing_zeros() as usize);
            }
            w += 1;
            bits = *self.words.get(w)?;
        }
    }
}

/// Walks the set bits of a bitmap in order.
#[derive(Clone)]
pub(super) struct SetBits<'a> {
    words: core::slice::Iter<'a, u64>,
    base: usize,
    bits: u64,
}

impl<'a> SetBits<'a> {
    #[inline]
    pub(super) fn new(words: &'a [u64]) -> Self {
        SetBits {
            words: words.iter(),
            // The first call to `next` moves to word 0.
            base: 0usize.wrapping_sub(64),
            bits: 0,
        }
    }
}

impl Iterator for SetBits<'_> {
    type Item = usize;

    #[inline]
    fn next(&mut self) -> Option<usize> {
        while self.bits == 0 {
            self.bits = *self.words.next()?;
            self.base = self.base.wrapping_add(64);
        }
        let i = self.base + self.bits.trailing_zeros() as usize;
        self.bits &= self.bits - 1;
        Some(i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_clear_and_walk() {
        let mut o = Occupancy::default();
        o.cover(130);
        assert_eq!(o.words().len(), 3);
        for i in [0, 3, 63, 64, 130] {
            // SAFETY: covered above.
            unsafe { o.set(i) };
        }
        // SAFETY: covered above.
        unsafe { o.clear(3) };
        let got: Vec<usize> = SetBits::new(o.words()).collect();
        assert_eq!(got, [0, 63, 64, 130]);
        assert_eq!(o.next_from(1), Some(63));
        assert_eq!(o.next_from(65), Some(130));
        assert_eq!(o.next_from(131), None);
        assert_eq!(o.next_from(10_000), None);
    }
}
