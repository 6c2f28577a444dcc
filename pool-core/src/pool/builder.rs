//! [`PoolBuilder`]: the less common settings of a [`Pool`].

use alloc::vec::Vec;
use core::fmt;

use super::occupancy::Occupancy;
use super::slot::NONE;
use super::{capacity_panic, Counters, Pool, Spares, MAX_SLOTS};
use crate::handle::{next_store_id, store_key};

/// Configures a [`Pool`] before it is built; see [`Pool::builder`].
///
/// # Examples
///
/// ```
/// use pool_core::Pool;
/// let pool: Pool<Vec<u8>> = Pool::builder()
///     .capacity(64)
///     .bounded(true)
///     .id(7)
///     .factory(|| Vec::with_capacity(1500))
///     .build();
/// assert_eq!((pool.capacity(), pool.id()), (64, 7));
/// ```
pub struct PoolBuilder<T> {
    pub(super) capacity: usize,
    pub(super) bounded: bool,
    pub(super) id: Option<u32>,
    pub(super) factory: Option<fn() -> T>,
    pub(super) max_spares: Option<usize>,
    /// Debug mode: whether the pool reports its own leaks.
    #[cfg(feature = "debug")]
    pub(super) tracked: bool,
}

impl<T> fmt::Debug for PoolBuilder<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PoolBuilder")
            .field("capacity", &self.capacity)
            .field("bounded", &self.bounded)
            .field("id", &self.id)
            .field("factory", &self.factory.is_some())
            .field("max_spares", &self.max_spares)
            .finish()
    }
}

impl<T> PoolBuilder<T> {
    /// Slots to allocate up front; for a bounded pool, the bound.
    ///
    /// # Examples
    ///
    /// ```
    /// let pool: pool_core::Pool<u8> = pool_core::Pool::builder().capacity(10).build();
    /// assert!(pool.capacity() >= 10);
    /// ```
    pub fn capacity(mut self, capacity: usize) -> Self {
        self.capacity = capacity;
        self
    }

    /// Whether the pool may never grow past its capacity.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut pool = pool_core::Pool::builder().capacity(1).bounded(true).build();
    /// pool.insert(1);
    /// assert!(pool.try_insert(2).is_err());
    /// ```
    pub fn bounded(mut self, bounded: bool) -> Self {
        self.bounded = bounded;
        self
    }

    /// The pool id from which its handle key is derived (see [`Handle`](crate::Handle)); by default the
    /// next id of a process-wide counter. Pools with the same id accept each other's
    /// handles, so give the same id only to make handles match across processes.
    ///
    /// # Examples
    ///
    /// ```
    /// use pool_core::Pool;
    /// let mut a = Pool::builder().id(3).build();
    /// let mut b = Pool::builder().id(3).build();
    /// assert_eq!(a.insert('x'), b.insert('y'));
    /// ```
    pub fn id(mut self, id: u32) -> Self {
        self.id = Some(id);
        self
    }

    /// Builds new values for [`Pool::acquire`] and [`Pool::acquire_with`] when no spare
    /// is left.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut pool = pool_core::Pool::builder().factory(|| vec![0u8; 4]).build();
    /// let h = pool.acquire();
    /// assert_eq!(pool[h].len(), 4);
    /// ```
    pub fn factory(mut self, factory: fn() -> T) -> Self {
        self.factory = Some(factory);
        self
    }

    /// Most released values to keep as spares; [`Pool::release`] drops the value past
    /// it. Default: the bound for a bounded pool (so it holds at most twice its bound of
    /// values), unlimited otherwise.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut pool: pool_core::Pool<Vec<u8>> = pool_core::Pool::builder().max_spares(1).build();
    /// let (a, b) = (pool.acquire(), pool.acquire());
    /// pool.release(a);
    /// pool.release(b); // dropped: one spare is kept at most
    /// assert_eq!(pool.stats().spares, 1);
    /// ```
    pub fn max_spares(mut self, n: usize) -> Self {
        self.max_spares = Some(n);
        self
    }

    /// A pool used inside another store, which reports leaks for itself: in debug mode
    /// the pool records nothing and stays silent when dropped.
    pub(crate) fn untracked(self) -> Self {
        #[cfg(feature = "debug")]
        {
            let mut this = self;
            this.tracked = false;
            this
        }
        #[cfg(not(feature = "debug"))]
        self
    }

    /// Builds the pool.
    ///
    /// # Panics
    ///
    /// If the capacity exceeds the `u32` index space or the allocator fails.
    ///
    /// # Examples
    ///
    /// ```
    /// let pool: pool_core::Pool<u8> = pool_core::Pool::builder().build();
    /// assert!(pool.is_empty());
    /// ```
    #[track_caller]
    pub fn build(self) -> Pool<T> {
        let id = self.id.unwrap_or_else(next_store_id);
        let mut pool = Pool {
            slots: Vec::new(),
            occupancy: Occupancy::default(),
            free_head: NONE,
            retired: 0,
            limit: MAX_SLOTS,
            bounded: self.bounded,
            id,
            key: store_key(id),
            id_pending: false,
            regrow_below: 0,
            regrow_floor: 0,
            spares: Spares::new(),
            factory: self.factory,
            counters: Counters::default(),
            link: Default::default(),
            #[cfg(feature = "debug")]
            sites: crate::debug::SiteTable::new(),
            #[cfg(feature = "debug")]
            rent_sites: crate::debug::RentSites::new(),
            #[cfg(feature = "debug")]
            tracked: self.tracked,
        };
        if self.bounded {
            pool.limit = self.capacity.min(MAX_SLOTS);
            pool.spares.set_max(pool.limit);
        }
        if let Some(n) = self.max_spares {
            pool.spares.set_max(n);
        }
        if let Err(e) = pool.try_reserve(self.capacity) {
            capacity_panic(e);
        }
        pool
    }
}
