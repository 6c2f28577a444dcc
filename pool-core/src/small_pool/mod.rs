//! [`SmallPool`]: a thread-caching small-object allocator for a whole program.
//!
//! `SmallPool` is the pointer-based sibling of [`BinnedAllocator`](crate::BinnedAllocator):
//! the same [size classes](crate::size_class) (16 B to 64 KiB, alignment up to 4 KiB),
//! behind [`GlobalAlloc`] (so it can be the process allocator) and
//! [`allocator_api2::alloc::Allocator`] (so collections and the other stores can use it).
//!
//! ```
//! use pool_core::small_pool::SmallPool;
//!
//! #[global_allocator]
//! static ALLOC: SmallPool = SmallPool::new();
//!
//! let v: Vec<u32> = (0..100).collect();
//! assert_eq!(v.iter().sum::<u32>(), 4950);
//! println!("{}", ALLOC.snapshot_stats());
//! ```
//!
//! # Three strategies, in order
//!
//! 1. **Shards.** A thread's first allocation claims a shard (round robin from a counter,
//!    up to [`with_shards`](SmallPool::with_shards)) and caches it in a thread-local. A
//!    shard has one heap per class; a heap carves blocks out of *slabs* (64 KiB by default,
//!    larger for the large classes so that a slab holds at least four blocks) and keeps a
//!    LIFO free list per slab. Allocating and freeing on the owning thread take no lock and
//!    no atomic read-modify-write: a thread-local read, the free-list pop or push, and a few
//!    counter stores.
//! 2. **Buckets.** One heap per class behind a mutex, for threads without a shard: shards
//!    off, a thread past the shard limit, a thread whose thread-locals are being destroyed,
//!    or a thread using more than four pools. Each lock counts acquisitions, contention (a
//!    wait longer than [`contention_threshold`](SmallPool::contention_threshold)), and wait
//!    and hold nanoseconds.
//! 3. **Fallback.** Sizes past 64 KiB and alignments past 4 KiB go to the
//!    [backing allocator](BackingAllocator), with counters and a size histogram.
//!
//! # No header
//!
//! A slab is aligned to its own size (a power of two that depends only on the class and
//! the base slab size), and its header sits in its first kilobyte, so the slab of a block
//! is the block's address with the low bits cleared: `free` and `realloc` know the class
//! from the layout, mask, and find the slab in O(1). Nothing is stored before a block. The
//! slab's own pointer comes from a three-level map keyed by that address, so the pool
//! never reads its bookkeeping through the (possibly narrower) pointer the program gives
//! back; Miri checks this under Stacked Borrows.
//!
//! # Frees from other threads, and what the epochs protect
//!
//! A block freed by a thread that does not own its shard is pushed on that shard's
//! *deferred list* (one compare-exchange); the owner takes the whole list when its heap of
//! that class runs dry (or on [`collect_garbage`](SmallPool::collect_garbage)) and puts the
//! blocks back on their slabs.
//!
//! [`enter_epoch`](SmallPool::enter_epoch) / [`leave_epoch`](SmallPool::leave_epoch)
//! bracket a reader that may still hold pointers to blocks other threads are freeing (a
//! lock-free structure whose nodes are unlinked and freed while readers traverse it). The
//! guarantee: **a block freed by a thread other than its owner, or into the buckets, while
//! any epoch is entered is not handed out again until every reader that had entered by the
//! time it was freed has left.** The owner takes deferred blocks in batches; a batch taken
//! while anything is entered is stamped with the epoch and waits until the clock is two
//! epochs on ([`advance_epoch`](SmallPool::advance_epoch) moves it when no reader is left in
//! the epoch before) or until nothing is entered at all. The reader must enter before it
//! loads a pointer to a shared block, and the freeing thread must unlink the block before
//! freeing it. Not covered: a block freed *by its owner thread* goes back on its slab at
//! once (the owner is the only thread that allocates from it, so it cannot be reused
//! behind that thread's back; a reader on another thread is not protected from it).
//!
//! # Threads that exit
//!
//! A thread's exit gives its shard back: it reclaims the deferred list, returns empty slabs
//! to the backing allocator, and frees the slot, so the next new thread takes over the
//! shard with its slabs. A program that starts and ends many short-lived threads uses at
//! most as many shards as threads alive at once.
//!
//! # Memory
//!
//! `realloc` within a block's class returns the same pointer. A slab whose last block is
//! freed leaves its heap at once; a shard keeps up to
//! [`keep_empty_slabs`](SmallPool::keep_empty_slabs) such slabs for reuse (hysteresis) and
//! returns the rest to the backing allocator. [`trim`](SmallPool::trim) returns every empty
//! slab it can reach. Dropping a pool returns all its slabs.
//!
//! # Allocator modes
//!
//! One type per mode: [`std::alloc::System`], `Mimalloc` (feature `mimalloc`) and
//! [`SmallPool`]; [`BackingAllocator`] picks what a `SmallPool` falls back on; [`AllocatorMode`]
//! picks the process allocator from a build flag and rejects an unknown mode at compile
//! time.
//!
//! # Invariants
//!
//! Each submodule states its own: `heap` (slabs and per-class heaps), `shard` (ownership,
//! deferred lists, thread-locals), `state` (lifetime of the shared state, bucket locks).
//! Concurrency goes through the crate's `sync` facade, so the `loom` models
//! (`tests/loom_small_pool.rs`) run this code.

mod backing;
mod heap;
mod map;
mod shard;
mod state;
mod stats;

use core::alloc::{GlobalAlloc, Layout};
use core::ptr::{self, NonNull};

use allocator_api2::alloc::{AllocError, Allocator};

#[cfg(not(loom))]
pub use self::backing::AllocatorMode;
#[cfg(feature = "mimalloc")]
pub use self::backing::Mimalloc;
pub use self::backing::{BackingAllocator, HISTOGRAM_BOUNDS};
pub use self::state::MAX_SHARDS;
pub use self::stats::{ClassStats, FallbackStats, ShardSummary, SmallPoolStats};
pub use crate::sync::lock::LockStats;

use self::state::State;
use crate::size_class::SizeClass;
use crate::sync::atomic::{AtomicPtr, Ordering::*};

/// Construction-time settings, copied into the state.
#[derive(Clone, Copy, Debug)]
struct Config {
    shards: u16,
    slab_shift: u8,
    keep_empty: u8,
    backing: BackingAllocator,
    contention_ns: u64,
}

const DEFAULT: Config = Config {
    shards: MAX_SHARDS as u16,
    slab_shift: 16,
    keep_empty: 8,
    backing: BackingAllocator::System,
    contention_ns: 1_000,
};

/// A small-object allocator with per-thread shards, locked buckets and a fallback; see
/// the [module docs](self).
///
/// Its bookkeeping is allocated from the backing allocator on first use, so `new` is a
/// `const fn` and a `static` works as the global allocator.
///
/// # Examples
///
/// ```
/// use core::alloc::{GlobalAlloc, Layout};
/// use pool_core::small_pool::SmallPool;
///
/// let pool = SmallPool::new();
/// let layout = Layout::from_size_align(24, 8).unwrap();
/// // SAFETY: a non-zero-sized layout; the block is freed once, with the same layout.
/// unsafe {
///     let p = pool.alloc(layout);
///     p.write_bytes(7, 24);
///     pool.dealloc(p, layout);
/// }
/// assert_eq!(pool.snapshot_stats().class(24).unwrap().allocations, 1);
/// ```
pub struct SmallPool {
    state: AtomicPtr<State>,
    config: Config,
}

impl core::fmt::Debug for SmallPool {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SmallPool")
            .field("shards", &self.config.shards)
            .field("slab_size", &(1usize << self.config.slab_shift))
            .field("backing", &self.config.backing)
            .finish_non_exhaustive()
    }
}

impl Default for SmallPool {
    fn default() -> Self {
        SmallPool::new()
    }
}

impl SmallPool {
    /// A pool with up to [`MAX_SHARDS`] shards, 64 KiB slabs and the system allocator as
    /// backing. Allocates nothing until first used.
    ///
    /// # Examples
    ///
    /// ```
    /// static POOL: pool_core::small_pool::SmallPool = pool_core::small_pool::SmallPool::new();
    /// assert_eq!(POOL.shard_limit(), pool_core::small_pool::MAX_SHARDS);
    /// ```
    #[cfg(not(loom))]
    pub const fn new() -> Self {
        SmallPool {
            state: AtomicPtr::new(ptr::null_mut()),
            config: DEFAULT,
        }
    }

    /// Loom's atomics cannot be built in a `const fn`.
    #[cfg(loom)]
    pub fn new() -> Self {
        SmallPool {
            state: AtomicPtr::new(ptr::null_mut()),
            config: DEFAULT,
        }
    }

    /// At most `n` shards (`0` turns them off: every thread uses the buckets).
    ///
    /// # Panics
    ///
    /// If `n > MAX_SHARDS` (a compile error in a `static`).
    ///
    /// # Examples
    ///
    /// ```
    /// use pool_core::small_pool::SmallPool;
    /// static POOL: SmallPool = SmallPool::new().with_shards(8);
    /// assert_eq!(POOL.shard_limit(), 8);
    /// ```
    pub const fn with_shards(mut self, n: usize) -> Self {
        assert!(
            n <= MAX_SHARDS,
            "SmallPool::with_shards: at most MAX_SHARDS (64) shards"
        );
        self.config.shards = n as u16;
        self
    }

    /// No shards: every thread allocates from the locked buckets.
    ///
    /// # Examples
    ///
    /// ```
    /// use pool_core::small_pool::SmallPool;
    /// let pool = SmallPool::new().without_shards();
    /// assert_eq!(pool.shard_limit(), 0);
    /// ```
    pub const fn without_shards(self) -> Self {
        self.with_shards(0)
    }

    /// Slabs and the fallback come from `backing`.
    ///
    /// # Examples
    ///
    /// ```
    /// use pool_core::small_pool::{BackingAllocator, SmallPool};
    /// let pool = SmallPool::new().backed_by(BackingAllocator::System);
    /// assert!(matches!(pool.backing(), BackingAllocator::System));
    /// ```
    pub const fn backed_by(mut self, backing: BackingAllocator) -> Self {
        self.config.backing = backing;
        self
    }

    /// The base slab size in bytes (default 64 KiB; the large classes use larger slabs).
    ///
    /// # Panics
    ///
    /// Unless `bytes` is a power of two from 64 KiB to 4 MiB.
    ///
    /// # Examples
    ///
    /// ```
    /// use pool_core::small_pool::SmallPool;
    /// let pool = SmallPool::new().slab_size(256 * 1024);
    /// assert_eq!(pool.base_slab_size(), 256 * 1024);
    /// ```
    pub const fn slab_size(mut self, bytes: usize) -> Self {
        assert!(
            bytes.is_power_of_two() && bytes >= 64 * 1024 && bytes <= 4 * 1024 * 1024,
            "SmallPool::slab_size: a power of two from 64 KiB to 4 MiB"
        );
        self.config.slab_shift = bytes.trailing_zeros() as u8;
        self
    }

    /// Empty slabs a shard keeps for reuse before returning them (default 8; besides the
    /// one empty slab each class keeps).
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = pool_core::small_pool::SmallPool::new().keep_empty_slabs(0);
    /// # drop(pool);
    /// ```
    pub const fn keep_empty_slabs(mut self, n: u8) -> Self {
        self.config.keep_empty = n;
        self
    }

    /// A bucket lock wait longer than this counts as contention (default 1 µs; every wait
    /// is added to the wait time).
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = pool_core::small_pool::SmallPool::new().contention_threshold(500);
    /// # drop(pool);
    /// ```
    pub const fn contention_threshold(mut self, nanos: u64) -> Self {
        self.config.contention_ns = nanos;
        self
    }

    /// The backing allocator.
    ///
    /// # Examples
    ///
    /// ```
    /// use pool_core::small_pool::{BackingAllocator, SmallPool};
    /// assert!(matches!(SmallPool::new().backing(), BackingAllocator::System));
    /// ```
    pub const fn backing(&self) -> BackingAllocator {
        self.config.backing
    }

    /// The most shards the pool uses.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(pool_core::small_pool::SmallPool::new().with_shards(3).shard_limit(), 3);
    /// ```
    pub const fn shard_limit(&self) -> usize {
        self.config.shards as usize
    }

    /// The base slab size in bytes.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(pool_core::small_pool::SmallPool::new().base_slab_size(), 65536);
    /// ```
    pub const fn base_slab_size(&self) -> usize {
        1 << self.config.slab_shift
    }

    #[inline(always)]
    fn state(&self) -> Option<&State> {
        let p = self.state.load(Acquire);
        if p.is_null() {
            return self.init_state();
        }
        // SAFETY: a published state lives as long as the pool holds its reference.
        Some(unsafe { &*p })
    }

    /// The state if it exists, without creating it.
    #[inline(always)]
    fn existing_state(&self) -> Option<&State> {
        let p = self.state.load(Acquire);
        // SAFETY: as in `state`.
        (!p.is_null()).then(|| unsafe { &*p })
    }

    #[cold]
    #[inline(never)]
    fn init_state(&self) -> Option<&State> {
        let fresh = State::create(self.config);
        if fresh.is_null() {
            return None;
        }
        match self
            .state
            .compare_exchange(ptr::null_mut(), fresh, AcqRel, Acquire)
        {
            // SAFETY: just published; the pool's reference keeps it alive.
            Ok(_) => Some(unsafe { &*fresh }),
            Err(winner) => {
                // SAFETY: `fresh` was never shared; its one reference is ours.
                unsafe { State::release(fresh) };
                // SAFETY: as in `state`.
                Some(unsafe { &*winner })
            }
        }
    }

    #[cold]
    fn alloc_fallback(&self, layout: Layout, zeroed: bool) -> *mut u8 {
        let backing = self.config.backing;
        // SAFETY: `GlobalAlloc`'s callers pass non-zero sizes; `allocate` handles zero
        // before coming here.
        let p = unsafe {
            if zeroed {
                backing.alloc_zeroed(layout)
            } else {
                backing.alloc(layout)
            }
        };
        if !p.is_null() {
            if let Some(s) = self.state() {
                s.fallback.on_alloc(layout.size());
            }
        }
        p
    }

    /// # Safety
    ///
    /// `ptr` came from the fallback with `layout` and is freed once.
    #[cold]
    unsafe fn dealloc_fallback(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's contract.
        unsafe { self.config.backing.dealloc(ptr, layout) };
        if let Some(s) = self.existing_state() {
            s.fallback.on_free(layout.size());
        }
    }

    /// Enters an epoch and returns it; pass it to [`leave_epoch`](Self::leave_epoch).
    /// Blocks freed meanwhile by other threads than their owners are not reused until the
    /// reader has left (see the [module docs](self)). `0` if the pool cannot allocate its
    /// bookkeeping (it then has handed out nothing a reader could see).
    ///
    /// Leave every epoch you enter: while one is open, blocks freed by other threads than
    /// their owners wait (memory grows), so an epoch that is never left (a leaked reader)
    /// keeps them from reuse for good. They are still freed when the pool is dropped.
    ///
    /// # Panics
    ///
    /// If over two million readers are in one epoch at once.
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = pool_core::small_pool::SmallPool::new();
    /// let e = pool.enter_epoch();
    /// // ... read shared blocks ...
    /// pool.leave_epoch(e);
    /// ```
    pub fn enter_epoch(&self) -> u64 {
        self.state().map_or(0, |s| s.epochs.pin())
    }

    /// Leaves the epoch `observed` that [`enter_epoch`](Self::enter_epoch) returned.
    ///
    /// # Panics
    ///
    /// If no reader is in epoch `observed` (it was left already, or never entered).
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = pool_core::small_pool::SmallPool::new();
    /// let e = pool.enter_epoch();
    /// pool.leave_epoch(e);
    /// ```
    pub fn leave_epoch(&self, observed: u64) {
        if let Some(s) = self.existing_state() {
            if !s.epochs.try_unpin(observed) {
                leave_unknown(observed);
            }
        }
    }

    /// Moves the epoch clock on by one if no reader is left in the epoch before the
    /// current one; whether it moved.
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = pool_core::small_pool::SmallPool::new();
    /// let before = pool.epoch();
    /// assert!(pool.advance_epoch());
    /// assert_eq!(pool.epoch(), before + 1);
    /// ```
    pub fn advance_epoch(&self) -> bool {
        self.state().is_some_and(|s| s.epochs.try_advance())
    }

    /// The epoch clock now.
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = pool_core::small_pool::SmallPool::new();
    /// assert!(pool.epoch() >= 2);
    /// ```
    pub fn epoch(&self) -> u64 {
        self.state().map_or(0, |s| s.epochs.now())
    }

    /// Tries to move the epoch on, then puts back on their slabs the deferred frees the
    /// epochs allow: those of the calling thread's shard, of shards no thread owns now
    /// (their threads exited), and of the buckets. Returns how many blocks it reclaimed.
    /// (Owners also do this by themselves when a class runs dry.)
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = pool_core::small_pool::SmallPool::new();
    /// assert_eq!(pool.collect_garbage(), 0);
    /// ```
    pub fn collect_garbage(&self) -> usize {
        self.existing_state().map_or(0, |s| {
            s.epochs.try_advance();
            s.collect()
        })
    }

    /// Returns to the backing allocator every empty slab it can reach: the calling
    /// thread's shard, the buckets, and the shards of exited threads (after reclaiming
    /// their deferred frees). Returns the bytes given back.
    ///
    /// # Examples
    ///
    /// ```
    /// use core::alloc::{GlobalAlloc, Layout};
    /// let pool = pool_core::small_pool::SmallPool::new();
    /// let layout = Layout::new::<[u8; 100]>();
    /// // SAFETY: allocated and freed with the same layout.
    /// unsafe { pool.dealloc(pool.alloc(layout), layout) };
    /// assert!(pool.trim() > 0);
    /// assert_eq!(pool.snapshot_stats().held_bytes, 0);
    /// ```
    pub fn trim(&self) -> usize {
        self.existing_state().map_or(0, State::trim)
    }
}

#[cold]
#[track_caller]
fn leave_unknown(observed: u64) -> ! {
    panic!("SmallPool::leave_epoch({observed}): no reader is in that epoch (left twice, or never entered)")
}

impl Drop for SmallPool {
    fn drop(&mut self) {
        let p = self.state.load(Acquire);
        if !p.is_null() {
            // SAFETY: the pool is being dropped, so nothing uses it or its blocks again.
            unsafe { State::destroy(p) };
        }
    }
}

// SAFETY: blocks come from slabs or the backing allocator, are aligned to the layout
// (size classes are multiples of the requested alignment, at class-aligned offsets of
// size-aligned slabs) and at least `layout.size()` long; a block is handed out again only
// after it was freed (heap invariant 3), and freed blocks go back to the heap they came
// from because the layout names the class and the slab names the owner.
unsafe impl GlobalAlloc for SmallPool {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        match SizeClass::for_layout(layout.size(), layout.align()) {
            Some(c) => match self.state() {
                Some(s) => s.alloc_block(c.index()),
                None => ptr::null_mut(),
            },
            None => self.alloc_fallback(layout, false),
        }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if SizeClass::for_layout(layout.size(), layout.align()).is_none() {
            return self.alloc_fallback(layout, true);
        }
        // SAFETY: the caller's contract, passed on.
        let p = unsafe { self.alloc(layout) };
        if !p.is_null() {
            // SAFETY: the block is at least `layout.size()` bytes.
            unsafe { p.write_bytes(0, layout.size()) };
        }
        p
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        match SizeClass::for_layout(layout.size(), layout.align()) {
            Some(c) => {
                if let Some(s) = self.existing_state() {
                    // SAFETY: the caller's contract: `ptr` is in use, allocated with this
                    // layout, so from class `c` of this state.
                    unsafe { s.free_block(ptr, c.index()) }
                }
            }
            // SAFETY: a layout no class serves was allocated by the fallback.
            None => unsafe { self.dealloc_fallback(ptr, layout) },
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let Ok(new_layout) = Layout::from_size_align(new_size, layout.align()) else {
            return ptr::null_mut();
        };
        let old = SizeClass::for_layout(layout.size(), layout.align());
        let new = SizeClass::for_layout(new_size, layout.align());
        match (old, new) {
            (Some(a), Some(b)) if a == b => ptr,
            (None, None) => {
                // SAFETY: both layouts belong to the fallback; the caller's contract.
                let p = unsafe { self.config.backing.realloc(ptr, layout, new_size) };
                if let (false, Some(s)) = (p.is_null(), self.existing_state()) {
                    s.fallback.on_realloc(layout.size(), new_size);
                }
                p
            }
            _ => {
                // SAFETY: a valid, non-zero-sized layout (the caller's contract).
                let p = unsafe { self.alloc(new_layout) };
                if !p.is_null() {
                    // SAFETY: both blocks hold at least the smaller size; they are distinct.
                    unsafe {
                        ptr::copy_nonoverlapping(ptr, p, layout.size().min(new_size));
                        self.dealloc(ptr, layout);
                    }
                }
                p
            }
        }
    }
}

/// A well-aligned dangling pointer for zero-sized allocations.
fn dangling(align: usize) -> NonNull<u8> {
    // SAFETY: an alignment is never zero.
    unsafe { NonNull::new_unchecked(ptr::without_provenance_mut(align)) }
}

/// The size usable in a block for `layout`: its class size, or the size itself.
fn usable(layout: Layout) -> usize {
    SizeClass::for_layout(layout.size(), layout.align()).map_or(layout.size(), |c| c.size())
}

// SAFETY: as for `GlobalAlloc`; zero-sized requests get a dangling, aligned pointer that
// `deallocate` ignores; a block stays valid until deallocated (or the pool is dropped,
// which needs no borrow of it to be alive); the reported length is the class size, and
// every size from the request up to it maps to the same class.
unsafe impl Allocator for SmallPool {
    #[inline]
    fn allocate(&self, layout: Layout) -> Result<NonNull<[u8]>, AllocError> {
        if layout.size() == 0 {
            return Ok(NonNull::slice_from_raw_parts(dangling(layout.align()), 0));
        }
        // SAFETY: a non-zero-sized layout.
        let p = unsafe { self.alloc(layout) };
        NonNull::new(p)
            .map(|p| NonNull::slice_from_raw_parts(p, usable(layout)))
            .ok_or(AllocError)
    }

    #[inline]
    unsafe fn deallocate(&self, ptr: NonNull<u8>, layout: Layout) {
        if layout.size() != 0 {
            // SAFETY: the caller's contract: allocated here with a layout that fits.
            unsafe { self.dealloc(ptr.as_ptr(), layout) }
        }
    }

    unsafe fn grow(
        &self,
        ptr: NonNull<u8>,
        old: Layout,
        new: Layout,
    ) -> Result<NonNull<[u8]>, AllocError> {
        // SAFETY: passed on; the caller's contract.
        unsafe { self.resize(ptr, old, new, false) }
    }

    unsafe fn grow_zeroed(
        &self,
        ptr: NonNull<u8>,
        old: Layout,
        new: Layout,
    ) -> Result<NonNull<[u8]>, AllocError> {
        // SAFETY: passed on; the caller's contract.
        unsafe { self.resize(ptr, old, new, true) }
    }

    unsafe fn shrink(
        &self,
        ptr: NonNull<u8>,
        old: Layout,
        new: Layout,
    ) -> Result<NonNull<[u8]>, AllocError> {
        // SAFETY: passed on; the caller's contract.
        unsafe { self.resize(ptr, old, new, false) }
    }
}

impl SmallPool {
    /// `grow`, `grow_zeroed` and `shrink`: in place within a class, else move.
    ///
    /// # Safety
    ///
    /// As for [`Allocator::grow`].
    unsafe fn resize(
        &self,
        ptr: NonNull<u8>,
        old: Layout,
        new: Layout,
        zero: bool,
    ) -> Result<NonNull<[u8]>, AllocError> {
        let same_class = old.size() != 0
            && new.size() != 0
            && old.align() == new.align()
            && SizeClass::for_layout(old.size(), old.align())
                .is_some_and(|c| Some(c) == SizeClass::for_layout(new.size(), new.align()));
        if same_class {
            if zero && new.size() > old.size() {
                // SAFETY: the block holds the class size, at least `new.size()`.
                unsafe {
                    ptr.as_ptr()
                        .add(old.size())
                        .write_bytes(0, new.size() - old.size())
                };
            }
            return Ok(NonNull::slice_from_raw_parts(ptr, usable(new)));
        }
        let fresh = if zero {
            self.allocate_zeroed(new)?
        } else {
            self.allocate(new)?
        };
        // SAFETY: both blocks hold at least the smaller size; the caller's contract makes
        // `ptr` valid for `old`.
        unsafe {
            ptr::copy_nonoverlapping(
                ptr.as_ptr(),
                fresh.cast::<u8>().as_ptr(),
                old.size().min(new.size()),
            );
            self.deallocate(ptr, old);
        }
        Ok(fresh)
    }
}

/// Gives the calling thread's shards back as its exit would (loom models only).
#[cfg(loom)]
pub(crate) fn exit_thread() {
    shard::exit_thread();
}

#[cfg(test)]
mod tests;
