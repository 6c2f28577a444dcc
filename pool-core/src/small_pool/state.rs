//! A pool's shared state: shard slots, buckets, epochs and counters, allocated from the
//! backing allocator on first use, and the routing of every small allocation and free.
//!
//! # Invariants
//!
//! 1. The state is freed when its reference count reaches zero: the pool holds one
//!    reference, and each thread that cached it (an `EXIT` entry) holds one. So a thread's
//!    cached state stays valid after the pool is dropped, and a new pool never gets the
//!    address of a state some thread still caches.
//! 2. A bucket's heap is touched only while its lock is held.
//! 3. After the pool is dropped (`dead`), its slabs are gone; the state only waits for the
//!    last thread reference.
//! 4. The shard slots, the buckets and the slab map's root live in the state's allocation
//!    after the `State` itself (a [`Block`]), reached through pointers that carry the whole
//!    allocation's permissions, one entry at a time. So a `&State`, made on every
//!    allocation and free, covers a few hundred bytes instead of some twenty kilobytes of
//!    atomics. That costs one pointer load per table access, and spares Miri's borrow
//!    tracker, which visits every atomic a reference covers, most of its work.

use core::alloc::Layout;
use core::ptr::{self, addr_of_mut};

use super::heap::{self, slab_of, Heap, SlabSource, BUCKET_OWNER};
use super::map::{MapRoot, SlabMap};
use super::shard::{self, heap_of, index_of, Deferred, Shard, ShardCtx, NO_SHARD};
use super::{backing::FallbackCounters, Config};
use crate::size_class::CLASS_COUNT;
use crate::sync::atomic::{AtomicBool, AtomicPtr, AtomicUsize, Ordering::*};
use crate::sync::epoch::Epochs;
use crate::sync::lock::StatMutex;
use crate::sync::process::{AtomicU64, Ordering::Relaxed as StatRelaxed};

/// Shards a pool can have at most.
pub const MAX_SHARDS: usize = 64;

pub(super) struct ShardSlot {
    pub(super) owned: AtomicBool,
    pub(super) shard: AtomicPtr<Shard>,
}

/// The locked heap of one class, for threads without a shard.
pub(super) struct Bucket {
    pub(super) lock: StatMutex<()>,
    pub(super) heap: Heap,
    /// Frees made while a pin was active.
    pub(super) deferred: Deferred,
}

pub(super) struct State {
    /// The state's own address with the allocation's full permissions (what threads keep
    /// and what frees the state; a pointer made from `&State` could not).
    this: *mut State,
    /// `Block::slots` (invariant 4).
    slots: *const ShardSlot,
    /// `Block::buckets` (invariant 4).
    buckets: *const Bucket,
    refs: AtomicUsize,
    dead: AtomicBool,
    next_shard: AtomicUsize,
    pub(super) config: Config,
    pub(super) epochs: Epochs,
    pub(super) fallback: FallbackCounters,
    /// Bytes of slabs held from the backing allocator.
    pub(super) held: AtomicU64,
    /// Shards allocated so far.
    pub(super) created: AtomicU64,
    /// Slab addresses to slabs (see the `map` module); its root is `Block::map_root`.
    map: SlabMap,
}

/// The state's allocation: the state, then its tables (invariant 4).
#[repr(C)]
struct Block {
    state: State,
    slots: [ShardSlot; MAX_SHARDS],
    buckets: [Bucket; CLASS_COUNT],
    map_root: MapRoot,
}

impl State {
    /// A new state from the backing allocator, with one reference (the pool's); null if
    /// the backing allocator fails.
    pub(super) fn create(config: Config) -> *mut State {
        let layout = Layout::new::<Block>();
        // SAFETY: `Block` is not zero-sized.
        let block = unsafe { config.backing.alloc(layout) }.cast::<Block>();
        if block.is_null() {
            return ptr::null_mut();
        }
        // Field by field, in place: the block is large (more so under loom) and must not be
        // built on the stack first.
        // SAFETY: `block` is fresh memory for a `Block`; every field is written exactly once
        // below, through raw places, before the state is used. The table pointers are
        // made from `block`, so they carry the whole allocation's permissions.
        unsafe {
            let p = addr_of_mut!((*block).state);
            addr_of_mut!((*p).this).write(p);
            addr_of_mut!((*p).refs).write(AtomicUsize::new(1));
            addr_of_mut!((*p).dead).write(AtomicBool::new(false));
            addr_of_mut!((*p).next_shard).write(AtomicUsize::new(0));
            addr_of_mut!((*p).config).write(config);
            let slots = addr_of_mut!((*block).slots).cast::<ShardSlot>();
            addr_of_mut!((*p).slots).write(slots);
            for k in 0..MAX_SHARDS {
                slots.add(k).write(ShardSlot {
                    owned: AtomicBool::new(false),
                    shard: AtomicPtr::new(ptr::null_mut()),
                });
            }
            let buckets = addr_of_mut!((*block).buckets).cast::<Bucket>();
            addr_of_mut!((*p).buckets).write(buckets);
            for c in 0..CLASS_COUNT {
                buckets.add(c).write(Bucket {
                    lock: StatMutex::new(()),
                    heap: Heap::new(),
                    deferred: Deferred::new(),
                });
            }
            addr_of_mut!((*p).epochs).write(Epochs::new());
            addr_of_mut!((*p).fallback).write(FallbackCounters::new());
            addr_of_mut!((*p).held).write(AtomicU64::new(0));
            addr_of_mut!((*p).created).write(AtomicU64::new(0));
            let root = addr_of_mut!((*block).map_root);
            MapRoot::init(root);
            addr_of_mut!((*p).map).write(SlabMap::new(root));
            p
        }
    }

    pub(super) fn this(&self) -> *const State {
        self.this
    }

    /// Shard slot `k`.
    ///
    /// # Panics
    ///
    /// If `k >= MAX_SHARDS` (as indexing the array would).
    #[inline(always)]
    pub(super) fn slot(&self, k: usize) -> &ShardSlot {
        assert!(k < MAX_SHARDS, "shard slot out of range");
        // SAFETY: `slots` points at the block's `MAX_SHARDS` initialised slots (invariant
        // 4), which live as long as the state; `k` is in range.
        unsafe { &*self.slots.add(k) }
    }

    /// Every shard slot, in order.
    pub(super) fn slots(&self) -> impl Iterator<Item = &ShardSlot> {
        (0..MAX_SHARDS).map(move |k| self.slot(k))
    }

    /// The bucket of class `c`.
    ///
    /// # Panics
    ///
    /// If `c >= CLASS_COUNT` (as indexing the array would).
    #[inline(always)]
    pub(super) fn bucket(&self, c: usize) -> &Bucket {
        assert!(c < CLASS_COUNT, "size class out of range");
        // SAFETY: as for `slot`, for the block's `CLASS_COUNT` buckets.
        unsafe { &*self.buckets.add(c) }
    }

    /// Every bucket, in class order.
    pub(super) fn buckets(&self) -> impl Iterator<Item = &Bucket> {
        (0..CLASS_COUNT).map(move |c| self.bucket(c))
    }

    pub(super) fn retain(&self) {
        self.refs.fetch_add(1, Relaxed);
    }

    /// Drops one reference; frees the state with the last.
    ///
    /// # Safety
    ///
    /// `this` is a live state and the caller gives up a reference it holds.
    pub(super) unsafe fn release(this: *const State) {
        // SAFETY: the caller holds a reference, so the state is alive.
        let state = unsafe { &*this };
        if state.refs.fetch_sub(1, Release) != 1 {
            return;
        }
        crate::sync::atomic::fence(Acquire);
        let backing = state.config.backing;
        for slot in state.slots() {
            let s = slot.shard.load(Acquire);
            if !s.is_null() {
                // SAFETY: the last reference: nothing else can reach the shard, which was
                // allocated by `claim_shard` with this layout.
                unsafe {
                    ptr::drop_in_place(s);
                    backing.dealloc(s.cast(), Layout::new::<Shard>());
                }
            }
        }
        // SAFETY: as above, for the state itself, allocated by `create`; the map's nodes
        // came from the same backing allocator.
        unsafe {
            state.map.free_nodes(&backing);
            // `this` is the block's address (the state is its first field) with the
            // block's permissions (invariant 4).
            let block = this.cast_mut().cast::<Block>();
            ptr::drop_in_place(block);
            backing.dealloc(block.cast(), Layout::new::<Block>());
        }
    }

    /// The pool is dropped: frees every slab it can own, then drops the pool's reference.
    ///
    /// A shard still owned by a thread (one that is exiting: its thread-local destructor
    /// may be running right now) is left to that thread, which frees its slabs when it
    /// gives the shard back and sees the pool dead (see [`leave`](Self::leave)). The
    /// `dead` flag and the `owned` flags are sequentially consistent, so either this
    /// function takes the shard or the exiting thread sees `dead`; taking a shard is a
    /// compare-exchange, so only one of them frees it.
    ///
    /// # Safety
    ///
    /// `this` is the pool's state, and nothing uses the pool or its blocks again.
    pub(super) unsafe fn destroy(this: *const State) {
        // SAFETY: the pool's reference keeps it alive.
        let state = unsafe { &*this };
        state.dead.store(true, SeqCst);
        for k in 0..MAX_SHARDS {
            if state.slot(k).shard.load(Acquire).is_null() {
                continue;
            }
            if let Some(s) = state.try_own(k) {
                // SAFETY: this thread owns the shard now (and keeps it: the pool is dead),
                // and the pool's blocks are not used again.
                unsafe { ShardCtx::new(state, s).release_all() };
            }
        }
        for b in state.buckets() {
            // SAFETY: as above; only threads inside the pool take bucket locks, and none
            // is (exiting threads touch their own shard only).
            unsafe { b.heap.release_all(|s, shift| state.free_slab(s, shift)) };
        }
        // SAFETY: the pool's reference.
        unsafe { State::release(this) };
    }

    /// A calling thread leaves (exits): gives its shard back and drops its reference.
    ///
    /// # Safety
    ///
    /// The caller holds a reference on `this` and owns `shard` (or it is null).
    pub(super) unsafe fn leave(this: *const State, shard: *const Shard) {
        // SAFETY: the caller's reference.
        let state = unsafe { &*this };
        if !shard.is_null() {
            // SAFETY: the caller owns the shard, which lives as long as the state.
            let k = unsafe { index_of(shard) } as usize;
            if !state.dead.load(SeqCst) {
                // SAFETY: owned by this thread (shard invariant 1).
                unsafe { ShardCtx::new(state, shard).trim() };
            }
            state.slot(k).owned.store(false, SeqCst);
            // The pool may have been dropped meanwhile, without this shard (see
            // `destroy`): then its slabs are ours to free, if `destroy` did not take it.
            if state.dead.load(SeqCst) && state.try_own(k).is_some() {
                // SAFETY: owned again by this thread; the pool is dead.
                unsafe { ShardCtx::new(state, shard).release_all() };
            }
        }
        // SAFETY: the caller's reference, given up.
        unsafe { State::release(this) };
    }

    /// Claims a shard for the calling thread: the first one an exited thread gave back
    /// (its slabs are warm), else a new one round robin from a counter; null if shards are
    /// off, all are owned, or the backing allocator fails.
    pub(super) fn claim_shard(&self) -> *const Shard {
        let n = self.config.shards as usize;
        if n == 0 {
            return ptr::null();
        }
        for k in 0..n {
            if !self.slot(k).shard.load(Acquire).is_null() {
                if let Some(s) = self.try_own(k) {
                    return s;
                }
            }
        }
        let start = self.next_shard.fetch_add(1, Relaxed);
        for i in 0..n {
            let k = (start + i) % n;
            if let Some(s) = self.try_own(k) {
                return s;
            }
        }
        ptr::null()
    }

    /// Takes shard slot `k` if no thread owns it (allocating its shard on first use).
    pub(super) fn try_own(&self, k: usize) -> Option<*const Shard> {
        let slot = &self.slot(k);
        if slot
            .owned
            .compare_exchange(false, true, SeqCst, Relaxed)
            .is_err()
        {
            return None;
        }
        let mut s = slot.shard.load(Acquire);
        if s.is_null() {
            let layout = Layout::new::<Shard>();
            // SAFETY: `Shard` is not zero-sized.
            s = unsafe { self.config.backing.alloc(layout) }.cast::<Shard>();
            if s.is_null() {
                slot.owned.store(false, Release);
                return None;
            }
            // SAFETY: fresh memory for a `Shard`.
            unsafe { Shard::init(s, k as u16) };
            slot.shard.store(s, Release);
            self.created.fetch_add(1, StatRelaxed);
        }
        Some(s)
    }

    /// A slab of `1 << shift` bytes aligned to its size, or null.
    pub(super) fn new_slab(&self, shift: u8) -> *mut u8 {
        let size = 1usize << shift;
        // SAFETY: a non-zero size and a power-of-two alignment no larger than it.
        let p = unsafe {
            self.config
                .backing
                .alloc(Layout::from_size_align_unchecked(size, size))
        };
        if p.is_null() {
            return p;
        }
        if !self.map.set(p, p, &self.config.backing) {
            // Past 48 address bits, or no memory for a map node: no slab.
            // SAFETY: allocated just above with this layout.
            unsafe {
                self.config
                    .backing
                    .dealloc(p, Layout::from_size_align_unchecked(size, size))
            };
            return ptr::null_mut();
        }
        self.held.fetch_add(size as u64, StatRelaxed);
        p
    }

    /// # Safety
    ///
    /// `base` came from [`new_slab`](Self::new_slab)`(shift)` and nothing uses it.
    pub(super) unsafe fn free_slab(&self, base: *mut u8, shift: u8) {
        let size = 1usize << shift;
        self.map.set(base, ptr::null_mut(), &self.config.backing);
        // SAFETY: the caller's contract; the layout is the one it was allocated with.
        unsafe {
            self.config
                .backing
                .dealloc(base, Layout::from_size_align_unchecked(size, size))
        };
        self.held.fetch_sub(size as u64, StatRelaxed);
    }

    /// Allocates a block of class `c`; null if memory ran out.
    #[inline(always)]
    pub(super) fn alloc_block(&self, c: usize) -> *mut u8 {
        let (st, sh, _) = shard::fast();
        if ptr::eq(st, self) && !sh.is_null() {
            // SAFETY: `FAST` names a shard this thread owns (shard invariants 1 and 3).
            let heap = unsafe { heap_of(sh, c) };
            // SAFETY: the owner has exclusive access to its heaps.
            let b = unsafe { heap.pop() };
            if !b.is_null() {
                return b;
            }
            // SAFETY: as above.
            return unsafe { self.alloc_shard_slow(sh, c) };
        }
        self.alloc_block_cold(c)
    }

    /// # Safety
    ///
    /// The calling thread owns shard `sh` of this state.
    #[inline(never)]
    unsafe fn alloc_shard_slow(&self, sh: *const Shard, c: usize) -> *mut u8 {
        // SAFETY: the caller's contract.
        let ctx = unsafe { ShardCtx::new(self, sh) };
        // SAFETY: the owner has exclusive access to its heaps; `sh` is live.
        unsafe {
            ctx.heap(c)
                .alloc_slow(c, index_of(sh), self.config.slab_shift, &ctx)
        }
    }

    #[cold]
    #[inline(never)]
    fn alloc_block_cold(&self, c: usize) -> *mut u8 {
        let (st, sh, _) = shard::fast();
        let sh = if !ptr::eq(st, self) {
            shard::shard_for(self)
        } else if sh.is_null() {
            shard::retry_shard(self)
        } else {
            sh
        };
        if !sh.is_null() {
            // SAFETY: a shard this thread owns; exclusive access as owner.
            let b = unsafe { heap_of(sh, c).pop() };
            if !b.is_null() {
                return b;
            }
            // SAFETY: as above.
            return unsafe { self.alloc_shard_slow(sh, c) };
        }
        self.bucket_alloc(c)
    }

    fn bucket_alloc(&self, c: usize) -> *mut u8 {
        let bucket = self.bucket(c);
        let _g = bucket.lock.lock_counting(self.config.contention_ns);
        let ctx = BucketCtx {
            state: self,
            bucket,
        };
        // SAFETY: the bucket's lock is held (invariant 2).
        unsafe {
            let b = bucket.heap.pop();
            if !b.is_null() {
                return b;
            }
            bucket
                .heap
                .alloc_slow(c, BUCKET_OWNER, self.config.slab_shift, &ctx)
        }
    }

    /// Frees block `b` of class `c`.
    ///
    /// # Safety
    ///
    /// `b` was allocated from this state with class `c` and is in use.
    #[inline(always)]
    pub(super) unsafe fn free_block(&self, b: *mut u8, c: usize) {
        let shift = heap::slab_shift(self.config.slab_shift, c);
        let mask = !((1usize << shift) - 1);
        // The caller's pointer may carry less than the slab's permissions: the pool works
        // with the slab's own pointer, from the heap when the block is in the calling
        // thread's current slab of its class, else from the map (see the `map` module).
        let (st, sh, index) = shard::fast();
        if ptr::eq(st, self) && !sh.is_null() {
            // SAFETY: `FAST` names a shard this thread owns (shard invariants 1 and 3).
            let heap = unsafe { heap_of(sh, c) };
            // SAFETY: the owner has exclusive access to its heaps.
            let cur = unsafe { heap.current() };
            if !cur.is_null() && cur.addr() & mask == b.addr() & mask {
                let b = cur.cast::<u8>().with_addr(b.addr());
                // SAFETY: `b` is an in-use block of this heap's current slab, and this
                // thread owns the shard.
                unsafe { heap.push(cur, b, &ShardCtx::new(self, sh)) };
                return;
            }
        }
        let base = self.map.get(b.addr() & mask);
        if base.is_null() {
            // Not a block of this pool: the caller broke `dealloc`'s contract. Freeing
            // nothing is the one safe answer.
            debug_assert!(
                false,
                "SmallPool::dealloc: a pointer this pool did not hand out"
            );
            return;
        }
        let b = base.with_addr(b.addr());
        let slab = slab_of(b, shift);
        // SAFETY: `b` is in use, so its slab's owner is fixed (heap invariant 1).
        let owner = unsafe { (*slab).owner };
        if index == owner && ptr::eq(st, self) {
            // SAFETY: this thread owns the shard that owns the block; exclusive access as
            // owner; `b` is an in-use block of this heap.
            unsafe { heap_of(sh, c).push(slab, b, &ShardCtx::new(self, sh)) };
            return;
        }
        // SAFETY: passed on.
        unsafe { self.free_block_cold(b, c, owner) }
    }

    /// # Safety
    ///
    /// As for [`free_block`](Self::free_block); `owner` is the block's slab owner.
    #[cold]
    #[inline(never)]
    unsafe fn free_block_cold(&self, b: *mut u8, c: usize, owner: u16) {
        if owner == BUCKET_OWNER {
            let bucket = self.bucket(c);
            if self.epochs.any_pinned() {
                // SAFETY: an in-use block of the bucket's heap.
                unsafe { bucket.deferred.push(b, c) };
                return;
            }
            let _g = bucket.lock.lock_counting(self.config.contention_ns);
            let ctx = BucketCtx {
                state: self,
                bucket,
            };
            // SAFETY: the lock is held; `b` is an in-use block of this heap.
            unsafe { ctx.free_locked(b, c) };
            return;
        }
        debug_assert!(owner != NO_SHARD);
        let (st, _, _) = shard::fast();
        if !ptr::eq(st, self) {
            // The thread's cache names another pool: it may still own this block's shard.
            let mine = shard::owned_shard(self);
            // SAFETY: a claimed shard lives as long as its state.
            if !mine.is_null() && unsafe { index_of(mine) } == owner {
                // SAFETY: this thread owns the shard that owns the block.
                unsafe { ShardCtx::new(self, mine).free_local(b, c) };
                return;
            }
        }
        let sh = self.slot(owner as usize).shard.load(Acquire);
        // SAFETY: the block's slab names this shard, which exists as long as the state.
        unsafe { shard::deferred_of(sh).push(b, c) };
    }

    /// Gives back empty slabs: the calling thread's shard, the buckets, and every shard no
    /// thread owns now. Bytes returned.
    pub(super) fn trim(&self) -> usize {
        let mut bytes = 0;
        let (st, sh, _) = shard::fast();
        if ptr::eq(st, self) && !sh.is_null() {
            // SAFETY: this thread owns the shard.
            bytes += unsafe { ShardCtx::new(self, sh).trim() };
        }
        for k in 0..self.config.shards as usize {
            // Only slots that have a shard: `try_own` would make one.
            if self.slot(k).shard.load(Acquire).is_null() {
                continue;
            }
            if let Some(s) = self.try_own(k) {
                // SAFETY: owned by this thread until the store below.
                bytes += unsafe { ShardCtx::new(self, s).trim() };
                self.slot(k).owned.store(false, Release);
            }
        }
        for bucket in self.buckets() {
            if bucket.heap.slabs.load(StatRelaxed) == 0 && !bucket.deferred.has_work() {
                continue;
            }
            let _g = bucket.lock.lock_counting(self.config.contention_ns);
            let ctx = BucketCtx {
                state: self,
                bucket,
            };
            // SAFETY: the lock is held.
            unsafe {
                ctx.reclaim();
                bytes += bucket.heap.trim(&ctx);
            }
        }
        bytes
    }

    /// Reclaims what the epochs allow: the calling thread's shard, the shards no thread
    /// owns now, and the buckets.
    pub(super) fn collect(&self) -> usize {
        let mut n = 0;
        let reclaim = |sh: *const Shard| {
            // SAFETY: every call below passes a shard the calling thread owns.
            unsafe {
                let ctx = ShardCtx::new(self, sh);
                ctx.deferred()
                    .reclaim(&self.epochs, |b, c| ctx.free_local(b, c))
            }
        };
        let (st, sh, _) = shard::fast();
        if ptr::eq(st, self) && !sh.is_null() {
            // This thread owns the shard.
            n += reclaim(sh);
        }
        for k in 0..self.config.shards as usize {
            if self.slot(k).shard.load(Acquire).is_null() {
                continue;
            }
            if let Some(s) = self.try_own(k) {
                // Owned by this thread until the store below.
                n += reclaim(s);
                self.slot(k).owned.store(false, Release);
            }
        }
        for bucket in self.buckets() {
            if !bucket.deferred.has_work() {
                continue;
            }
            let _g = bucket.lock.lock_counting(self.config.contention_ns);
            let ctx = BucketCtx {
                state: self,
                bucket,
            };
            // SAFETY: the lock is held.
            n += unsafe {
                bucket
                    .deferred
                    .reclaim(&self.epochs, |b, c| ctx.free_locked(b, c))
            };
        }
        n
    }
}

/// A bucket seen by the holder of its lock.
pub(super) struct BucketCtx<'a> {
    state: &'a State,
    bucket: &'a Bucket,
}

impl BucketCtx<'_> {
    /// # Safety
    ///
    /// The bucket's lock is held; `b` is an in-use block of class `c` of its heap.
    unsafe fn free_locked(&self, b: *mut u8, c: usize) {
        let slab = slab_of(b, heap::slab_shift(self.state.config.slab_shift, c));
        // SAFETY: the caller's contract.
        unsafe { self.bucket.heap.push(slab, b, self) };
    }
}

impl SlabSource for BucketCtx<'_> {
    fn new_slab(&self, shift: u8) -> *mut u8 {
        self.state.new_slab(shift)
    }

    unsafe fn retire_slab(&self, base: *mut u8, shift: u8) {
        // SAFETY: the caller's contract.
        unsafe { self.state.free_slab(base, shift) }
    }

    unsafe fn reclaim(&self) -> bool {
        if self.bucket.deferred.is_empty() {
            return false;
        }
        // SAFETY: the lock is held (the caller's contract).
        unsafe {
            self.bucket
                .deferred
                .reclaim(&self.state.epochs, |b, c| self.free_locked(b, c))
                > 0
        }
    }
}
