//! Size classes from 16 bytes to 64 KiB, with an O(1) `const fn` lookup.
//!
//! # The default table
//!
//! Four classes per power of two: the classes in `(2^k, 2^(k+1)]` are
//! `2^k + j * 2^(k-2)` for `j = 1..=4`, starting from a single 16-byte class. That gives 49
//! classes (16, 20, 24, 28, 32, 40, 48, 56, 64, 80, ... 49152, 57344, 65536), and rounding a
//! size up to its class wastes less than 20% of the class (under 25% of the size) for
//! every size from 16 bytes to 64 KiB. A coarse table of powers of two wastes up to 75%;
//! [`SizeClassTable::custom`] still offers one for exact compatibility.
//!
//! # Alignment
//!
//! A class is aligned to the largest power of two dividing its size, capped at
//! [`MAX_CLASS_ALIGN`] (blocks sit at multiples of the class size in page-aligned slabs).
//! The lookup first rounds the size up to the requested alignment; every class it can then
//! land on is a multiple of that alignment, so the block is aligned for the request.
//!
//! # Examples
//!
//! ```
//! use pool_core::size_class::{SizeClass, MAX_CLASS_SIZE};
//!
//! let c = SizeClass::for_layout(17, 1).unwrap();
//! assert_eq!((c.index(), c.size()), (1, 20));
//! assert_eq!(SizeClass::for_layout(17, 8).unwrap().size(), 24);
//! assert!(SizeClass::for_layout(MAX_CLASS_SIZE + 1, 1).is_none());
//!
//! // In const context, e.g. for a type's registration.
//! const PACKET: Option<SizeClass> = SizeClass::of::<[u64; 5]>();
//! assert_eq!(PACKET.unwrap().size(), 40);
//! ```

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::fmt;

/// The smallest class.
pub const MIN_CLASS_SIZE: usize = 16;
/// The largest class; larger blocks are not binned.
pub const MAX_CLASS_SIZE: usize = 64 * 1024;
/// Number of classes in the default table.
pub const CLASS_COUNT: usize = 49;
/// Largest alignment a class provides (the slab alignment).
pub const MAX_CLASS_ALIGN: usize = 4096;

/// A class of the default table.
///
/// # Examples
///
/// ```
/// use pool_core::size_class::SizeClass;
/// let c = SizeClass::from_index(8).unwrap();
/// assert_eq!((c.size(), c.align()), (64, 64));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SizeClass {
    index: u8,
}

impl SizeClass {
    /// The class of the default table for a block of `size` bytes aligned to `align`.
    ///
    /// `None` if `align` is not a power of two, exceeds [`MAX_CLASS_ALIGN`], or the
    /// rounded size exceeds [`MAX_CLASS_SIZE`]. A size of 0 counts as 1, so a zero-sized
    /// layout gets the smallest class aligned to its alignment (the 16-byte class up to
    /// 16, `align` itself above). O(1): arithmetic on the size, no table scan.
    ///
    /// # Examples
    ///
    /// ```
    /// use pool_core::size_class::SizeClass;
    /// assert_eq!(SizeClass::for_layout(33, 1).unwrap().size(), 40);
    /// assert_eq!(SizeClass::for_layout(33, 16).unwrap().size(), 48);
    /// assert!(SizeClass::for_layout(8, 3).is_none());
    /// assert!(SizeClass::for_layout(usize::MAX, 1).is_none());
    /// // Zero-sized layouts keep their alignment.
    /// let z = SizeClass::for_layout(0, 64).unwrap();
    /// assert_eq!((z.size(), z.align()), (64, 64));
    /// ```
    #[inline(always)]
    pub const fn for_layout(size: usize, align: usize) -> Option<SizeClass> {
        if !align.is_power_of_two() || align > MAX_CLASS_ALIGN || size > MAX_CLASS_SIZE {
            return None;
        }
        // A zero-sized block still needs an address aligned to `align`.
        let size = if size == 0 { 1 } else { size };
        // Cannot overflow: size <= 64 KiB and align <= 4 KiB.
        let rounded = (size + align - 1) & !(align - 1);
        if rounded > MAX_CLASS_SIZE {
            return None;
        }
        Some(SizeClass {
            index: class_index(rounded) as u8,
        })
    }

    /// The class for values of type `T`, usable in const context; `None` if `T` is larger
    /// than [`MAX_CLASS_SIZE`] or more aligned than [`MAX_CLASS_ALIGN`].
    ///
    /// # Examples
    ///
    /// ```
    /// use pool_core::size_class::SizeClass;
    /// const C: Option<SizeClass> = SizeClass::of::<u128>();
    /// assert_eq!(C.unwrap().size(), 16);
    /// assert!(SizeClass::of::<[u8; 100_000]>().is_none());
    /// ```
    #[inline]
    pub const fn of<T>() -> Option<SizeClass> {
        Self::for_layout(core::mem::size_of::<T>(), core::mem::align_of::<T>())
    }

    /// The class with this index in the default table.
    ///
    /// # Examples
    ///
    /// ```
    /// use pool_core::size_class::{SizeClass, CLASS_COUNT};
    /// assert_eq!(SizeClass::from_index(0).unwrap().size(), 16);
    /// assert!(SizeClass::from_index(CLASS_COUNT).is_none());
    /// ```
    #[inline]
    pub const fn from_index(index: usize) -> Option<SizeClass> {
        if index < CLASS_COUNT {
            Some(SizeClass { index: index as u8 })
        } else {
            None
        }
    }

    /// Index in the default table, `0..CLASS_COUNT`.
    ///
    /// # Examples
    ///
    /// ```
    /// use pool_core::size_class::SizeClass;
    /// assert_eq!(SizeClass::for_layout(65536, 1).unwrap().index(), 48);
    /// ```
    #[inline]
    pub const fn index(self) -> usize {
        self.index as usize
    }

    /// Block size of the class in bytes.
    ///
    /// # Examples
    ///
    /// ```
    /// use pool_core::size_class::SizeClass;
    /// assert_eq!(SizeClass::from_index(5).unwrap().size(), 40);
    /// ```
    #[inline]
    pub const fn size(self) -> usize {
        class_size(self.index as usize)
    }

    /// Alignment every block of the class has.
    ///
    /// # Examples
    ///
    /// ```
    /// use pool_core::size_class::SizeClass;
    /// assert_eq!(SizeClass::from_index(1).unwrap().align(), 4); // 20-byte blocks
    /// ```
    #[inline]
    pub const fn align(self) -> usize {
        class_align(self.size())
    }
}

/// Index of the smallest default class holding `size` bytes (`size <= MAX_CLASS_SIZE`).
///
/// With `s = max(size, 16) - 1`, `k = floor(log2 s)` and `m = s >> (k - 2)` (the top three
/// bits of `s`, so `4 <= m < 8`), the class is `4k + m - 19`: branch-free, and `size <= 16`
/// lands on class 0.
#[inline(always)]
const fn class_index(size: usize) -> usize {
    let s = if size > MIN_CLASS_SIZE {
        size
    } else {
        MIN_CLASS_SIZE
    } - 1;
    let k = (usize::BITS - 1 - s.leading_zeros()) as usize;
    4 * k + (s >> (k - 2)) - 19
}

/// Block size of default class `index` (`index < CLASS_COUNT`).
#[inline(always)]
const fn class_size(index: usize) -> usize {
    if index == 0 {
        return MIN_CLASS_SIZE;
    }
    let k = 4 + (index - 1) / 4;
    let j = (index - 1) % 4 + 1;
    (1 << k) + (j << (k - 2))
}

/// Alignment of blocks of `size` bytes laid out back to back in page-aligned slabs.
#[inline(always)]
pub(crate) const fn class_align(size: usize) -> usize {
    let natural = 1 << size.trailing_zeros();
    if natural > MAX_CLASS_ALIGN {
        MAX_CLASS_ALIGN
    } else {
        natural
    }
}

/// The class table a [`BinnedAllocator`](crate::BinnedAllocator) bins by: the default
/// table, or a custom list of sizes for exact compatibility with another allocator.
///
/// # Examples
///
/// ```
/// use pool_core::size_class::SizeClassTable;
///
/// let default = SizeClassTable::default();
/// assert_eq!(default.class_for(17, 1), Some(1));
/// assert_eq!(default.size_of(1), 20);
///
/// // The coarse 13-class table of powers some engines use.
/// let coarse = SizeClassTable::custom(&[
///     16, 32, 48, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 65536,
/// ]).unwrap();
/// assert_eq!(coarse.class_for(65, 1).map(|c| coarse.size_of(c)), Some(128));
/// ```
#[derive(Clone, PartialEq, Eq, Default)]
pub struct SizeClassTable {
    /// Empty for the default table; else strictly increasing sizes.
    custom: Box<[u32]>,
}

impl SizeClassTable {
    /// A table of the given class sizes.
    ///
    /// # Errors
    ///
    /// `None` unless the sizes are strictly increasing, between 1 and
    /// [`MAX_CLASS_SIZE`], and at most 255 of them.
    ///
    /// # Examples
    ///
    /// ```
    /// use pool_core::size_class::SizeClassTable;
    /// assert!(SizeClassTable::custom(&[64, 32]).is_none());
    /// assert!(SizeClassTable::custom(&[8, 64]).is_some());
    /// ```
    pub fn custom(sizes: &[usize]) -> Option<Self> {
        let ok = !sizes.is_empty()
            && sizes.len() <= 255
            && sizes.windows(2).all(|w| w[0] < w[1])
            && sizes[0] >= 1
            && sizes[sizes.len() - 1] <= MAX_CLASS_SIZE;
        ok.then(|| SizeClassTable {
            custom: sizes.iter().map(|&s| s as u32).collect::<Vec<_>>().into(),
        })
    }

    /// A custom table from untrusted sizes without an infallible allocation: `Err` if the
    /// allocator refuses, `Ok(None)` if the sizes are not a valid table.
    pub(crate) fn try_custom(sizes: &[u32]) -> Result<Option<Self>, ()> {
        let ok = !sizes.is_empty()
            && sizes.len() <= 255
            && sizes.windows(2).all(|w| w[0] < w[1])
            && sizes[0] >= 1
            && sizes[sizes.len() - 1] as usize <= MAX_CLASS_SIZE;
        if !ok {
            return Ok(None);
        }
        let mut v = Vec::new();
        v.try_reserve_exact(sizes.len()).map_err(|_| ())?;
        v.extend_from_slice(sizes);
        // Capacity equals length, so this does not reallocate.
        Ok(Some(SizeClassTable {
            custom: v.into_boxed_slice(),
        }))
    }

    /// Whether this is the default table.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(pool_core::size_class::SizeClassTable::default().is_default());
    /// ```
    pub fn is_default(&self) -> bool {
        self.custom.is_empty()
    }

    /// Number of classes.
    ///
    /// # Examples
    ///
    /// ```
    /// use pool_core::size_class::{SizeClassTable, CLASS_COUNT};
    /// assert_eq!(SizeClassTable::default().len(), CLASS_COUNT);
    /// ```
    #[allow(clippy::len_without_is_empty)] // a table always has a class
    pub fn len(&self) -> usize {
        if self.is_default() {
            CLASS_COUNT
        } else {
            self.custom.len()
        }
    }

    /// Block size of class `index` (`index < len()`).
    ///
    /// # Panics
    ///
    /// If `index` is out of range.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(pool_core::size_class::SizeClassTable::default().size_of(48), 65536);
    /// ```
    #[inline]
    pub fn size_of(&self, index: usize) -> usize {
        if self.is_default() {
            assert!(index < CLASS_COUNT, "size class index out of range");
            class_size(index)
        } else {
            self.custom[index] as usize
        }
    }

    /// The smallest class holding `size` bytes aligned to `align`; `None` past the largest
    /// class, for an alignment above [`MAX_CLASS_ALIGN`] or not a power of two.
    ///
    /// O(1) for the default table; a binary search over a custom one.
    ///
    /// # Examples
    ///
    /// ```
    /// let t = pool_core::size_class::SizeClassTable::default();
    /// assert_eq!(t.class_for(16, 16), Some(0));
    /// assert_eq!(t.class_for(1 << 20, 1), None);
    /// ```
    #[inline]
    pub fn class_for(&self, size: usize, align: usize) -> Option<usize> {
        if self.is_default() {
            return SizeClass::for_layout(size, align).map(SizeClass::index);
        }
        if !align.is_power_of_two() || align > MAX_CLASS_ALIGN || size > MAX_CLASS_SIZE {
            return None;
        }
        let first = self.custom.partition_point(|&c| (c as usize) < size.max(1));
        // The first class big enough whose blocks are aligned enough.
        (first..self.custom.len()).find(|&i| class_align(self.custom[i] as usize) >= align)
    }
}

impl fmt::Debug for SizeClassTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_default() {
            f.write_str("SizeClassTable::default()")
        } else {
            f.debug_tuple("SizeClassTable::custom")
                .field(&self.custom)
                .finish()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_increasing_and_end_at_64k() {
        let sizes: Vec<usize> = (0..CLASS_COUNT).map(class_size).collect();
        assert!(sizes.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(sizes[..9], [16, 20, 24, 28, 32, 40, 48, 56, 64]);
        assert_eq!(sizes[CLASS_COUNT - 1], MAX_CLASS_SIZE);
    }

    #[test]
    fn lookup_is_the_smallest_fitting_class_for_every_size() {
        let step = if cfg!(miri) { 97 } else { 1 };
        for size in (0..=MAX_CLASS_SIZE).step_by(step) {
            let i = class_index(size.max(1));
            assert!(class_size(i) >= size, "{size}");
            assert!(i == 0 || class_size(i - 1) < size, "{size}");
        }
    }

    #[test]
    fn waste_is_below_25_percent_for_every_size_from_16() {
        let step = if cfg!(miri) { 89 } else { 1 };
        let mut worst = 0.0f64;
        for size in (MIN_CLASS_SIZE..=MAX_CLASS_SIZE).step_by(step) {
            let class = SizeClass::for_layout(size, 1).unwrap().size();
            let waste = (class - size) as f64 / class as f64;
            worst = worst.max(waste);
            assert!(waste <= 0.25, "size {size}: class {class}");
        }
        assert!(worst < 0.20, "worst waste {worst}");
    }

    #[test]
    fn every_alignment_is_honoured() {
        let step = if cfg!(miri) { 211 } else { 7 };
        for shift in 0..=12 {
            let align = 1usize << shift;
            for size in (1..=MAX_CLASS_SIZE).step_by(step) {
                if let Some(c) = SizeClass::for_layout(size, align) {
                    assert!(c.size() >= size);
                    assert_eq!(c.size() % align, 0, "size {size} align {align}");
                    assert!(c.align() >= align);
                } else {
                    assert!(size.next_multiple_of(align) > MAX_CLASS_SIZE);
                }
            }
        }
    }

    #[test]
    fn coarse_custom_table_wastes_up_to_75_percent() {
        let coarse = SizeClassTable::custom(&[
            16, 32, 48, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 65536,
        ])
        .unwrap();
        let size = 16385;
        let class = coarse.size_of(coarse.class_for(size, 1).unwrap());
        assert_eq!(class, 65536);
        assert!((class - size) as f64 / class as f64 > 0.74);
        // Alignment still honoured: 48-byte blocks are only 16-aligned.
        assert_eq!(coarse.size_of(coarse.class_for(40, 32).unwrap()), 64);
    }
}
