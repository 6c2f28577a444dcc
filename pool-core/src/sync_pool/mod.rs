//! [`SyncPool<T>`]: a sharded, thread-safe typed pool with generational handles, RAII
//! guards, recycling across threads and epoch-protected reads.
//!
//! # Sharding
//!
//! Each thread that touches a pool gets a shard of it on first use: the next one from an
//! atomic counter (round-robin), remembered in the pool under the thread's small reused
//! id (`sync::thread_id`), and cached in the thread for the pool it used last (so the
//! common case is one thread-local read). A thread inserts into and recycles through its own shard with
//! no lock and no atomic read-modify-write (the owner's free list is plain memory).
//! Values removed or released by *other* threads go onto the owning shard's lock-free
//! remote lists, which the owner takes whole when its own list runs dry (the mimalloc
//! scheme).
//!
//! The number of owned shards is bounded ([`SyncPoolBuilder::shards`], at most 255). A
//! thread past the limit, or a thread whose thread-locals are being destroyed, uses one
//! extra *shared* shard behind a mutex (whose cost the stats show) and keeps working. A
//! thread that exits gives its id back; the next thread to take that id takes over its
//! shards, so a program with short-lived threads does not run out of shards.
//!
//! # Handles
//!
//! A [`Handle<T>`] is 8 bytes (`Option` too). Its `u32` index holds the shard in the top 8
//! bits and the slot's address inside the shard in the low 24 (so a shard holds up to
//! 2²⁴ values); its generation is the slot's version under the pool's key, exactly as in
//! [`Pool`](crate::Pool). Stale, forged and foreign handles get `None` or
//! [`RentError::Stale`](crate::RentError::Stale); a slot whose version would wrap is
//! retired.
//!
//! # Guards and removal
//!
//! [`get`](SyncPool::get) and [`rent`](SyncPool::rent) return a shared [`Ref`];
//! [`rent_mut`](SyncPool::rent_mut) an exclusive [`RentMut`]; both count themselves in
//! the slot's state word (see the `slot` module). [`remove`](SyncPool::remove) makes the
//! handle stale at once with one compare-exchange on that word (consensus among
//! concurrent removers needs one; it is the slot's own cache line, no shared counter); if
//! guards are alive, the last one to go drops the value. [`take`](SyncPool::take) gives the
//! value back only if no guard and no pin can see it.
//!
//! # Invariants
//!
//! 1. A slot's value is initialised exactly when its version is odd or its lock bits are
//!    non-zero (`slot` module).
//! 2. A slot is on at most one list (a free, spare or deferred list), and only when its
//!    version is even and no guard holds it; a slot on no list with an even version and
//!    no lock is either being worked on by the one thread that took it, or retired.
//! 3. A shard's `local` side is touched only by its owner (see `shard`), never across
//!    user code, so a re-entrant call from `Drop`, `Reset` or a closure finds it
//!    consistent; the shared shard's side is touched only under the shared lock, which is
//!    never held across user code either.
//! 4. A value a pin may see is dropped, reset or moved only after every such pin has
//!    ended (`epoch` module).
//! 5. User code (`Drop`, `Reset`, factories, closures) runs after the bookkeeping it
//!    depends on: a panic leaves every slot consistent and every value dropped once.
//!
//! # Examples
//!
//! ```
//! use std::sync::Arc;
//! use pool_core::SyncPool;
//!
//! let pool = Arc::new(SyncPool::new());
//! let h = pool.insert(String::from("job"));
//! let worker = {
//!     let pool = Arc::clone(&pool);
//!     std::thread::spawn(move || {
//!         pool.rent_mut(h).unwrap().push_str(" done");
//!         pool.take(h).unwrap() // removed on another thread than the one that inserted
//!     })
//! };
//! assert_eq!(worker.join().unwrap(), "job done");
//! assert!(pool.get(h).is_none());
//! ```

mod access;
mod builder;
#[cfg(feature = "debug")]
mod debug;
mod epoch;
mod exclusive;
mod guard;
mod recycle;
mod shard;
mod slot;
mod stats;
#[cfg(all(test, not(loom)))]
mod tests;

use alloc::boxed::Box;
use core::fmt;
use core::marker::PhantomData;

pub use self::builder::SyncPoolBuilder;
pub use self::epoch::EpochGuard;
pub use self::exclusive::{Drain, Iter, IterMut};
pub use self::guard::{Recycled, Ref, RentMut};
pub use self::stats::{ShardStats, SyncPoolStats};
pub use crate::sync::lock::LockStats;

use self::shard::{bump, bump_shared, Shard};
use self::slot::{pack, version, Slot, ADDR_BITS, SHARD_SLOTS};
use crate::error::{InsertError, PoolError};
use crate::registry::Link;
use crate::sync::atomic::{AtomicU16, AtomicU32, AtomicUsize, Ordering};
use crate::sync::epoch::Epochs;
use crate::sync::lock::StatMutex;
use crate::sync::thread_id;
use crate::Handle;

/// Lock bit of a deferred or spare value that a `release` left to be reset later.
const RECYCLE: u32 = 1;

/// Thread ids a pool remembers a shard for; threads with larger ids use the shared shard.
const THREAD_SLOTS: usize = if cfg!(loom) { 8 } else { 512 };

/// The most owned shards a pool may have (the shard number has 8 bits, one value is the
/// shared shard's).
pub const MAX_SHARDS: usize = 255;

/// Which shard the calling thread may use as its owner.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ctx {
    Owned(u32),
    Shared,
}

impl Ctx {
    #[inline]
    fn encode(self) -> u32 {
        match self {
            Ctx::Owned(s) => s,
            Ctx::Shared => u32::MAX,
        }
    }

    #[inline]
    fn decode(v: u32) -> Ctx {
        if v == u32::MAX {
            Ctx::Shared
        } else {
            Ctx::Owned(v)
        }
    }
}

/// A sharded, thread-safe pool of `T` behind generational [`Handle`]s: insert, read,
/// rent, remove and recycle from any thread through `&self`.
///
/// See the [module docs](self) for how it is built. `SyncPool<T>` is `Send` when
/// `T: Send`, and `Sync` when `T: Send + Sync`: through `&self`, one thread may drop or
/// take a value another thread inserted (so `T` must be `Send`), and several threads may
/// read one value at once through [`Ref`]s or pins (so `T` must be `Sync`).
///
/// # Examples
///
/// ```
/// use pool_core::{RentError, SyncPool};
///
/// let pool = SyncPool::new();
/// let h = pool.insert(vec![1, 2, 3]);
/// std::thread::scope(|s| {
///     s.spawn(|| pool.rent_mut(h).unwrap().push(4));
/// });
/// let r = pool.get(h).unwrap();
/// assert_eq!(*r, [1, 2, 3, 4]);
/// assert_eq!(pool.rent_mut(h).unwrap_err(), RentError::Busy); // a shared guard is alive
/// drop(r);
/// assert!(pool.remove(h));
/// assert!(!pool.contains(h));
/// ```
pub struct SyncPool<T> {
    /// The owned shards, then the shared one.
    shards: Box<[Shard<T>]>,
    /// Owned shards (the shared shard's number).
    owned: u32,
    /// Thread id -> shard number + 1 (0: not assigned yet).
    assign: Box<[AtomicU16]>,
    next_shard: AtomicU32,
    shared_lock: StatMutex<()>,
    epochs: Epochs,
    id: u32,
    key: u32,
    /// Process-unique (ids can repeat): the key of the thread's shard cache.
    instance: u64,
    bound: Option<usize>,
    /// Live values, kept only when bounded.
    live: AtomicUsize,
    factory: Option<fn() -> T>,
    /// Slots each shard allocates when first used.
    shard_capacity: usize,
    link: Link,
    /// Debug mode: the tag new values get.
    #[cfg(feature = "debug")]
    debug_tag: self::debug::PoolTag,
    _owns: PhantomData<T>,
}

// SAFETY: the pool owns its values; sending it moves them to the other thread, which
// needs `T: Send`. Its atomics and pages are plain memory.
unsafe impl<T: Send> Send for SyncPool<T> {}
// SAFETY: through `&self` a thread can drop, take or reset a value another thread
// inserted (`T: Send`) and read a value other threads read at the same time (`T: Sync`);
// every shared-state access goes through atomics, the shared lock, or a shard its
// thread owns (module invariant 3).
unsafe impl<T: Send + Sync> Sync for SyncPool<T> {}

#[cold]
#[track_caller]
fn insert_panic(e: PoolError) -> ! {
    panic!("SyncPool: cannot insert: {e}")
}

impl<T> Default for SyncPool<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> fmt::Debug for SyncPool<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SyncPool")
            .field("id", &self.id)
            .field("len", &self.len())
            .field("shards", &self.owned)
            .field("bound", &self.bound)
            .finish_non_exhaustive()
    }
}

// === construction ===

impl<T> SyncPool<T> {
    /// An empty, unbounded pool with the default number of shards.
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = pool_core::SyncPool::<u64>::new();
    /// assert!(pool.is_empty());
    /// ```
    pub fn new() -> Self {
        Self::builder().build()
    }

    /// A pool whose first thread can insert `n` values before its shard grows (every other
    /// thread's shard starts with room for `n` too).
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = pool_core::SyncPool::<u64>::with_capacity(1000);
    /// assert!(pool.stats().total.capacity >= 1000);
    /// ```
    pub fn with_capacity(n: usize) -> Self {
        Self::builder().capacity(n).build()
    }

    /// A pool that holds at most `n` live values over all its shards; a full pool hands
    /// the value back in [`try_insert`](SyncPool::try_insert)'s error.
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = pool_core::SyncPool::bounded(1);
    /// pool.insert('a');
    /// assert_eq!(pool.try_insert('b').unwrap_err().into_value(), 'b');
    /// ```
    pub fn bounded(n: usize) -> Self {
        Self::builder().bounded(n).build()
    }

    /// A [`SyncPoolBuilder`]: shard count, capacity, bound, factory, id.
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = pool_core::SyncPool::<u8>::builder().shards(4).id(9).build();
    /// assert_eq!((pool.shard_count(), pool.id()), (4, 9));
    /// ```
    pub fn builder() -> SyncPoolBuilder<T> {
        SyncPoolBuilder::new()
    }

    /// The pool's id (from the process-wide counter unless set in the builder).
    ///
    /// # Examples
    ///
    /// ```
    /// let a = pool_core::SyncPool::<u8>::new();
    /// let b = pool_core::SyncPool::<u8>::new();
    /// assert_ne!(a.id(), b.id());
    /// ```
    pub fn id(&self) -> u32 {
        self.id
    }

    /// How many threads can own a shard at once (the shared shard not counted).
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(pool_core::SyncPool::<u8>::builder().shards(3).build().shard_count(), 3);
    /// ```
    pub fn shard_count(&self) -> usize {
        self.owned as usize
    }

    /// The bound of a bounded pool.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(pool_core::SyncPool::<u8>::bounded(5).bound(), Some(5));
    /// assert_eq!(pool_core::SyncPool::<u8>::new().bound(), None);
    /// ```
    pub fn bound(&self) -> Option<usize> {
        self.bound
    }
}

impl<T: crate::Pooled> SyncPool<T> {
    /// A pool built the way `T`'s [`Pooled`](crate::Pooled) impl says (capacity, bound,
    /// factory), registered in the type [`registry`](crate::registry) like
    /// [`Pool::for_type`](crate::Pool::for_type). A `SyncPool` publishes its length to the
    /// registry when [`len`](SyncPool::len) or [`stats`](SyncPool::stats) is called
    /// (publishing on every insert would put a shared cache line on every thread's path).
    ///
    /// # Examples
    ///
    /// ```
    /// use pool_core::{Pooled, Reset, SyncPool};
    ///
    /// #[derive(Default)]
    /// struct Frame { bytes: Vec<u8> }
    /// impl Reset for Frame {
    ///     fn reset(&mut self) { self.bytes.clear(); }
    /// }
    /// impl Pooled for Frame {
    ///     const NAME: &'static str = "Frame";
    ///     const CAPACITY: usize = 64;
    /// }
    ///
    /// let pool = SyncPool::<Frame>::for_type();
    /// let h = pool.acquire();
    /// assert_eq!(pool.len(), 1);
    /// let info = pool_core::registry::types().into_iter().find(|t| t.name == "Frame").unwrap();
    /// assert_eq!(info.live_values, 1);
    /// # pool.release(h).unwrap();
    /// ```
    pub fn for_type() -> Self {
        let mut b = Self::builder().capacity(T::CAPACITY);
        if T::BOUNDED {
            b = b.bounded(T::CAPACITY);
        }
        if let Some(f) = T::factory() {
            b = b.factory(f);
        }
        let mut pool = b.build();
        pool.link = Link::register::<T>();
        pool
    }
}

// === shards and threads ===

impl<T> SyncPool<T> {
    /// The shard the calling thread may use as its owner.
    #[inline]
    fn ctx(&self) -> Ctx {
        match thread_id::lookup(self.instance) {
            thread_id::Lookup::Hit(v) => Ctx::decode(v),
            thread_id::Lookup::Miss(tid) => self.ctx_slow(tid),
            thread_id::Lookup::Gone => Ctx::Shared,
        }
    }

    /// The calling thread (id `tid`) has not used this pool last: find or assign its
    /// shard, and remember it in the thread.
    #[cold]
    fn ctx_slow(&self, tid: u32) -> Ctx {
        let ctx = match self.assign.get(tid as usize) {
            Some(slot) => match slot.load(Ordering::Relaxed) {
                0 => self.assign_shard(slot),
                a => {
                    let s = u32::from(a) - 1;
                    if s < self.owned {
                        Ctx::Owned(s)
                    } else {
                        Ctx::Shared
                    }
                }
            },
            None => Ctx::Shared,
        };
        thread_id::remember(self.instance, ctx.encode());
        ctx
    }

    /// Gives the calling thread (whose id's entry is `slot`) the next shard, or the
    /// shared one once every shard is taken.
    #[cold]
    fn assign_shard(&self, slot: &AtomicU16) -> Ctx {
        let n = self
            .next_shard
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| {
                Some(n.saturating_add(1).min(self.owned + 1))
            })
            .unwrap_or(self.owned);
        let s = n.min(self.owned);
        // Only the thread holding this id writes its entry; a later thread reusing the id
        // reads it after the id registry's lock ordered the two.
        slot.store(s as u16 + 1, Ordering::Relaxed);
        if s < self.owned {
            let shard = &self.shards[s as usize];
            if self.shard_capacity > 0 {
                // Best effort: a shard that cannot pre-allocate grows on demand.
                let _ = shard.reserve_pages(self.shard_capacity);
            }
            Ctx::Owned(s)
        } else {
            Ctx::Shared
        }
    }

    /// Runs `f` on the shard the calling thread may use as its owner: its own, or the
    /// shared shard under the shared lock. `f` must not run user code.
    #[inline]
    fn with_own_shard<'s, R>(&'s self, ctx: Ctx, f: impl FnOnce(u32, &'s Shard<T>) -> R) -> R {
        match ctx {
            Ctx::Owned(s) => f(s, &self.shards[s as usize]),
            Ctx::Shared => {
                let _guard = self.shared_lock.lock();
                f(self.owned, &self.shards[self.owned as usize])
            }
        }
    }

    /// The shard, address and slot a handle names, if that slot exists.
    #[inline]
    fn locate(&self, h: Handle<T>) -> Option<(u32, u32, &Slot<T>)> {
        let shard = h.index() >> ADDR_BITS;
        let addr = h.index() & (SHARD_SLOTS - 1);
        let slot = self.shards.get(shard as usize)?.pages.get(addr)?;
        Some((shard, addr, slot))
    }

    #[inline]
    fn handle(&self, shard: u32, addr: u32, version: u32) -> Handle<T> {
        Handle::encode((shard << ADDR_BITS) | addr, version, self.key)
    }
}

// === bound ===

/// A reserved place under a bounded pool's limit, given back unless kept.
struct Reservation<'a, T> {
    pool: &'a SyncPool<T>,
}

impl<'a, T> Reservation<'a, T> {
    #[inline]
    fn take(pool: &'a SyncPool<T>) -> Result<Self, PoolError> {
        if let Some(bound) = pool.bound {
            let prev = pool.live.fetch_add(1, Ordering::Relaxed);
            if prev >= bound {
                pool.live.fetch_sub(1, Ordering::Relaxed);
                return Err(PoolError::Full { capacity: bound });
            }
        }
        Ok(Reservation { pool })
    }

    #[inline]
    fn keep(self) {
        core::mem::forget(self);
    }
}

impl<T> Drop for Reservation<'_, T> {
    fn drop(&mut self) {
        self.pool.unreserve();
    }
}

impl<T> SyncPool<T> {
    #[inline]
    fn unreserve(&self) {
        if self.bound.is_some() {
            self.live.fetch_sub(1, Ordering::Relaxed);
        }
    }

    /// Counts a removal (a value stopped being live) in its shard.
    #[inline]
    fn note_removed(&self, ctx: Ctx, shard: u32) {
        let c = &self.shards[shard as usize].c;
        match ctx {
            Ctx::Owned(s) if s == shard => bump(&c.own.local_removed),
            _ => bump_shared(&c.shared.remote_removed),
        }
        self.unreserve();
    }
}

// === insert ===

/// What a new value counts as in the stats.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Count {
    Insert,
    Miss,
}

impl<T> SyncPool<T> {
    /// Inserts a value and returns its handle.
    ///
    /// # Panics
    ///
    /// If the pool is bounded and full, or a shard is out of room or memory; see
    /// [`try_insert`](SyncPool::try_insert).
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = pool_core::SyncPool::new();
    /// let h = pool.insert(5);
    /// assert_eq!(*pool.get(h).unwrap(), 5);
    /// ```
    #[inline]
    #[track_caller]
    pub fn insert(&self, value: T) -> Handle<T> {
        match self.try_insert(value) {
            Ok(h) => h,
            Err(e) => insert_panic(e.reason()),
        }
    }

    /// Inserts a value, or hands it back inside the error if the pool is bounded and
    /// full, or memory or the shard's index space ran out.
    ///
    /// # Errors
    ///
    /// [`PoolError::Full`], [`PoolError::CapacityOverflow`], [`PoolError::AllocFailed`].
    ///
    /// # Examples
    ///
    /// ```
    /// use pool_core::{PoolError, SyncPool};
    /// let pool = SyncPool::bounded(1);
    /// pool.insert(String::from("a"));
    /// let err = pool.try_insert(String::from("b")).unwrap_err();
    /// assert_eq!(err.reason(), PoolError::Full { capacity: 1 });
    /// assert_eq!(err.into_value(), "b");
    /// ```
    #[inline]
    #[cfg_attr(feature = "debug", track_caller)]
    pub fn try_insert(&self, value: T) -> Result<Handle<T>, InsertError<T>> {
        let reservation = match Reservation::take(self) {
            Ok(r) => r,
            Err(e) => return Err(InsertError::new(value, e)),
        };
        match self.alloc_slot(self.ctx(), Count::Insert) {
            Ok((s, addr, slot)) => {
                reservation.keep();
                let v = self.place(slot, value, 0, true);
                Ok(self.handle(s, addr, v))
            }
            Err(e) => Err(InsertError::new(value, e)),
        }
    }

    /// Inserts the value `f` builds from its own handle (for values that refer to
    /// themselves). `f` runs before the value is visible; if it panics, nothing changes.
    ///
    /// # Panics
    ///
    /// As [`insert`](SyncPool::insert), and if `f` panics.
    ///
    /// # Examples
    ///
    /// ```
    /// use pool_core::{Handle, SyncPool};
    /// struct Node { me: Handle<Node> }
    /// let pool = SyncPool::new();
    /// let h = pool.insert_with(|me| Node { me });
    /// assert_eq!(pool.get(h).unwrap().me, h);
    /// ```
    #[track_caller]
    pub fn insert_with<F: FnOnce(Handle<T>) -> T>(&self, f: F) -> Handle<T> {
        let reservation = match Reservation::take(self) {
            Ok(r) => r,
            Err(e) => insert_panic(e),
        };
        let ctx = self.ctx();
        let (s, addr, slot) = match self.alloc_slot(ctx, Count::Insert) {
            Ok(x) => x,
            Err(e) => insert_panic(e),
        };
        let vacant = version(slot.state.load(Ordering::Relaxed));
        let v = vacant.wrapping_add(1);
        reservation.keep();
        // Give the slot back (and the count) if `f` panics.
        let undo = VacantUndo {
            pool: self,
            ctx,
            shard: s,
            addr,
            version: vacant,
            counted: true,
        };
        let value = f(self.handle(s, addr, v));
        core::mem::forget(undo);
        self.place(slot, value, 0, true);
        self.handle(s, addr, v)
    }

    /// Takes a vacant slot in the caller's shard and counts the new value.
    #[inline]
    fn alloc_slot(&self, ctx: Ctx, count: Count) -> Result<(u32, u32, &Slot<T>), PoolError> {
        if let Ctx::Owned(s) = ctx {
            let shard = &self.shards[s as usize];
            // SAFETY: `ctx` says the calling thread owns shard `s`.
            if let Some((addr, slot)) = unsafe { shard.pop_free() } {
                shard.note_added();
                if count == Count::Miss {
                    bump(&shard.c.own.misses);
                }
                return Ok((s, addr, slot));
            }
        }
        self.alloc_slot_slow(ctx, count)
    }

    #[cold]
    fn alloc_slot_slow(&self, ctx: Ctx, count: Count) -> Result<(u32, u32, &Slot<T>), PoolError> {
        // Deferred values are not reclaimed here: that would run other values' `Drop`
        // inside an insert. The last pin to go, and `collect`, reclaim them.
        self.with_own_shard(ctx, |s, shard| {
            // SAFETY: `with_own_shard` runs this as the shard's owner.
            let (addr, slot) = unsafe { shard.take_vacant() }?;
            shard.note_added();
            if count == Count::Miss {
                bump(&shard.c.own.misses);
            }
            Ok((s, addr, slot))
        })
    }

    /// Writes `value` into a vacant slot taken by `alloc_slot` with lock bits `lock`;
    /// with `publish`, under a new (odd) version a handle can name, else under the slot's
    /// even version (no handle reaches it: a `Recycled` guard without a handle). Returns
    /// the version.
    #[inline]
    #[cfg_attr(feature = "debug", track_caller)]
    fn place(&self, slot: &Slot<T>, value: T, lock: u32, publish: bool) -> u32 {
        let v = version(slot.state.load(Ordering::Relaxed)) + u32::from(publish);
        // SAFETY: the slot is vacant (even version, no lock) and off every list: this
        // thread took it, and nobody else writes a vacant slot (invariant 2).
        unsafe { slot.value_ptr().write(value) };
        #[cfg(feature = "debug")]
        self.record_insert(slot);
        slot.state.store(pack(v, lock), Ordering::Release);
        v
    }
}

/// Gives a vacant slot taken for a new value back to a free list, as it was, if user
/// code panics before the value is written (`insert_with`'s closure, `prefill`'s maker).
struct VacantUndo<'a, T> {
    pool: &'a SyncPool<T>,
    ctx: Ctx,
    shard: u32,
    addr: u32,
    /// The slot's (even) version when it was taken.
    version: u32,
    /// The value was counted as added: count its removal too.
    counted: bool,
}

impl<T> Drop for VacantUndo<'_, T> {
    fn drop(&mut self) {
        if self.counted {
            self.pool.note_removed(self.ctx, self.shard);
        }
        let slot = self.pool.shards[self.shard as usize].slot(self.addr);
        self.pool
            .free_vacant(self.ctx, self.shard, self.addr, slot, self.version);
    }
}

impl<T> Drop for SyncPool<T> {
    fn drop(&mut self) {
        #[cfg(feature = "debug")]
        if !self.is_empty() {
            match self.try_leak_report() {
                Some(report) => crate::debug::dropped_with(report),
                None => crate::debug::dropped_unreported("SyncPool", self.id, self.len()),
            }
        }
        self.drop_values();
    }
}
