//! Counters of a [`BinnedAllocator`](super::BinnedAllocator).

/// Number of buckets of the requested-size histogram: bucket `i` counts sizes in
/// `[2^i, 2^(i+1))`, and bucket 0 also counts empty blocks. The same on every target (sizes count as `u64`), so snapshots are
/// portable across pointer widths.
pub const HISTOGRAM_BUCKETS: usize = 64;

/// Counters of a [`BinnedAllocator`](super::BinnedAllocator), read in O(1) by
/// [`BinnedAllocator::stats`](super::BinnedAllocator::stats).
///
/// # Examples
///
/// ```
/// let mut a = pool_core::BinnedAllocator::new();
/// let h = a.alloc(100);
/// a.free(h);
/// a.free(h); // rejected, counted
/// let s = a.stats();
/// assert_eq!((s.allocations, s.frees, s.rejected_frees, s.live_blocks), (1, 1, 1, 0));
/// assert_eq!(s.size_histogram[6], 1); // 100 is in [64, 128)
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct BinnedStats {
    /// Successful allocations.
    pub allocations: u64,
    /// Successful frees.
    pub frees: u64,
    /// Frees refused: double frees, stale, foreign or forged handles.
    pub rejected_frees: u64,
    /// Live blocks (`allocations - frees`).
    pub live_blocks: u64,
    /// Bytes requested by the live blocks.
    pub live_bytes: u64,
    /// Bytes the live blocks occupy (class sizes); `block_bytes - live_bytes` is the
    /// internal waste.
    pub block_bytes: u64,
    /// Bytes held from the system for blocks: slabs, overflow and over-aligned blocks.
    /// The allocator's own tables are not in it: see
    /// [`bookkeeping_bytes`](super::BinnedAllocator::bookkeeping_bytes).
    pub storage_bytes: u64,
    /// Live blocks above the largest class.
    pub overflow_live: u64,
    /// Overflow blocks kept for reuse (live or free).
    pub overflow_blocks: u64,
    /// Live over-aligned blocks (served by the global allocator).
    pub direct_live: u64,
    /// Requested sizes of every allocation so far, by power of two.
    pub size_histogram: [u64; HISTOGRAM_BUCKETS],
}

/// One bin's counters; see [`BinnedAllocator::bin_stats`](super::BinnedAllocator::bin_stats).
///
/// # Examples
///
/// ```
/// let mut a = pool_core::BinnedAllocator::new();
/// let h = a.alloc(20);
/// a.free(h);
/// let b = a.bin_stats(1).unwrap();
/// assert_eq!((b.class_size, b.live, b.free, b.high_water), (20, 0, 1, 1));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct BinStats {
    /// Block size of the bin's class.
    pub class_size: usize,
    /// Live blocks.
    pub live: usize,
    /// Blocks on the free list.
    pub free: usize,
    /// Most blocks ever live at once.
    pub high_water: usize,
    /// Slabs held.
    pub slabs: usize,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Counters {
    pub(super) allocations: u64,
    pub(super) frees: u64,
    pub(super) rejected_frees: u64,
    pub(super) live_bytes: u64,
    pub(super) block_bytes: u64,
    pub(super) storage_bytes: u64,
    pub(super) overflow_live: u64,
    pub(super) histogram: [u64; HISTOGRAM_BUCKETS],
}

impl Counters {
    /// The histogram bucket of a requested size (0 counts as 1).
    #[inline]
    pub(super) fn bucket(size: usize) -> usize {
        (63 - (size as u64 | 1).leading_zeros()) as usize
    }
}

impl Default for Counters {
    fn default() -> Self {
        Counters {
            allocations: 0,
            frees: 0,
            rejected_frees: 0,
            live_bytes: 0,
            block_bytes: 0,
            storage_bytes: 0,
            overflow_live: 0,
            histogram: [0; HISTOGRAM_BUCKETS],
        }
    }
}
