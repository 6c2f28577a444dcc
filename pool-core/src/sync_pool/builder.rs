//! [`SyncPoolBuilder`]: the less common settings of a [`SyncPool`].

use alloc::boxed::Box;
use core::fmt;
use core::marker::PhantomData;

use super::shard::Shard;
use super::{SyncPool, MAX_SHARDS, THREAD_SLOTS};
use crate::handle::{next_store_id, store_key};
use crate::registry::Link;
use crate::sync::atomic::{AtomicU16, AtomicU32, AtomicUsize};
use crate::sync::epoch::Epochs;
use crate::sync::lock::StatMutex;

/// Builds a [`SyncPool`]: shard count, per-shard capacity, bound, factory, id.
///
/// # Examples
///
/// ```
/// let pool = pool_core::SyncPool::builder()
///     .shards(8)
///     .capacity(256)
///     .bounded(10_000)
///     .factory(|| Vec::<u8>::with_capacity(1500))
///     .build();
/// let h = pool.acquire();
/// assert!(pool.get(h).unwrap().capacity() >= 1500);
/// ```
pub struct SyncPoolBuilder<T> {
    shards: usize,
    capacity: usize,
    bound: Option<usize>,
    factory: Option<fn() -> T>,
    id: Option<u32>,
    _marker: PhantomData<fn() -> T>,
}

impl<T> fmt::Debug for SyncPoolBuilder<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SyncPoolBuilder")
            .field("shards", &self.shards)
            .field("capacity", &self.capacity)
            .field("bound", &self.bound)
            .field("factory", &self.factory.is_some())
            .field("id", &self.id)
            .finish()
    }
}

/// Owned shards by default: four per hardware thread, at least 8, at most 64.
fn default_shards() -> usize {
    if cfg!(loom) {
        return 2;
    }
    std::thread::available_parallelism()
        .map_or(8, |n| n.get() * 4)
        .clamp(8, 64)
}

impl<T> SyncPoolBuilder<T> {
    pub(super) fn new() -> Self {
        SyncPoolBuilder {
            shards: default_shards(),
            capacity: 0,
            bound: None,
            factory: None,
            id: None,
            _marker: PhantomData,
        }
    }

    /// How many threads can own a shard at once (1 to [`MAX_SHARDS`]; values outside are
    /// clamped). Further threads share one more shard behind a lock and keep working.
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = pool_core::SyncPool::<u8>::builder().shards(1000).build();
    /// assert_eq!(pool.shard_count(), pool_core::sync_pool::MAX_SHARDS);
    /// ```
    pub fn shards(mut self, n: usize) -> Self {
        self.shards = n.clamp(1, MAX_SHARDS);
        self
    }

    /// Slots each shard allocates when a thread first uses it (the first shard at once).
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = pool_core::SyncPool::<u8>::builder().capacity(100).build();
    /// assert!(pool.stats().total.capacity >= 100);
    /// ```
    pub fn capacity(mut self, n: usize) -> Self {
        self.capacity = n;
        self
    }

    /// At most `n` live values over all shards.
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = pool_core::SyncPool::builder().bounded(0).build();
    /// assert!(pool.try_insert(1).is_err());
    /// ```
    pub fn bounded(mut self, n: usize) -> Self {
        self.bound = Some(n);
        self
    }

    /// Builds new values for `acquire` when there is no spare.
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = pool_core::SyncPool::builder().factory(|| String::from("new")).build();
    /// let h = pool.acquire();
    /// assert_eq!(*pool.get(h).unwrap(), "new");
    /// ```
    pub fn factory(mut self, factory: fn() -> T) -> Self {
        self.factory = Some(factory);
        self
    }

    /// An explicit id (instead of the next from the process-wide counter), for handles
    /// that must match across processes.
    ///
    /// # Examples
    ///
    /// ```
    /// let a = pool_core::SyncPool::<u8>::builder().id(5).build();
    /// assert_eq!(a.id(), 5);
    /// ```
    pub fn id(mut self, id: u32) -> Self {
        self.id = Some(id);
        self
    }

    /// Builds the pool.
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = pool_core::SyncPool::<u8>::builder().build();
    /// assert!(pool.is_empty());
    /// ```
    pub fn build(self) -> SyncPool<T> {
        let id = self.id.unwrap_or_else(next_store_id);
        let shards: Box<[Shard<T>]> = (0..=self.shards).map(|_| Shard::new()).collect();
        if self.capacity > 0 {
            // Best effort, as `Vec::with_capacity` would abort instead: a shard that
            // cannot pre-allocate grows on demand (and reports `AllocFailed` then).
            let _ = shards[0].reserve_pages(self.capacity);
        }
        SyncPool {
            shards,
            owned: self.shards as u32,
            assign: (0..THREAD_SLOTS).map(|_| AtomicU16::new(0)).collect(),
            next_shard: AtomicU32::new(0),
            shared_lock: StatMutex::new(()),
            epochs: Epochs::new(),
            id,
            key: store_key(id),
            instance: crate::sync::thread_id::new_instance(),
            bound: self.bound,
            live: AtomicUsize::new(0),
            factory: self.factory,
            shard_capacity: self.capacity,
            link: Link::NONE,
            #[cfg(feature = "debug")]
            debug_tag: super::debug::PoolTag::default(),
            _owns: PhantomData,
        }
    }
}
