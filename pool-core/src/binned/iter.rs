//! Iterating over a [`BinnedAllocator`]'s live blocks, and `Clone`.

use core::fmt;
use core::iter::FusedIterator;

use super::{BinnedAllocator, BlockHandle, Entry};
use crate::pool;

impl BinnedAllocator {
    /// Live blocks with their bytes, in handle-slot order (from both ends).
    ///
    /// # Examples
    ///
    /// ```
    /// let mut a = pool_core::BinnedAllocator::new();
    /// let x = a.alloc(2);
    /// a.write(x, b"hi").unwrap();
    /// let y = a.alloc_zeroed(1);
    /// let all: Vec<_> = a.iter().collect();
    /// assert_eq!(all, [(x, &b"hi"[..]), (y, &[0][..])]);
    /// assert_eq!(a.iter().next_back().map(|(h, _)| h), Some(y));
    /// ```
    pub fn iter(&self) -> Iter<'_> {
        Iter {
            a: self,
            entries: self.entries.iter(),
        }
    }

    /// Handles of the live blocks, in handle-slot order.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut a = pool_core::BinnedAllocator::new();
    /// let h = a.alloc(8);
    /// assert_eq!(a.handles().collect::<Vec<_>>(), [h]);
    /// ```
    pub fn handles(&self) -> Handles<'_> {
        Handles {
            keys: self.entries.keys(),
        }
    }
}

/// Iterator over `(handle, bytes)` of live blocks; see [`BinnedAllocator::iter`].
///
/// # Examples
///
/// ```
/// let mut a = pool_core::BinnedAllocator::new();
/// a.alloc(3);
/// assert_eq!(a.iter().len(), 1);
/// ```
#[derive(Clone)]
pub struct Iter<'a> {
    a: &'a BinnedAllocator,
    entries: pool::Iter<'a, Entry>,
}

impl<'a> Iterator for Iter<'a> {
    type Item = (BlockHandle, &'a [u8]);
    fn next(&mut self) -> Option<Self::Item> {
        let (h, e) = self.entries.next()?;
        Some((h.cast(), self.a.bytes(e)))
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.entries.size_hint()
    }
}

impl DoubleEndedIterator for Iter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        let (h, e) = self.entries.next_back()?;
        Some((h.cast(), self.a.bytes(e)))
    }
}

impl ExactSizeIterator for Iter<'_> {}
impl FusedIterator for Iter<'_> {}

impl fmt::Debug for Iter<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Iter")
            .field("remaining", &self.entries.len())
            .finish()
    }
}

/// Iterator over the handles of live blocks; see [`BinnedAllocator::handles`].
///
/// # Examples
///
/// ```
/// let a = pool_core::BinnedAllocator::new();
/// assert_eq!(a.handles().count(), 0);
/// ```
#[derive(Clone, Debug)]
pub struct Handles<'a> {
    keys: pool::Keys<'a, Entry>,
}

impl Iterator for Handles<'_> {
    type Item = BlockHandle;
    fn next(&mut self) -> Option<BlockHandle> {
        self.keys.next().map(|h| h.cast())
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.keys.size_hint()
    }
}

impl DoubleEndedIterator for Handles<'_> {
    fn next_back(&mut self) -> Option<BlockHandle> {
        self.keys.next_back().map(|h| h.cast())
    }
}

impl ExactSizeIterator for Handles<'_> {}
impl FusedIterator for Handles<'_> {}

/// A copy with the same id, handles, contents, limit and settings, made through a
/// snapshot (so the copy's storage is laid out as a restore lays it out).
///
/// # Panics
///
/// If memory runs out.
///
/// # Examples
///
/// ```
/// let mut a = pool_core::BinnedAllocator::new();
/// let h = a.alloc(3);
/// a.write(h, b"abc").unwrap();
/// let b = a.clone();
/// assert_eq!(b.get(h), Some(&b"abc"[..]));
/// ```
impl Clone for BinnedAllocator {
    fn clone(&self) -> Self {
        match BinnedAllocator::from_snapshot(&self.snapshot()) {
            Ok(copy) => copy,
            Err(e) => panic!("BinnedAllocator::clone: {e}"),
        }
    }
}
