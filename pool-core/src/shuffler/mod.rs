//! [`Shuffler<T>`]: variable-length blocks behind generational handles, compacted in place
//! (a "shuffle") without ever moving a block that is rented.
//!
//! # Invariants
//!
//! - A slot keeps its generation (its version plus the store's key, which is even), the
//!   number a handle carries: a lookup compares it with no arithmetic, and its parity is
//!   the version's.
//! - `slots[i]` is `Live` (odd generation; its handle resolves), `Zombie` (freed while
//!   rented: even generation, `rent > 0`), or `Vacant` (even generation, `rent == 0`; on
//!   the free list unless retired, when its version wrapped to 0, i.e. its generation is
//!   the key, or unless it is a zombie whose guards have all returned, see below). A live
//!   or zombie slot's `ptr` is `block_ptr(block)`: whatever moves a block updates both.
//! - `pending` has room for one entry per live block (`pending.capacity() >= pending.len()
//!   + live_blocks`; creating a block reserves it), so recording a free never allocates.
//! - A block freed while rented goes to `pending` at once, naming its slot (`Pending::slot`).
//!   Returning a guard only gives the pin back (no test, no bookkeeping): the first
//!   shuffle step that finds the slot's `rent` at 0 vacates the slot (onto the free list)
//!   and drops the block. Until then the slot is off the free list; it reads as `Zombie`
//!   while rented and as `Vacant` after.
//! - Every `Live` block and every `pending` block names `len` initialised elements at
//!   `chunks[chunk].at(offset)`, inside `0..chunks[chunk].top`; no two overlap (a zombie's
//!   block is the pending one naming its slot). Blocks of length 0 name no storage.
//! - A live block with `rent > 0` is pinned: a shuffle never moves it. Pending blocks never
//!   move; one whose slot still has `rent > 0` is not dropped.
//! - `&mut Inner` is only ever alive inside one method body that runs no user code while
//!   it holds it; element drops happen with no `&mut Inner` alive, on blocks that stay
//!   reserved (in `pending` marked `dropping`) until they are done.
//! - Guards reach their block only through the raw chunk pointer, never through `Inner`.
//! - `index` lists the live blocks in address order and says where the next step starts
//!   (invariants in `index.rs`): whatever creates, frees or moves a block updates it, or
//!   invalidates it so that the next step rebuilds it.

mod copy;
mod create;
#[cfg(feature = "debug")]
mod debug;
mod guard;
mod index;
#[cfg(feature = "serde")]
mod serde;
mod shuffle;
mod storage;
mod table;
#[cfg(test)]
mod tests;

use alloc::string::String;
use alloc::vec::Vec;
use core::cell::{Cell, UnsafeCell};
use core::fmt;
use core::marker::PhantomData;

pub use self::copy::{Iter, IterMut};
pub use self::guard::{BlockRent, BlockRentMut};
use self::storage::Chunk;
use crate::error::RentError;
use crate::handle::{next_store_id, store_key, Handle};

/// Marker naming blocks of `T` in a [`Shuffler<T>`]; see [`ShuffleHandle`].
pub struct Blocks<T>(PhantomData<fn() -> T>, core::convert::Infallible);

impl<T> fmt::Debug for Blocks<T> {
    fn fmt(&self, _: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.1 {}
    }
}

/// A handle to a block of `T`s in a [`Shuffler<T>`]: distinct from `Handle<T>`, so a pool
/// handle cannot be used on a shuffler by mistake.
///
/// ```compile_fail,E0308
/// let mut pool = pool_core::Pool::new();
/// let shuffler: pool_core::Shuffler<u8> = pool_core::Shuffler::new();
/// let h = pool.insert(1u8);
/// shuffler.len_of(h);
/// ```
pub type ShuffleHandle<T> = Handle<Blocks<T>>;

/// Why a block could not be created.
///
/// # Examples
///
/// ```
/// use pool_core::shuffler::{ShuffleError, Shuffler};
/// let s: Shuffler<u64> = Shuffler::new();
/// assert_eq!(s.try_alloc_with(usize::MAX, |_| 0).unwrap_err(), ShuffleError::SizeOverflow);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ShuffleError {
    /// The element count overflows `isize::MAX` bytes or the `u32` index space.
    SizeOverflow,
    /// The allocator refused a new chunk.
    AllocFailed,
}

impl fmt::Display for ShuffleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ShuffleError::SizeOverflow => "block size overflows",
            ShuffleError::AllocFailed => "memory allocation failed",
        })
    }
}

#[cfg(feature = "std")]
impl std::error::Error for ShuffleError {}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Block {
    chunk: u32,
    offset: u32,
    len: u32,
}

/// A chunk index meaning "no storage" (zero-length blocks).
const NO_CHUNK: u32 = u32::MAX;
const EXCLUSIVE: u32 = u32::MAX;
const NONE: u32 = u32::MAX;

/// What a slot holds, as [`Slot::state`] reads it off the slot's fields.
#[derive(Clone, Copy, Debug)]
enum State {
    Vacant,
    Live { block: Block, rent: u32 },
    Zombie { block: Block },
}

/// A handle slot. Its state follows from two words, with no tag: an odd `generation` is
/// live; an even one is a zombie while `rent > 0`, vacant when `rent == 0`. A rent
/// therefore compares the generation with the handle's, bumps `rent` and reads `ptr` and
/// the length, all from one slot, and giving the rent back is a decrement and a parity
/// test.
struct Slot<T> {
    /// Live or zombie: the address of the block's first element (`block_ptr(block)`),
    /// kept in step with `block`. Vacant: dangling.
    ptr: *mut T,
    /// The slot's version plus the store key (wrapping), as handles carry it. Odd: live.
    /// Even: zombie or vacant; the key itself (version 0) on a vacant slot means retired.
    generation: u32,
    /// Live: `EXCLUSIVE` while exclusively rented, else the number of shared rents.
    /// Zombie: the rents still out (> 0). Vacant: 0.
    rent: u32,
    /// Live or zombie: where the elements are. Vacant: meaningless.
    block: Block,
    /// Vacant: the next slot on the free list ([`NONE`] ends it). Otherwise meaningless.
    next: u32,
}

impl<T> Slot<T> {
    /// A live slot with no rents.
    fn live(generation: u32, block: Block, ptr: *mut T) -> Self {
        debug_assert!(generation & 1 == 1);
        Slot {
            ptr,
            generation,
            rent: 0,
            block,
            next: NONE,
        }
    }

    /// A vacant slot linked to `next`.
    fn vacant(generation: u32, next: u32) -> Self {
        debug_assert!(generation & 1 == 0);
        Slot {
            ptr: core::ptr::NonNull::dangling().as_ptr(),
            generation,
            rent: 0,
            block: Block {
                chunk: NO_CHUNK,
                offset: 0,
                len: 0,
            },
            next,
        }
    }

    /// The slot's state, read off `generation` and `rent`.
    #[inline]
    fn state(&self) -> State {
        match (self.generation & 1 == 1, self.rent) {
            (true, rent) => State::Live {
                block: self.block,
                rent,
            },
            (false, 0) => State::Vacant,
            (false, _) => State::Zombie { block: self.block },
        }
    }
}

/// A freed block whose elements still have to be dropped.
#[derive(Clone, Copy)]
struct Pending {
    block: Block,
    /// Being dropped right now (possibly re-entrantly): its space stays reserved.
    dropping: bool,
    /// Freed while rented: the zombie slot whose guards must all return before the block
    /// is dropped (and the slot vacated). [`NONE`] otherwise.
    slot: u32,
}

pub(crate) struct Inner<T> {
    slots: Vec<Slot<T>>,
    free_head: u32,
    key: u32,
    chunks: Vec<Chunk<T>>,
    pending: Vec<Pending>,
    live_blocks: usize,
    live_elems: usize,
    moved_last: usize,
    /// The last compaction finished with nothing left to move and nothing in its way, and
    /// no hole has opened since (a free, or a reservation lifted): a step has no work
    /// then, so it returns at once.
    compacted: bool,
    /// Live blocks in storage order, and where the next step starts.
    index: index::Index,
    /// Chunks whose tops may be too high (a block dropped or moved out), each marked
    /// `dirty` and listed once; `dirty_all` if the list could not grow.
    dirty: Vec<u32>,
    dirty_all: bool,
    budget: Option<usize>,
    /// Debug mode: where each live block was allocated.
    #[cfg(feature = "debug")]
    sites: crate::debug::SiteTable,
    /// Debug mode: where each slot was last rented.
    #[cfg(feature = "debug")]
    rent_sites: crate::debug::RentSites,
}

/// Variable-length blocks of `T` behind generational handles, compacted by
/// [`shuffle`](Shuffler::shuffle) while rented blocks stay where they are.
///
/// # Examples
///
/// ```
/// use pool_core::Shuffler;
///
/// let inventories: Shuffler<u32> = Shuffler::new();
/// let a = inventories.alloc_from_slice(&[1, 2, 3]);
/// let b = inventories.alloc_with(5, |i| i as u32 * 10);
/// let c = inventories.create(99);
/// inventories.free(a); // a hole at the front
/// {
///     let pinned = inventories.rent(b).unwrap(); // b must not move while rented
///     let at = pinned.as_ptr();
///     inventories.shuffle(); // c moves into the hole, b stays
///     assert_eq!((pinned.as_ptr(), &pinned[..]), (at, &[0, 10, 20, 30, 40][..]));
/// }
/// assert_eq!(&*inventories.rent(c).unwrap(), &[99]);
/// ```
pub struct Shuffler<T> {
    inner: UnsafeCell<Inner<T>>,
    id: u32,
    /// Not `Sync`: `&self` methods mutate through the cell.
    _not_sync: PhantomData<Cell<()>>,
}

// SAFETY: a `Shuffler` owns its elements (raw chunks included); moving it moves them, which
// is sound when `T: Send`. Guards borrow it, so none is alive when it moves.
unsafe impl<T: Send> Send for Shuffler<T> {}

/// Counters of a [`Shuffler`]; see [`Shuffler::stats`].
///
/// # Examples
///
/// ```
/// let s: pool_core::Shuffler<u8> = pool_core::Shuffler::new();
/// s.alloc_from_slice(&[1, 2, 3]);
/// assert_eq!(s.stats().live_bytes, 3);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub struct ShuffleStats {
    /// Live blocks.
    pub live_blocks: usize,
    /// Bytes of live elements.
    pub live_bytes: usize,
    /// Bytes held from the allocator in chunks.
    pub resident_bytes: usize,
    /// `1 - live / resident`: the share of resident memory not holding live data.
    pub fragmentation: f64,
    /// Chunks holding memory.
    pub chunks: usize,
    /// Blocks rented now (or freed while rented); counted when the stats are taken.
    pub pinned_blocks: usize,
    /// Freed blocks whose elements are not dropped yet: the next shuffle drops them, or,
    /// for a block freed while rented, the first shuffle after its last guard returns.
    pub pending_frees: usize,
    /// Bytes the last shuffle (or incremental step) moved.
    pub moved_last: usize,
}

impl<T> Default for Shuffler<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> Shuffler<T> {
    /// An empty shuffler; allocates on first use.
    ///
    /// # Examples
    ///
    /// ```
    /// let s: pool_core::Shuffler<String> = pool_core::Shuffler::new();
    /// assert_eq!(s.len(), 0);
    /// ```
    pub fn new() -> Self {
        Self::with_id(next_store_id())
    }

    /// An empty shuffler whose handle key derives from `id` (see [`Handle`]).
    ///
    /// # Examples
    ///
    /// ```
    /// let a: pool_core::Shuffler<u8> = pool_core::Shuffler::with_id(4);
    /// let b: pool_core::Shuffler<u8> = pool_core::Shuffler::with_id(4);
    /// assert_eq!(a.create(1), b.create(2));
    /// ```
    pub fn with_id(id: u32) -> Self {
        Shuffler {
            inner: UnsafeCell::new(Inner {
                slots: Vec::new(),
                free_head: NONE,
                key: store_key(id),
                chunks: Vec::new(),
                pending: Vec::new(),
                live_blocks: 0,
                live_elems: 0,
                moved_last: 0,
                compacted: false,
                index: index::Index::new(),
                dirty: Vec::new(),
                dirty_all: false,
                budget: None,
                #[cfg(feature = "debug")]
                sites: crate::debug::SiteTable::new(),
                #[cfg(feature = "debug")]
                rent_sites: crate::debug::RentSites::new(),
            }),
            id,
            _not_sync: PhantomData,
        }
    }

    /// The state; see the module invariant on how long this may be held.
    #[allow(clippy::mut_from_ref)]
    #[inline]
    fn inner(&self) -> &mut Inner<T> {
        // SAFETY: `Shuffler` is not `Sync`, and no method holds this reference across user
        // code or across a call that takes it again (module invariant), so it is unique.
        unsafe { &mut *self.inner.get() }
    }

    // === access ===

    /// Number of live blocks.
    ///
    /// # Examples
    ///
    /// ```
    /// let s = pool_core::Shuffler::new();
    /// s.create(1);
    /// assert_eq!(s.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.inner().live_blocks
    }

    /// Whether no block is live.
    ///
    /// # Examples
    ///
    /// ```
    /// let s: pool_core::Shuffler<u8> = pool_core::Shuffler::new();
    /// assert!(s.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether `h` names a live block here.
    ///
    /// # Examples
    ///
    /// ```
    /// let s = pool_core::Shuffler::new();
    /// let h = s.create(1);
    /// s.free(h);
    /// assert!(!s.contains(h));
    /// ```
    pub fn contains(&self, h: ShuffleHandle<T>) -> bool {
        self.inner().live(h).is_some()
    }

    /// Element count of the block `h` names.
    ///
    /// # Examples
    ///
    /// ```
    /// let s: pool_core::Shuffler<u8> = pool_core::Shuffler::new();
    /// let h = s.alloc(7);
    /// assert_eq!(s.len_of(h), Some(7));
    /// ```
    pub fn len_of(&self, h: ShuffleHandle<T>) -> Option<usize> {
        let inner = self.inner();
        let i = inner.live(h)?;
        Some(inner.slots[i].block.len as usize)
    }

    /// The block's elements; tied to `&mut self`, so no shuffle can move them meanwhile.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut s = pool_core::Shuffler::new();
    /// let h = s.alloc_from_slice(&[1, 2]);
    /// s.get_mut(h).unwrap()[0] = 5;
    /// assert_eq!(s.get(h), Some(&[5, 2][..]));
    /// ```
    pub fn get(&mut self, h: ShuffleHandle<T>) -> Option<&[T]> {
        let (ptr, len) = self.inner().locate(h)?;
        // SAFETY: a live block (module invariant); `&mut self` excludes guards that could
        // write it and shuffles that could move it for the borrow's duration.
        Some(unsafe { core::slice::from_raw_parts(ptr, len) })
    }

    /// The block's elements, mutably; tied to `&mut self`.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut s = pool_core::Shuffler::new();
    /// let h = s.create(1);
    /// s.get_mut(h).unwrap()[0] += 1;
    /// assert_eq!(s.get(h), Some(&[2][..]));
    /// ```
    pub fn get_mut(&mut self, h: ShuffleHandle<T>) -> Option<&mut [T]> {
        let (ptr, len) = self.inner().locate(h)?;
        // SAFETY: as in `get`, and `&mut self` makes the slice unique.
        Some(unsafe { core::slice::from_raw_parts_mut(ptr, len) })
    }

    /// Rents the block shared; it is pinned (never moved) while the guard lives. A rent
    /// and its return run no user code and do no compaction work.
    ///
    /// # Errors
    ///
    /// [`RentError::Stale`] for a handle that is not live; [`RentError::Busy`] if the block
    /// is exclusively rented.
    ///
    /// # Examples
    ///
    /// ```
    /// let s = pool_core::Shuffler::new();
    /// let h = s.create(3);
    /// let (a, b) = (s.rent(h).unwrap(), s.rent(h).unwrap());
    /// assert_eq!(a[0] + b[0], 6);
    /// ```
    #[inline]
    #[cfg_attr(feature = "debug", track_caller)]
    pub fn rent(&self, h: ShuffleHandle<T>) -> Result<BlockRent<'_, T>, RentError> {
        let g = self.inner().pin(h, false)?;
        #[cfg(feature = "debug")]
        self.note_rent(h);
        Ok(BlockRent::new(self, g))
    }

    /// Rents the block exclusively; pinned while the guard lives.
    ///
    /// # Errors
    ///
    /// [`RentError::Stale`] for a handle that is not live; [`RentError::Busy`] if the block
    /// is rented.
    ///
    /// # Examples
    ///
    /// ```
    /// let s = pool_core::Shuffler::new();
    /// let h = s.alloc_from_slice(&[1, 2]);
    /// s.rent_mut(h).unwrap().reverse();
    /// assert_eq!(&*s.rent(h).unwrap(), &[2, 1]);
    /// ```
    #[inline]
    #[cfg_attr(feature = "debug", track_caller)]
    pub fn rent_mut(&self, h: ShuffleHandle<T>) -> Result<BlockRentMut<'_, T>, RentError> {
        let g = self.inner().pin(h, true)?;
        #[cfg(feature = "debug")]
        self.note_rent(h);
        Ok(BlockRentMut::new(self, g))
    }

    /// Frees the block: the handle is invalid at once; the elements are dropped at the next
    /// shuffle (after the last guard returns, if it is rented). Returns `false` for a handle
    /// that is not live.
    ///
    /// Recording the free never allocates: the room for it is taken when the block is
    /// created. (With a [budget](Shuffler::set_budget) set, the shuffle step that follows
    /// may allocate, as a shuffle does.)
    ///
    /// # Examples
    ///
    /// ```
    /// let s = pool_core::Shuffler::new();
    /// let h = s.create(String::from("x"));
    /// assert!(s.free(h));
    /// assert!(!s.free(h));
    /// assert_eq!(s.stats().pending_frees, 1);
    /// ```
    pub fn free(&self, h: ShuffleHandle<T>) -> bool {
        if !self.inner().free(h) {
            return false;
        }
        // The block is freed before the step runs user `Drop`s: a panic there loses
        // nothing and leaves the handle stale.
        self.budget_step();
        true
    }

    // === iteration, stats, pictures ===

    /// The store's counters (O(blocks): pins are counted, not tracked on the rent path).
    ///
    /// # Examples
    ///
    /// ```
    /// let s: pool_core::Shuffler<u64> = pool_core::Shuffler::new();
    /// s.alloc(10);
    /// let st = s.stats();
    /// assert_eq!((st.live_blocks, st.live_bytes), (1, 80));
    /// ```
    pub fn stats(&self) -> ShuffleStats {
        let inner = self.inner();
        let size = core::mem::size_of::<T>();
        let resident: usize = inner.chunks.iter().map(Chunk::bytes).sum();
        let live = inner.live_elems * size;
        ShuffleStats {
            live_blocks: inner.live_blocks,
            live_bytes: live,
            resident_bytes: resident,
            fragmentation: if resident == 0 {
                0.0
            } else {
                1.0 - live as f64 / resident as f64
            },
            chunks: inner.chunks.iter().filter(|c| c.cap > 0).count(),
            pinned_blocks: inner.slots.iter().filter(|s| s.rent > 0).count(),
            pending_frees: inner.pending.len(),
            moved_last: inner.moved_last,
        }
    }

    /// A text map of the storage: one line per chunk, one character per cell of up to
    /// `cells_per_line` cells: `#` live, `P` pinned (rented), `x` freed and waiting for a
    /// shuffle, `.` empty. A cell shows the "busiest" state of the elements it covers.
    ///
    /// # Examples
    ///
    /// ```
    /// let s: pool_core::Shuffler<u8> = pool_core::Shuffler::new();
    /// let a = s.alloc(2);
    /// s.alloc(2);
    /// s.free(a);
    /// // One chunk; at one element per cell the freed block shows before the live one.
    /// let map = s.storage_map(usize::MAX);
    /// assert_eq!(map.lines().count(), 1);
    /// assert!(map.starts_with("xx##.."));
    /// s.shuffle();
    /// assert!(s.storage_map(usize::MAX).starts_with("##.."));
    /// ```
    pub fn storage_map(&self, cells_per_line: usize) -> String {
        self.inner().storage_map(cells_per_line.max(1))
    }

    /// Sets the incremental budget: with `Some(bytes)`, every block creation (`create`,
    /// the `alloc*` methods, `try_alloc_with`) and every successful `free` first or then
    /// does one [`shuffle_step`](Self::shuffle_step) of at most that many bytes: the
    /// operations that fragment the storage pay for compacting it. `None` turns it off.
    ///
    /// Rents never do compaction work: a rent is a lookup and a pin, and runs no user
    /// code. A step drops freed elements, so with a budget set, `free` and the creating
    /// methods may panic with a freed element's `Drop` (after the free is done, or before
    /// anything is created).
    ///
    /// # Cost
    ///
    /// A step costs what its budget moves, not what the store holds: the shuffler keeps an
    /// index of its blocks in address order, so a step starts at the first place a hole
    /// may be (`O(log n)` to find) and stops where the budget runs out. Under churn with a
    /// 4 KiB budget an operation costs a few microseconds at a thousand live blocks and at
    /// a hundred thousand alike. Rented blocks are the exception: a step may not leave the
    /// storage packed around them, so until they return each step walks from the first
    /// gap they leave to the end of the store (or of its budget). The index costs 12
    /// bytes per live block, and rebuilding it (after a refused allocation, or in a
    /// copy's first step) sorts every block once.
    ///
    /// Every working list a step needs is taken from the allocator fallibly: when one is
    /// refused, the step drops freed blocks and
    /// moves nothing, so `try_alloc_with` still reports a refused allocation as an error.
    ///
    /// # Examples
    ///
    /// ```
    /// let s: pool_core::Shuffler<u8> = pool_core::Shuffler::new();
    /// let a = s.alloc(100);
    /// let b = s.alloc(100);
    /// s.set_budget(Some(4096));
    /// s.free(a); // the free's step drops a's elements and slides b into the hole
    /// assert_eq!((s.stats().pending_frees, s.stats().moved_last), (0, 100));
    /// let c = s.alloc(100); // this step finds nothing left to do
    /// assert_eq!(s.stats().moved_last, 0);
    /// assert_eq!(s.stats().fragmentation, 1.0 - 200.0 / s.stats().resident_bytes as f64);
    /// # let _ = (b, c);
    /// ```
    pub fn set_budget(&self, bytes: Option<usize>) {
        self.inner().budget = bytes;
    }

    /// The id its handle key derives from.
    ///
    /// # Examples
    ///
    /// ```
    /// let s: pool_core::Shuffler<u8> = pool_core::Shuffler::with_id(9);
    /// assert_eq!(s.id(), 9);
    /// ```
    pub fn id(&self) -> u32 {
        self.id
    }

    /// The incremental step `alloc` and `free` take when a budget is set; skipped while
    /// the thread unwinds, so a panicking `Drop` of a freed element cannot turn an unwind
    /// (a `free` in some `Drop`) into an abort.
    #[inline]
    fn budget_step(&self) {
        if let Some(budget) = self.inner().budget {
            #[cfg(feature = "std")]
            if std::thread::panicking() {
                return;
            }
            self.budget_step_slow(budget);
        }
    }

    #[cold]
    #[inline(never)]
    fn budget_step_slow(&self, budget: usize) {
        self.shuffle_within(budget, false);
    }
}

/// What a new guard needs.
pub(crate) struct PinInfo<T> {
    slot: usize,
    ptr: *mut T,
    len: usize,
    handle: ShuffleHandle<T>,
}

impl<T> Drop for Shuffler<T> {
    fn drop(&mut self) {
        #[cfg(feature = "debug")]
        match self.try_leak_report() {
            Some(report) => crate::debug::dropped_with(report),
            None => crate::debug::dropped_unreported("Shuffler", self.id, self.len()),
        }
        // Drop every element still here: pending (zombies' included), then live blocks
        // (guards are gone: `&mut self`). Chunks free their memory afterwards, even if a `Drop` panics.
        // Nothing is allocated here: a store dropped while memory is short must not abort.
        /// Drops the blocks from where it stands; if an element's `Drop` panics, the
        /// guard's own drop goes on with the rest, so every element is dropped once (a
        /// second panic aborts, as in `Vec`). Each block leaves the bookkeeping (the
        /// cursor moves past it, its slot turns vacant) before its elements are dropped.
        struct DropAll<'a, T> {
            inner: &'a mut Inner<T>,
            pending: usize,
            slot: usize,
        }
        impl<T> DropAll<'_, T> {
            fn run(&mut self) {
                while let Some(p) = self.inner.pending.get(self.pending) {
                    let block = p.block;
                    self.pending += 1;
                    self.drop_block(block);
                }
                while let Some(s) = self.inner.slots.get_mut(self.slot) {
                    self.slot += 1;
                    let block = match s.state() {
                        State::Live { block, .. } => Some(block),
                        // A zombie's block is pending: dropped above.
                        State::Zombie { .. } | State::Vacant => None,
                    };
                    *s = Slot::vacant(s.generation & !1, NONE);
                    if let Some(block) = block {
                        self.drop_block(block);
                    }
                }
                self.inner.pending.clear();
            }

            fn drop_block(&mut self, b: Block) {
                let s =
                    core::ptr::slice_from_raw_parts_mut(self.inner.block_ptr(b), b.len as usize);
                // SAFETY: the block holds `len` initialised elements (module invariant), and
                // it is dropped once: the cursor has moved past it (and a live or zombie
                // block's slot is vacant) before its elements are dropped.
                unsafe { core::ptr::drop_in_place(s) };
            }
        }
        impl<T> Drop for DropAll<'_, T> {
            fn drop(&mut self) {
                self.run();
            }
        }
        let mut all = DropAll {
            inner: self.inner.get_mut(),
            pending: 0,
            slot: 0,
        };
        all.run();
    }
}

impl<T> fmt::Debug for Shuffler<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Shuffler")
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}
