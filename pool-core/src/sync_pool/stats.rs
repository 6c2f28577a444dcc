//! What a [`SyncPool`] has done, per shard and in total, in O(shards).

use alloc::vec::Vec;
use core::fmt;

use super::shard::Shard;
use super::SyncPool;
use crate::sync::atomic::Ordering::Relaxed;
use crate::sync::lock::LockStats;

/// One shard's counters (a relaxed snapshot while other threads work).
///
/// # Examples
///
/// ```
/// let pool = pool_core::SyncPool::new();
/// pool.insert(1);
/// let s = pool.stats().shards[0];
/// assert_eq!((s.live, s.high_water), (1, 1));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ShardStats {
    /// Live values.
    pub live: u64,
    /// Slots allocated.
    pub capacity: u64,
    /// The most values live at once (in [`SyncPoolStats::total`]: the sum over shards,
    /// an upper bound of the pool's).
    pub high_water: u64,
    /// Slots freed by the thread that owns the shard.
    pub local_frees: u64,
    /// Slots freed by other threads (through the lock-free remote list).
    pub remote_frees: u64,
    /// Values whose drop or reset waited for an epoch.
    pub deferred: u64,
    /// Deferred values reclaimed so far.
    pub reclaimed: u64,
    /// Values kept for `acquire`: released, or built by
    /// [`prefill`](super::SyncPool::prefill).
    pub spares: u64,
    /// Values released (or recycled guards dropped) by other threads than the shard's
    /// owner, through the lock-free remote spare list.
    pub remote_releases: u64,
    /// `acquire` calls that took a spare.
    pub acquire_hits: u64,
    /// `acquire` calls that built a new value.
    pub acquire_misses: u64,
}

impl core::ops::AddAssign for ShardStats {
    fn add_assign(&mut self, o: ShardStats) {
        self.live += o.live;
        self.capacity += o.capacity;
        self.high_water += o.high_water;
        self.local_frees += o.local_frees;
        self.remote_frees += o.remote_frees;
        self.deferred += o.deferred;
        self.reclaimed += o.reclaimed;
        self.spares += o.spares;
        self.remote_releases += o.remote_releases;
        self.acquire_hits += o.acquire_hits;
        self.acquire_misses += o.acquire_misses;
    }
}

/// A [`SyncPool`]'s stats: per shard, in total, the shared lock and the epoch.
///
/// `Display` renders a table.
///
/// # Examples
///
/// ```
/// let pool = pool_core::SyncPool::new();
/// let h = pool.insert(1);
/// std::thread::scope(|s| {
///     s.spawn(|| pool.remove(h)); // a remote free
/// });
/// let stats = pool.stats();
/// assert_eq!(stats.total.remote_frees, 1);
/// println!("{stats}");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct SyncPoolStats {
    /// The shards handed out so far (in order; the first one always), then the shared
    /// shard last.
    pub shards: Vec<ShardStats>,
    /// The sum over all shards.
    pub total: ShardStats,
    /// The lock of the shared shard (threads past the shard limit, exiting threads).
    pub shared_lock: LockStats,
    /// The process-wide lock that hands out thread ids (taken when a thread first uses a
    /// concurrent store, and when it exits). Shard growth takes no lock.
    pub thread_ids: LockStats,
    /// The global epoch.
    pub epoch: u64,
    /// Pins alive now.
    pub pinned: usize,
}

impl SyncPoolStats {
    /// Values waiting for an epoch to pass (deferred, not yet reclaimed).
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(pool_core::SyncPool::<u8>::new().stats().waiting(), 0);
    /// ```
    pub fn waiting(&self) -> u64 {
        self.total.deferred.saturating_sub(self.total.reclaimed)
    }
}

/// Spares waiting in a shard (a snapshot): every spare pushed, by its owner or by other
/// threads, less those `acquire` took.
pub(super) fn spares_of<T>(sh: &Shard<T>) -> u64 {
    let c = &sh.c;
    let spared_remote = c.own.spared_remote_taken.load(Relaxed) + sh.remote.spare.pending();
    let spared_uncounted = c.shared.spared_remote_uncounted.load(Relaxed);
    (c.own.spared_local.load(Relaxed) + spared_remote + spared_uncounted)
        .saturating_sub(c.own.hits.load(Relaxed))
}

fn shard_stats<T>(sh: &Shard<T>) -> ShardStats {
    let c = &sh.c;
    let hits = c.own.hits.load(Relaxed);
    let spared_remote = c.own.spared_remote_taken.load(Relaxed) + sh.remote.spare.pending();
    ShardStats {
        live: sh.live(),
        capacity: c.own.capacity.load(Relaxed),
        high_water: c.own.high_water.load(Relaxed),
        local_frees: c.own.local_frees.load(Relaxed),
        remote_frees: c.own.remote_frees_taken.load(Relaxed) + sh.remote.free.pending(),
        deferred: c.shared.deferred.load(Relaxed),
        reclaimed: c.shared.reclaimed.load(Relaxed),
        spares: spares_of(sh),
        remote_releases: spared_remote,
        acquire_hits: hits,
        acquire_misses: c.own.misses.load(Relaxed),
    }
}

impl<T> SyncPool<T> {
    /// A snapshot of the pool's counters, in O(shards).
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = pool_core::SyncPool::new();
    /// let h = pool.insert(1);
    /// pool.remove(h);
    /// let t = pool.stats().total;
    /// assert_eq!((t.live, t.high_water, t.local_frees), (0, 1, 1));
    /// ```
    pub fn stats(&self) -> SyncPoolStats {
        let handed_out = (self.next_shard.load(Relaxed).clamp(1, self.owned)) as usize;
        let mut shards: Vec<ShardStats> =
            self.shards[..handed_out].iter().map(shard_stats).collect();
        shards.push(shard_stats(&self.shards[self.owned as usize]));
        let mut total = ShardStats::default();
        for s in &shards {
            total += *s;
        }
        self.link.publish_len(total.live as usize);
        self.link.publish_high_water(total.high_water as usize);
        SyncPoolStats {
            shards,
            total,
            shared_lock: self.shared_lock.stats(),
            thread_ids: crate::sync::thread_id::lock_stats(),
            epoch: self.epochs.now(),
            pinned: self.epochs.pinned(),
        }
    }
}

impl fmt::Display for SyncPoolStats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{:>6} {:>9} {:>9} {:>9} {:>11} {:>12} {:>9} {:>9} {:>7} {:>9} {:>9}",
            "shard",
            "live",
            "capacity",
            "high",
            "local free",
            "remote free",
            "deferred",
            "reclaimed",
            "spares",
            "acq hit",
            "acq miss"
        )?;
        let last = self.shards.len().saturating_sub(1);
        let row = |f: &mut fmt::Formatter<'_>, name: &str, s: &ShardStats| {
            writeln!(
                f,
                "{:>6} {:>9} {:>9} {:>9} {:>11} {:>12} {:>9} {:>9} {:>7} {:>9} {:>9}",
                name,
                s.live,
                s.capacity,
                s.high_water,
                s.local_frees,
                s.remote_frees,
                s.deferred,
                s.reclaimed,
                s.spares,
                s.acquire_hits,
                s.acquire_misses
            )
        };
        for (i, s) in self.shards.iter().enumerate() {
            if i == last {
                row(f, "shared", s)?;
            } else {
                row(f, &alloc::format!("{i}"), s)?;
            }
        }
        row(f, "total", &self.total)?;
        for (name, l) in [
            ("shared shard lock", &self.shared_lock),
            ("thread id lock (process)", &self.thread_ids),
        ] {
            writeln!(
                f,
                "{name}: {} acquisitions, {} contended, {} ns waiting, {} ns held",
                l.acquisitions, l.contended, l.wait_ns, l.hold_ns
            )?;
        }
        write!(
            f,
            "epoch {}, {} pinned, {} waiting for an epoch",
            self.epoch,
            self.pinned,
            self.waiting()
        )
    }
}
