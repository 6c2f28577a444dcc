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
    /// An empty bitmap; allocates nothing.
    pub(super) const fn new() -> Self {
        Occupancy { words: Vec::new() }
    }

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

    /// Drops the words past slot count `slots` (whose bits must be clear).
    pub(super) fn truncate(&mut self, slots: usize) {
        self.words.truncate(slots.div_ceil(64));
    }

    /// Keeps room for the words of `slots` slots, giving back the rest.
    pub(super) fn shrink_for(&mut self, slots: usize) {
        self.words.shrink_to(slots.div_ceil(64));
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

    /// Every set bit, in order.
    #[cfg(feature = "debug")]
    pub(super) fn iter_set(&self) -> SetBits<'_> {
        SetBits::new(&self.words)
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

    /// The last set bit before `end`.
    #[inline]
    pub(super) fn prev_before(&self, end: usize) -> Option<usize> {
        let end = end.min(self.words.len() * 64);
        if end == 0 {
            return None;
        }
        let mut w = (end - 1) / 64;
        let keep = end - w * 64; // 1..=64 low bits of word `w` are before `end`
        let mut bits = self.words[w] & (u64::MAX >> (64 - keep));
        loop {
            if bits != 0 {
                return Some(w * 64 + 63 - bits.leading_zeros() as usize);
            }
            w = w.checked_sub(1)?;
            bits = self.words[w];
        }
    }
}

/// Walks the set bits of a bitmap in order, from both ends.
///
/// The front and the back each hold one word being consumed (`front`, `back`); the words
/// between are still in `words`. When `words` runs dry, each end finishes the other's
/// word, so every set bit comes out exactly once.
#[derive(Clone)]
pub(super) struct SetBits<'a> {
    words: core::slice::Iter<'a, u64>,
    front_base: usize,
    front: u64,
    back_base: usize,
    back: u64,
}

impl<'a> SetBits<'a> {
    #[inline]
    pub(super) fn new(words: &'a [u64]) -> Self {
        SetBits {
            words: words.iter(),
            // The first call to `next` moves to word 0.
            front_base: 0usize.wrapping_sub(64),
            front: 0,
            // The first call to `next_back` moves to the last word.
            back_base: words.len() * 64,
            back: 0,
        }
    }
}

impl Iterator for SetBits<'_> {
    type Item = usize;

    #[inline]
    fn next(&mut self) -> Option<usize> {
        while self.front == 0 {
            match self.words.next() {
                Some(&w) => {
                    self.front = w;
                    self.front_base = self.front_base.wrapping_add(64);
                }
                None => return take_lowest(&mut self.back, self.back_base),
            }
        }
        take_lowest(&mut self.front, self.front_base)
    }
}

impl DoubleEndedIterator for SetBits<'_> {
    #[inline]
    fn next_back(&mut self) -> Option<usize> {
        while self.back == 0 {
            match self.words.next_back() {
                Some(&w) => {
                    self.back = w;
                    self.back_base -= 64;
                }
                None => return take_highest(&mut self.front, self.front_base),
            }
        }
        take_highest(&mut self.back, self.back_base)
    }
}

/// Clears the lowest set bit of `bits` and returns its index (`base` + position).
#[inline(always)]
fn take_lowest(bits: &mut u64, base: usize) -> Option<usize> {
    if *bits == 0 {
        return None;
    }
    let i = base.wrapping_add(bits.trailing_zeros() as usize);
    *bits &= *bits - 1;
    Some(i)
}

/// Clears the highest set bit of `bits` and returns its index (`base` + position).
#[inline(always)]
fn take_highest(bits: &mut u64, base: usize) -> Option<usize> {
    if *bits == 0 {
        return None;
    }
    let top = 63 - bits.leading_zeros() as usize;
    *bits &= !(1u64 << top);
    Some(base.wrapping_add(top))
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
        assert_eq!(o.prev_before(131), Some(130));
        assert_eq!(o.prev_before(130), Some(64));
        assert_eq!(o.prev_before(64), Some(63));
        assert_eq!(o.prev_before(63), Some(0));
        assert_eq!(o.prev_before(0), None);
        assert_eq!(o.prev_before(10_000), Some(130));
        let back: Vec<usize> = SetBits::new(o.words()).rev().collect();
        assert_eq!(back, [130, 64, 63, 0]);
    }

    #[test]
    fn both_ends_meet_once() {
        let mut o = Occupancy::default();
        o.cover(300);
        let set = [0, 1, 5, 63, 64, 65, 127, 128, 200, 255, 256, 299];
        for i in set {
            // SAFETY: covered above.
            unsafe { o.set(i) };
        }
        // Every interleaving of front and back steps yields each bit once.
        for pattern in (0u32..1 << 12).step_by(if cfg!(miri) { 97 } else { 1 }) {
            let mut it = SetBits::new(o.words());
            let (mut front, mut back) = (Vec::new(), Vec::new());
            for step in 0..14 {
                let got = if pattern >> (step % 12) & 1 == 0 {
                    it.next().map(|i| front.push(i))
                } else {
                    it.next_back().map(|i| back.push(i))
                };
                if got.is_none() {
                    break;
                }
            }
            back.reverse();
            front.extend(back);
            assert_eq!(front, set, "pattern {pattern:b}");
        }
    }
}
