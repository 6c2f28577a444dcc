//! [`SmallPool::snapshot_stats`] and its table.

use alloc::vec::Vec;
use core::fmt;

use super::backing::HISTOGRAM_BOUNDS;
use super::heap::{blocks_per_slab, class_size, slab_shift, Heap};
use super::shard::{deferred_of, heap_of};
use super::state::{State, MAX_SHARDS};
use super::SmallPool;
use crate::size_class::CLASS_COUNT;
use crate::sync::atomic::Ordering::Acquire;
use crate::sync::lock::LockStats;
use crate::sync::process::Ordering::Relaxed;

/// One size class, over every shard and the bucket.
///
/// # Examples
///
/// ```
/// let pool = pool_core::small_pool::SmallPool::new();
/// let c = pool.snapshot_stats().class(100).unwrap().clone();
/// assert_eq!((c.size, c.in_use), (112, 0));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ClassStats {
    /// Block size.
    pub size: usize,
    /// Blocks handed out, ever.
    pub allocations: u64,
    /// Blocks handed out and not back on their slab (a block freed by another thread
    /// counts until its owner reclaims it).
    pub in_use: u64,
    /// The sum over shards and bucket of the most each had in use at once.
    pub high_water: u64,
    /// Slabs held.
    pub slabs: u64,
    /// Blocks in those slabs that are free (on free lists or not carved yet).
    pub free_blocks: u64,
}

/// The fallback to the backing allocator.
///
/// # Examples
///
/// ```
/// let pool = pool_core::small_pool::SmallPool::new();
/// assert_eq!(pool.snapshot_stats().fallback.allocs, 0);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct FallbackStats {
    /// Allocations served.
    pub allocs: u64,
    /// Frees.
    pub frees: u64,
    /// Reallocations done by the backing allocator.
    pub reallocs: u64,
    /// Bytes allocated and not freed.
    pub live_bytes: u64,
    /// Allocations by size: bucket `i` counts sizes up to [`HISTOGRAM_BOUNDS`]`[i]`
    /// (and above the previous bound); the last counts everything larger.
    pub histogram: [u64; HISTOGRAM_BOUNDS.len() + 1],
}

/// Shards and the deferred frees.
///
/// # Examples
///
/// ```
/// let pool = pool_core::small_pool::SmallPool::new();
/// let s = pool.snapshot_stats().shards;
/// assert_eq!(s.owned, 0);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ShardSummary {
    /// The most shards the pool uses.
    pub limit: usize,
    /// Shards that exist (threads have used them).
    pub created: usize,
    /// Shards a live thread owns now.
    pub owned: usize,
    /// Allocations served by shards.
    pub hits: u64,
    /// Small allocations served by the buckets (threads without a shard).
    pub misses: u64,
    /// Cross-thread frees put back on their slabs so far.
    pub deferred_reclaimed: u64,
    /// Cross-thread frees held back by the epochs now.
    pub deferred_waiting: u64,
    /// The epoch clock.
    pub epoch: u64,
    /// Readers in an epoch now.
    pub readers: usize,
}

/// A snapshot of a [`SmallPool`]: per class, per bucket lock, the fallback, the shards.
///
/// Counters are read one by one while other threads work: each is exact, the sums are a
/// moment's view. `Display` renders a table.
///
/// # Examples
///
/// ```
/// use core::alloc::{GlobalAlloc, Layout};
/// let pool = pool_core::small_pool::SmallPool::new();
/// let big = Layout::from_size_align(100_000, 8).unwrap();
/// // SAFETY: allocated and freed with the same layout.
/// unsafe { pool.dealloc(pool.alloc(big), big) };
/// let stats = pool.snapshot_stats();
/// assert_eq!((stats.fallback.allocs, stats.fallback.frees), (1, 1));
/// println!("{stats}");
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SmallPoolStats {
    /// Every class of the default table, smallest first.
    pub classes: Vec<ClassStats>,
    /// The bucket lock of each class, in the same order.
    pub buckets: Vec<LockStats>,
    /// The fallback.
    pub fallback: FallbackStats,
    /// The shards.
    pub shards: ShardSummary,
    /// Bytes of slabs held from the backing allocator.
    pub held_bytes: u64,
}

impl SmallPoolStats {
    /// The class a block of `size` bytes (alignment 1) uses.
    ///
    /// # Examples
    ///
    /// ```
    /// let stats = pool_core::small_pool::SmallPool::new().snapshot_stats();
    /// assert_eq!(stats.class(17).unwrap().size, 20);
    /// assert!(stats.class(1 << 20).is_none());
    /// ```
    pub fn class(&self, size: usize) -> Option<&ClassStats> {
        let c = crate::size_class::SizeClass::for_layout(size, 1)?;
        self.classes.get(c.index())
    }

    /// Blocks in use over all classes.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(pool_core::small_pool::SmallPool::new().snapshot_stats().in_use(), 0);
    /// ```
    pub fn in_use(&self) -> u64 {
        self.classes.iter().map(|c| c.in_use).sum()
    }
}

fn add_heap(out: &mut ClassStats, heap: &Heap, per_slab: u64) {
    let in_use = heap.in_use.load(Relaxed);
    let slabs = heap.slabs.load(Relaxed);
    out.allocations += heap.allocs.load(Relaxed);
    out.in_use += in_use;
    out.high_water += heap.high.load(Relaxed);
    out.slabs += slabs;
    out.free_blocks += (slabs * per_slab).saturating_sub(in_use);
}

impl SmallPool {
    /// A snapshot of every counter (see [`SmallPoolStats`]). O(shards × classes); takes no
    /// lock.
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = pool_core::small_pool::SmallPool::new();
    /// let mut v = allocator_api2::vec::Vec::new_in(&pool);
    /// v.extend_from_slice(&[1u64, 2, 3]);
    /// assert_eq!(pool.snapshot_stats().shards.hits, 1);
    /// drop(v);
    /// ```
    pub fn snapshot_stats(&self) -> SmallPoolStats {
        let mut out = SmallPoolStats {
            classes: (0..CLASS_COUNT)
                .map(|c| ClassStats {
                    size: class_size(c),
                    ..ClassStats::default()
                })
                .collect(),
            buckets: Vec::new(),
            shards: ShardSummary {
                limit: self.shard_limit(),
                ..ShardSummary::default()
            },
            ..SmallPoolStats::default()
        };
        let Some(state) = self.existing_state() else {
            out.buckets = alloc::vec![LockStats::default(); CLASS_COUNT];
            return out;
        };
        collect(state, &mut out);
        out
    }
}

fn collect(state: &State, out: &mut SmallPoolStats) {
    let base = state.config.slab_shift;
    let per_slab = |c: usize| blocks_per_slab(c, slab_shift(base, c)) as u64;
    for k in 0..(state.config.shards as usize).min(MAX_SHARDS) {
        let slot = state.slot(k);
        let p = slot.shard.load(Acquire);
        if p.is_null() {
            continue;
        }
        out.shards.created += 1;
        out.shards.owned += usize::from(slot.owned.load(Acquire));
        for c in 0..CLASS_COUNT {
            // SAFETY: a shard lives as long as the state, and `p` is the pointer it was
            // allocated with; only its atomic counters are read here.
            let heap = unsafe { heap_of(p, c) };
            out.shards.hits += heap.allocs.load(Relaxed);
            add_heap(&mut out.classes[c], heap, per_slab(c));
        }
        // SAFETY: as above.
        let deferred = unsafe { deferred_of(p) };
        out.shards.deferred_reclaimed += deferred.reclaimed.load(Relaxed);
        out.shards.deferred_waiting += deferred.held.load(Relaxed);
    }
    for (c, bucket) in state.buckets().enumerate() {
        out.shards.misses += bucket.heap.allocs.load(Relaxed);
        add_heap(&mut out.classes[c], &bucket.heap, per_slab(c));
        out.buckets.push(bucket.lock.stats());
        out.shards.deferred_reclaimed += bucket.deferred.reclaimed.load(Relaxed);
        out.shards.deferred_waiting += bucket.deferred.held.load(Relaxed);
    }
    let f = &state.fallback;
    out.fallback = FallbackStats {
        allocs: f.allocs.load(Relaxed),
        frees: f.frees.load(Relaxed),
        reallocs: f.reallocs.load(Relaxed),
        live_bytes: f.live_bytes.load(Relaxed),
        histogram: core::array::from_fn(|i| f.histogram[i].load(Relaxed)),
    };
    out.shards.epoch = state.epochs.now();
    out.shards.readers = state.epochs.pinned();
    out.held_bytes = state.held.load(Relaxed);
}

fn size(f: &mut fmt::Formatter<'_>, bytes: usize) -> fmt::Result {
    if bytes >= 1024 && bytes % 1024 == 0 {
        write!(f, "{:>5} KiB", bytes / 1024)
    } else {
        write!(f, "{bytes:>7} B")
    }
}

impl fmt::Display for SmallPoolStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.shards;
        writeln!(
            f,
            "SmallPool: {} KiB in slabs; shards {} of {} ({} owned); hits {}, misses {}",
            self.held_bytes / 1024,
            s.created,
            s.limit,
            s.owned,
            s.hits,
            s.misses
        )?;
        writeln!(
            f,
            "deferred frees: {} reclaimed, {} waiting; epoch {}, {} readers",
            s.deferred_reclaimed, s.deferred_waiting, s.epoch, s.readers
        )?;
        writeln!(
            f,
            "{:>9} {:>12} {:>10} {:>10} {:>6} {:>10} | {:>8} {:>9} {:>10} {:>10}",
            "class",
            "allocations",
            "in use",
            "high",
            "slabs",
            "free",
            "locks",
            "contended",
            "wait ns",
            "hold ns"
        )?;
        for (i, c) in self.classes.iter().enumerate() {
            let lock = self.buckets.get(i).copied().unwrap_or_default();
            if c.allocations == 0 && c.slabs == 0 && lock.acquisitions == 0 {
                continue;
            }
            size(f, c.size)?;
            writeln!(
                f,
                " {:>12} {:>10} {:>10} {:>6} {:>10} | {:>8} {:>9} {:>10} {:>10}",
                c.allocations,
                c.in_use,
                c.high_water,
                c.slabs,
                c.free_blocks,
                lock.acquisitions,
                lock.contended,
                lock.wait_ns,
                lock.hold_ns
            )?;
        }
        let fb = &self.fallback;
        writeln!(
            f,
            "fallback: {} allocs, {} frees, {} reallocs, {} bytes live",
            fb.allocs, fb.frees, fb.reallocs, fb.live_bytes
        )?;
        write!(f, "fallback sizes:")?;
        for (i, n) in fb.histogram.iter().enumerate() {
            match HISTOGRAM_BOUNDS.get(i) {
                Some(b) => write!(f, " <={b}: {n}")?,
                None => write!(f, " more: {n}")?,
            }
        }
        writeln!(f)
    }
}
