//! Shards (one thread's heaps), the deferred lists of cross-thread frees, and the
//! thread-locals that tie a thread to its shard.
//!
//! # Invariants
//!
//! 1. A shard is owned by at most one thread at a time: the one that won the slot's
//!    `owned` flag (acquire), until it stores `false` again (release) when it exits or
//!    after a `trim` borrowed it. Only the owner touches its heaps and `local`.
//! 2. A deferred list is pushed by any thread (release compare-exchange of its head) and
//!    taken whole by whoever has exclusive access to the heaps it feeds (an acquire swap),
//!    never popped one block at a time, so there is no ABA. A block on it holds the next
//!    block in its first word and its class in its second (blocks are at least 16 bytes).
//! 3. The thread's cached pool state and shard (`sync::thread_cache`) are set only
//!    together with an exit entry for that state, which holds a reference on it, so a
//!    cached state pointer always points at a live state.
//! 4. The pool never makes a `&Shard`: it reaches a shard's heaps, list and owner-only
//!    part one at a time through the pointer the shard was allocated with (see
//!    [`ShardCtx`]). A reference to the whole shard would cover its forty-nine heaps, which
//!    Miri's borrow tracker visits atomic by atomic on every allocation and free.

use core::cell::Cell;
use core::ptr::{self, addr_of, addr_of_mut};

use super::heap::{self, next_of, set_next, slab_of, Heap, SlabSource};
use super::state::State;
use crate::size_class::CLASS_COUNT;
use crate::sync::atomic::{AtomicPtr, Ordering::*};
use crate::sync::cell::UnsafeCell;
use crate::sync::epoch::Epochs;
use crate::sync::process::{AtomicU64, Ordering::Relaxed as StatRelaxed};
use crate::sync::thread_cache;

/// A thread's heaps in one pool.
#[repr(C, align(128))]
pub(super) struct Shard {
    index: u16,
    heaps: [Heap; CLASS_COUNT],
    local: UnsafeCell<Local>,
    deferred: Deferred,
}

/// Owner-only state of a shard besides its heaps.
struct Local {
    /// Empty slabs kept for reuse, of any size: each holds the next in its first word and
    /// its shift in its second.
    empty: *mut u8,
    empty_len: usize,
}

impl core::fmt::Debug for Shard {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Shard")
            .field("index", &self.index)
            .finish_non_exhaustive()
    }
}

// SAFETY: invariant 1: the owner-only parts are touched by one thread at a time, handed
// over with acquire/release on the slot's flag; the rest is atomics.
unsafe impl Send for Shard {}
// SAFETY: as above.
unsafe impl Sync for Shard {}

impl Shard {
    /// Writes a new shard into `p`, field by field (it is large; see `State::create`).
    ///
    /// # Safety
    ///
    /// `p` is valid for writing a `Shard` and aligned.
    pub(super) unsafe fn init(p: *mut Shard, index: u16) {
        // SAFETY: the caller's contract; every field is written once.
        unsafe {
            addr_of_mut!((*p).index).write(index);
            let heaps = addr_of_mut!((*p).heaps).cast::<Heap>();
            for c in 0..CLASS_COUNT {
                heaps.add(c).write(Heap::new());
            }
            addr_of_mut!((*p).local).write(UnsafeCell::new(Local {
                empty: ptr::null_mut(),
                empty_len: 0,
            }));
            addr_of_mut!((*p).deferred).write(Deferred::new());
        }
    }
}

/// Cross-thread frees waiting for the owner (invariant 2), and those the owner holds back
/// until the epochs allow their reuse.
#[repr(align(128))]
pub(super) struct Deferred {
    list: AtomicPtr<u8>,
    waiting: UnsafeCell<Waiting>,
    /// Blocks taken off the list and put back on their slabs, ever (owner-written).
    pub(super) reclaimed: AtomicU64,
    /// Blocks held back by the epochs now (owner-written).
    pub(super) held: AtomicU64,
}

struct Waiting {
    head: *mut u8,
    /// Low 32 bits of the epoch when the newest batch joined.
    stamp: u32,
}

impl Deferred {
    pub(super) fn new() -> Self {
        Deferred {
            list: AtomicPtr::new(ptr::null_mut()),
            waiting: UnsafeCell::new(Waiting {
                head: ptr::null_mut(),
                stamp: 0,
            }),
            reclaimed: AtomicU64::new(0),
            held: AtomicU64::new(0),
        }
    }

    /// Pushes `block` of class `c` (from any thread).
    ///
    /// # Safety
    ///
    /// `block` is a block of class `c` of the heaps this list feeds, given up by the caller.
    #[inline]
    pub(super) unsafe fn push(&self, block: *mut u8, c: usize) {
        // SAFETY: the block is at least 16 bytes and ours until the push publishes it.
        unsafe { block.add(8).cast::<usize>().write_unaligned(c) };
        let mut head = self.list.load(Relaxed);
        loop {
            // SAFETY: as above.
            unsafe { set_next(block, head) };
            match self
                .list
                .compare_exchange_weak(head, block, Release, Relaxed)
            {
                Ok(_) => return,
                Err(now) => head = now,
            }
        }
    }

    /// Whether anything is on the list or held back, read without exclusive access (a
    /// hint: a push may land right after).
    pub(super) fn has_work(&self) -> bool {
        !self.list.load(Relaxed).is_null() || self.held.load(StatRelaxed) != 0
    }

    /// Whether anything waits (a hint for the slow path).
    #[inline]
    pub(super) fn is_empty(&self) -> bool {
        // SAFETY: `with` reads the owner-only head; callers have exclusive access.
        self.list.load(Relaxed).is_null() && self.waiting.with(|w| unsafe { (*w).head.is_null() })
    }

    /// Takes what other threads freed and hands every block the epochs allow to
    /// `release(block, class)`; holds back the rest. Returns how many were released.
    ///
    /// Blocks taken while a pin is active join the waiting batch, stamped with the epoch
    /// of the take: every reader that may still see one of them pinned before it was freed,
    /// so before the take, so in that epoch or earlier. The batch goes once the clock is
    /// two epochs on, or at once when no pin is active at all.
    ///
    /// # Safety
    ///
    /// Exclusive access to the heaps this list feeds; `release` puts a block back.
    pub(super) unsafe fn reclaim(
        &self,
        epochs: &Epochs,
        mut release: impl FnMut(*mut u8, usize),
    ) -> usize {
        let taken = self.list.swap(ptr::null_mut(), SeqCst);
        // Ordered after the swap (both sequentially consistent): a pin registered before
        // any of these blocks was freed is seen here.
        let pinned = epochs.any_pinned();
        let mut n = 0;
        // SAFETY: exclusive access (the caller's contract) to `waiting`; the blocks on both
        // lists are free blocks of our heaps (invariant 2).
        self.waiting.with_mut(|w| unsafe {
            let w = &mut *w;
            if !taken.is_null() {
                if pinned {
                    let mut tail = taken;
                    let mut len = 1;
                    while !next_of(tail).is_null() {
                        tail = next_of(tail);
                        len += 1;
                    }
                    set_next(tail, w.head);
                    w.head = taken;
                    w.stamp = epochs.now() as u32;
                    heap::add(&self.held, len);
                } else {
                    n += release_list(taken, &mut release);
                }
            }
            if !w.head.is_null()
                && (!pinned || epochs.is_ripe(w.stamp) || {
                    epochs.try_advance();
                    epochs.is_ripe(w.stamp)
                })
            {
                let head = core::mem::replace(&mut w.head, ptr::null_mut());
                n += release_list(head, &mut release);
                self.held.store(0, StatRelaxed);
            }
        });
        heap::add(&self.reclaimed, n as u64);
        n
    }
}

/// The shift stored in an empty slab on a shard's cache.
///
/// # Safety
///
/// `slab` is on that cache.
unsafe fn shift_of(slab: *mut u8) -> u8 {
    // SAFETY: the caller's contract; `retire_slab` wrote it.
    unsafe { slab.add(8).cast::<usize>().read_unaligned() as u8 }
}

/// # Safety
///
/// `head` starts a list of free blocks (invariant 2) the caller owns.
unsafe fn release_list(mut b: *mut u8, release: &mut impl FnMut(*mut u8, usize)) -> usize {
    let mut n = 0;
    while !b.is_null() {
        // SAFETY: `b` is a block of the list, at least 16 bytes.
        let (next, c) = unsafe { (next_of(b), b.add(8).cast::<usize>().read_unaligned()) };
        release(b, c);
        n += 1;
        b = next;
    }
    n
}

/// Heap `c` of the shard at `sh`, without a reference to the whole shard (invariant 4).
///
/// # Safety
///
/// `sh` is a shard of a live state, with its allocation's permissions (as `try_own` and
/// the thread cache hand it out).
///
/// # Panics
///
/// If `c >= CLASS_COUNT`.
#[inline(always)]
pub(super) unsafe fn heap_of<'a>(sh: *const Shard, c: usize) -> &'a Heap {
    // SAFETY: the caller's contract: a shard lives as long as its state, and its heaps are
    // initialised; the index is bounds-checked.
    unsafe { &*addr_of!((*sh).heaps[c]) }
}

/// The slot index of the shard at `sh`.
///
/// # Safety
///
/// As for [`heap_of`].
#[inline(always)]
pub(super) unsafe fn index_of(sh: *const Shard) -> u16 {
    // SAFETY: the caller's contract; `index` is written once, before the shard is shared.
    unsafe { (*sh).index }
}

/// The deferred list of the shard at `sh`.
///
/// # Safety
///
/// As for [`heap_of`].
#[inline(always)]
pub(super) unsafe fn deferred_of<'a>(sh: *const Shard) -> &'a Deferred {
    // SAFETY: the caller's contract.
    unsafe { &*addr_of!((*sh).deferred) }
}

/// A shard seen by its owner: where its heaps get slabs and reclaim remote frees.
pub(super) struct ShardCtx<'a> {
    state: &'a State,
    /// A shard of `state` that the calling thread owns (shard invariant 1), with its
    /// allocation's permissions (invariant 4).
    shard: *const Shard,
}

impl<'a> ShardCtx<'a> {
    /// The owner's view of shard `shard` of `state`.
    ///
    /// # Safety
    ///
    /// `shard` is a shard of `state` (from `try_own` or the thread cache) and the calling
    /// thread owns it for as long as the context is used.
    #[inline(always)]
    pub(super) unsafe fn new(state: &'a State, shard: *const Shard) -> Self {
        ShardCtx { state, shard }
    }

    /// Heap `c` of the shard.
    #[inline(always)]
    pub(super) fn heap(&self, c: usize) -> &Heap {
        // SAFETY: `new`'s contract.
        unsafe { heap_of(self.shard, c) }
    }

    /// Every heap of the shard, in class order.
    fn heaps(&self) -> impl Iterator<Item = &Heap> {
        (0..CLASS_COUNT).map(move |c| self.heap(c))
    }

    /// The owner-only part of the shard.
    fn local(&self) -> &UnsafeCell<Local> {
        // SAFETY: `new`'s contract.
        unsafe { &*addr_of!((*self.shard).local) }
    }

    /// The shard's deferred list.
    pub(super) fn deferred(&self) -> &Deferred {
        // SAFETY: `new`'s contract.
        unsafe { deferred_of(self.shard) }
    }
    /// Puts a block back on its slab (the owner side of a free).
    ///
    /// # Safety
    ///
    /// Exclusive access to the shard; `b` is an in-use block of class `c` of its heaps.
    #[inline(always)]
    pub(super) unsafe fn free_local(&self, b: *mut u8, c: usize) {
        let slab = slab_of(b, heap::slab_shift(self.state.config.slab_shift, c));
        let heap = self.heap(c);
        // SAFETY: the caller's contract.
        unsafe { heap.push(slab, b, self) };
    }

    /// Gives back every empty slab the shard holds; bytes returned.
    ///
    /// # Safety
    ///
    /// Exclusive access to the shard.
    pub(super) unsafe fn trim(&self) -> usize {
        let mut bytes = 0;
        // SAFETY: exclusive access.
        unsafe {
            self.reclaim();
            for heap in self.heaps() {
                bytes += heap.trim(self);
            }
            self.local().with_mut(|l| {
                let l = &mut *l;
                while !l.empty.is_null() {
                    let (s, shift) = (l.empty, shift_of(l.empty));
                    l.empty = next_of(s);
                    l.empty_len -= 1;
                    bytes += 1 << shift;
                    self.state.free_slab(s, shift);
                }
            });
        }
        bytes
    }

    /// Hands every slab back to the backing allocator (the pool is being dropped).
    ///
    /// # Safety
    ///
    /// Nothing uses the shard or its blocks again.
    pub(super) unsafe fn release_all(&self) {
        // SAFETY: the caller's contract.
        unsafe {
            for heap in self.heaps() {
                heap.release_all(|s, shift| self.state.free_slab(s, shift));
            }
            self.local().with_mut(|l| {
                while !(*l).empty.is_null() {
                    let (s, shift) = ((*l).empty, shift_of((*l).empty));
                    (*l).empty = next_of(s);
                    self.state.free_slab(s, shift);
                }
                (*l).empty_len = 0;
            });
        }
    }
}

impl SlabSource for ShardCtx<'_> {
    fn new_slab(&self, shift: u8) -> *mut u8 {
        // SAFETY: the owner has exclusive access to `local` (invariant 1); the cached slabs
        // hold their link and shift.
        let cached = self.local().with_mut(|l| unsafe {
            let l = &mut *l;
            let mut prev: *mut u8 = ptr::null_mut();
            let mut s = l.empty;
            while !s.is_null() && shift_of(s) != shift {
                prev = s;
                s = next_of(s);
            }
            if !s.is_null() {
                if prev.is_null() {
                    l.empty = next_of(s);
                } else {
                    set_next(prev, next_of(s));
                }
                l.empty_len -= 1;
            }
            s
        });
        if cached.is_null() {
            self.state.new_slab(shift)
        } else {
            cached
        }
    }

    unsafe fn retire_slab(&self, base: *mut u8, shift: u8) {
        let keep = self.state.config.keep_empty as usize;
        // SAFETY: exclusive access to `local`; `base` is an empty slab of ours, so it can
        // hold the link and the shift.
        let kept = self.local().with_mut(|l| unsafe {
            let l = &mut *l;
            if l.empty_len < keep {
                set_next(base, l.empty);
                base.add(8).cast::<usize>().write_unaligned(shift as usize);
                l.empty = base;
                l.empty_len += 1;
                true
            } else {
                false
            }
        });
        if !kept {
            // SAFETY: the caller's contract: an empty slab of this pool.
            unsafe { self.state.free_slab(base, shift) };
        }
    }

    unsafe fn reclaim(&self) -> bool {
        if self.deferred().is_empty() {
            return false;
        }
        // SAFETY: exclusive access to the shard (the caller's contract); every block on its
        // deferred list is an in-use block of its heaps with its class recorded.
        unsafe {
            self.deferred()
                .reclaim(&self.state.epochs, |b, c| self.free_local(b, c))
                > 0
        }
    }
}

/// A thread without a shard tries again to take one every this many bucket allocations
/// (a shard may have been given back meanwhile).
const RETRY_EVERY: u32 = 4096;

/// The cached shard index of a thread that uses the buckets.
pub(super) const NO_SHARD: u16 = thread_cache::NO_INDEX;

/// The exit hook for a thread's entry: gives its shard back and its reference up.
///
/// # Safety
///
/// `(state, shard)` is an entry of the calling thread (shard invariant 3).
unsafe fn leave(state: *const (), shard: *const ()) {
    // SAFETY: the entry holds a reference on the state, and the shard (if any) is owned
    // by this thread.
    unsafe { State::leave(state.cast(), shard.cast()) }
}

/// Caches `(state, shard)` as the calling thread's last used.
fn cache(state: &State, shard: *const Shard) {
    let index = if shard.is_null() {
        NO_SHARD
    } else {
        // SAFETY: a claimed shard lives as long as its state.
        unsafe { (*shard).index }
    };
    let _ = thread_cache::with_fast(|f| {
        f.key.set(state.this().cast());
        f.value.set(shard.cast());
        f.index.set(index);
    });
}

/// The calling thread's cached `(state, shard, index)`.
#[inline(always)]
pub(super) fn fast() -> (*const State, *const Shard, u16) {
    thread_cache::with_fast(|f| (f.key.get().cast(), f.value.get().cast(), f.index.get()))
        .unwrap_or((ptr::null(), ptr::null(), NO_SHARD))
}

/// Finds or claims the calling thread's shard in `state`; null if it has none (it uses
/// the buckets). Caches the answer when it can hold a reference for it.
#[cold]
#[inline(never)]
pub(super) fn shard_for(state: &State) -> *const Shard {
    let r = thread_cache::with_exit(|exit| {
        if exit.closed.get() {
            return None;
        }
        for e in &exit.entries {
            let (s, sh) = e.get();
            if ptr::eq(s, state.this().cast()) {
                return Some(sh.cast::<Shard>());
            }
        }
        let slot = exit.entries.iter().find(|e| e.get().0.is_null())?;
        // Registering the exit hook (first access to `EXIT` above) may allocate; from here
        // the thread may take a shard, which allocates from the backing allocator only.
        exit.closed.set(true);
        let shard = state.claim_shard();
        state.retain();
        exit.leave.set(Some(leave));
        slot.set((state.this().cast(), shard.cast()));
        exit.closed.set(false);
        Some(shard)
    });
    match r {
        Some(Some(shard)) => {
            cache(state, shard);
            shard
        }
        _ => ptr::null(),
    }
}

/// The shard the calling thread owns in `state`, if any, without taking one; makes
/// `state` the thread's cached one when found (a thread using several pools in turn).
#[cold]
pub(super) fn owned_shard(state: &State) -> *const Shard {
    let found = thread_cache::with_exit(|exit| {
        if exit.closed.get() {
            return ptr::null();
        }
        exit.entries
            .iter()
            .map(Cell::get)
            .find(|e| ptr::eq(e.0, state.this().cast()))
            .map_or(ptr::null(), |e| e.1.cast::<Shard>())
    })
    .unwrap_or(ptr::null());
    if !found.is_null() {
        cache(state, found);
    }
    found
}

/// Called by a thread that allocates from `state`'s buckets because it has no shard:
/// every [`RETRY_EVERY`] calls, tries to take one; the shard if it got one.
#[cold]
pub(super) fn retry_shard(state: &State) -> *const Shard {
    let due = thread_cache::with_fast(|f| {
        let n = f.misses.get().wrapping_add(1);
        f.misses.set(n);
        n % RETRY_EVERY == 0
    })
    .unwrap_or(false);
    if !due {
        return ptr::null();
    }
    let shard = thread_cache::with_exit(|exit| {
        if exit.closed.get() {
            return ptr::null();
        }
        let Some(e) = exit
            .entries
            .iter()
            .find(|e| ptr::eq(e.get().0, state.this().cast()))
        else {
            return ptr::null();
        };
        if !e.get().1.is_null() {
            return ptr::null();
        }
        let shard = state.claim_shard();
        if !shard.is_null() {
            e.set((state.this().cast(), shard.cast()));
        }
        shard
    })
    .unwrap_or(ptr::null());
    if !shard.is_null() {
        cache(state, shard);
    }
    shard
}

/// Gives the calling thread's shards back, as its exit does (loom models only).
#[cfg(loom)]
pub(crate) fn exit_thread() {
    thread_cache::exit_thread();
}
