//! [`Arena<'a>`]: bump allocation with lifetime-bound results, released all at once.
//!
//! Allocating is a pointer bump in the current chunk; [`reset`](Arena::reset) releases
//! everything and keeps the chunks, so a warm arena that fills to the same peak every frame
//! allocates nothing from the system. Every allocation borrows the arena, so the borrow
//! checker proves nothing outlives a reset.
//!
//! # Destructors
//!
//! Running a destructor at reset is only sound if it cannot observe memory that is already
//! gone, so the arena offers three doors, chosen by the type:
//!
//! - [`alloc`](Arena::alloc) and friends take only types **without drop glue** (checked at
//!   compile time): nothing to run, nothing to leak, no cost.
//! - [`alloc_box`](Arena::alloc_box) returns an owning [`ArenaBox`] that drops its value
//!   at the end of its scope, like a `Box`; the memory is reclaimed at reset. Any `T`.
//! - [`alloc_with_drop`](Arena::alloc_with_drop) takes `T: Send + 'static` and drops it at
//!   reset (or when the arena drops), newest first. `'static` means its destructor cannot
//!   reach arena or stack data through a reference.
//!
//! ```compile_fail,E0080
//! let arena = pool_core::Arena::new();
//! arena.alloc(String::from("needs Drop")); // error: use `alloc_box` or `alloc_with_drop`
//! ```
//!
//! # Threads
//!
//! `Arena` is `Send` (it owns its chunks; values registered for drop are `Send`) but not
//! `Sync`: its bump cursor is a plain cell, which keeps allocation free of atomics.
//!
//! ```compile_fail,E0277
//! fn assert_sync<T: Sync>() {}
//! assert_sync::<pool_core::Arena<'static>>();
//! ```
//!
//! # Invariants
//!
//! - `chunks[current]` is the chunk being bumped; `cursor <= chunks[current].size()`;
//!   bytes `0..cursor` of it and every byte of `chunks[..current]` may be handed out,
//!   `cursor..` and every chunk after `current` are free.
//! - Fast-path copies (`base`, `end`) always describe `chunks[current]`.
//! - Every entry on the drop list points at an initialised value in this arena's memory,
//!   below the cursor, and is run at most once (it is unlinked before it runs).
//! - Memory below the cursor is only reused after `reset` or the end of a `scope`, both of
//!   which need `&mut self`, so no reference handed out can still be alive then.

// An arena hands out `&mut T` to fresh, disjoint memory through `&self`; that is the
// point of it (bumpalo does the same), so this lint's premise does not hold here.
#![allow(clippy::mut_from_ref)]

mod alloc_api;
mod boxed;
mod chunk;
#[cfg(feature = "debug")]
mod debug;
mod drops;
mod fill;
mod introspect;
mod string;
mod typed;

use alloc::vec::Vec;
use core::alloc::Layout;
use core::cell::{Cell, UnsafeCell};
use core::fmt;
use core::mem::MaybeUninit;
use core::ptr::{self, NonNull};

pub use self::boxed::ArenaBox;
use self::chunk::{Chunk, CHUNK_ALIGN};
#[cfg(feature = "debug")]
pub use self::debug::SiteBytes;
use self::drops::DropEntry;
pub use self::fill::AllocOrInitError;
pub use self::introspect::Chunks;
pub use self::string::{ArenaString, CollectIn, FromIteratorIn};

/// First chunk of a growing arena.
const FIRST_CHUNK: usize = 4096;
/// Largest chunk the geometric growth makes; bigger requests get a chunk of their own.
const MAX_CHUNK: usize = 4 << 20;

/// Why an arena could not allocate.
///
/// # Examples
///
/// ```
/// use core::mem::MaybeUninit;
/// use pool_core::arena::{AllocError, Arena};
/// let mut buf = [MaybeUninit::uninit(); 16];
/// let arena = Arena::from_buffer(&mut buf);
/// assert_eq!(arena.try_alloc([0u8; 32]).unwrap_err(), AllocError::Exhausted);
/// let too_many = arena.try_alloc_slice_fill_with(usize::MAX / 2, |_| 0u64);
/// assert_eq!(too_many.unwrap_err(), AllocError::LayoutOverflow);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AllocError {
    /// The caller's buffer, or the configured byte limit, has no room for it.
    Exhausted,
    /// The size or count overflows (`isize::MAX` bytes at most).
    LayoutOverflow,
    /// The alignment is not a power of two. Every `Layout`'s is, and any power of two is
    /// served, so no current operation returns this; it stays for code that matches on
    /// it.
    BadAlign,
    /// The global allocator refused a new chunk.
    AllocFailed,
}

impl fmt::Display for AllocError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AllocError::Exhausted => "arena exhausted: its buffer or byte limit is full",
            AllocError::LayoutOverflow => "allocation size overflows",
            AllocError::BadAlign => "alignment is not a power of two",
            AllocError::AllocFailed => "the global allocator refused a new chunk",
        })
    }
}

#[cfg(feature = "std")]
impl std::error::Error for AllocError {}

/// Counters of an [`Arena`]; see [`Arena::stats`].
///
/// # Examples
///
/// ```
/// let arena = pool_core::Arena::new();
/// arena.alloc(1u8);
/// arena.alloc(2u64); // 7 bytes of padding first
/// let s = arena.stats();
/// assert_eq!((s.allocated_bytes, s.waste_bytes, s.chunks), (9, 7, 1));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ArenaStats {
    /// Bytes handed out since the last reset.
    pub allocated_bytes: usize,
    /// Bytes held in chunks (or the caller's buffer).
    pub reserved_bytes: usize,
    /// Chunks held.
    pub chunks: usize,
    /// Bytes consumed but not handed out: alignment padding and unused chunk tails.
    pub waste_bytes: usize,
    /// Values registered with [`Arena::alloc_with_drop`] and not yet dropped.
    pub pending_drops: usize,
    /// Bytes of chunks [`Arena::reset`] gave back to the allocator so far (chunks the
    /// frame before it did not use).
    pub released_bytes: usize,
}

/// A bump arena. See the [module docs](self).
///
/// # Examples
///
/// ```
/// use pool_core::Arena;
///
/// let mut frame = Arena::new();
/// for tick in 0..3 {
///     let visible: &mut [u32] = frame.alloc_slice_fill_with(4, |i| i as u32 * tick);
///     let log: &str = frame.alloc_str("frame done");
///     assert_eq!((visible[3], log), (3 * tick, "frame done"));
///     frame.reset(); // everything released; the memory is kept for the next frame
/// }
/// ```
pub struct Arena<'a> {
    chunks: UnsafeCell<Vec<Chunk<'a>>>,
    current: Cell<usize>,
    /// Fast-path copies of `chunks[current]`: its start, and the address of its end.
    base: Cell<NonNull<u8>>,
    end: Cell<usize>,
    /// The bump pointer: the first free byte of the current chunk (with the chunk's
    /// provenance). `base <= ptr <= end`.
    ptr: Cell<NonNull<u8>>,
    /// Sizes of the chunks before `current` (all consumed or skipped).
    passed: Cell<usize>,
    allocated: Cell<usize>,
    reserved: Cell<usize>,
    /// Size the next regular chunk gets.
    next_chunk: Cell<usize>,
    /// Most bytes of chunks a growing arena may hold (see `set_limit`).
    limit: Option<usize>,
    fixed: bool,
    drops: Cell<Option<NonNull<DropEntry>>>,
    pending: Cell<usize>,
    /// While a scope runs: where its rewind goes. Blocks below it outlive the scope; one
    /// of them grown in place through the allocator API raises the floor with it, so the
    /// rewind keeps the grown block whole.
    floor: Cell<Option<Floor>>,
    /// Bytes of chunks given back to the allocator by `reset`, in total.
    released: Cell<usize>,
    /// Debug mode: bytes allocated per call site, this frame and the last.
    #[cfg(feature = "debug")]
    sites: debug::ArenaSites,
}

// SAFETY: an `Arena` owns its chunks (or exclusively borrows the caller's buffer, which is
// `Send`), and the only values it drops itself are `Send` (`alloc_with_drop` requires it);
// every reference into it borrows the arena, so none can be alive when it moves.
unsafe impl Send for Arena<'_> {}

impl Default for Arena<'static> {
    fn default() -> Self {
        Arena::new()
    }
}

/// Where the innermost running scope rewinds to: `start` in chunk `chunk`, plus the bytes
/// by which blocks older than the scope grew in place meanwhile.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Floor {
    chunk: usize,
    start: usize,
    grown: usize,
}

/// The state a scope rewinds to.
#[derive(Clone, Copy)]
struct Mark {
    /// Base address of the current chunk (`None` if there was none): proves on rewind
    /// that the arena is still the one the mark was taken of.
    base: Option<NonNull<u8>>,
    current: usize,
    cursor: usize,
    passed: usize,
    allocated: usize,
    drops: Option<NonNull<DropEntry>>,
}

impl Arena<'static> {
    /// A growing arena; the first chunk is allocated on first use.
    ///
    /// # Examples
    ///
    /// ```
    /// let arena = pool_core::Arena::new();
    /// assert_eq!(*arena.alloc(5), 5);
    /// ```
    pub fn new() -> Self {
        Self::with_parts(Vec::new(), FIRST_CHUNK, None, false)
    }

    /// A growing arena whose first chunk holds at least `bytes`.
    ///
    /// # Panics
    ///
    /// On any error of [`try_with_capacity`](Self::try_with_capacity).
    ///
    /// # Examples
    ///
    /// ```
    /// let arena = pool_core::Arena::with_capacity(1 << 16);
    /// assert!(arena.stats().reserved_bytes >= 1 << 16);
    /// ```
    #[track_caller]
    pub fn with_capacity(bytes: usize) -> Self {
        match Self::try_with_capacity(bytes) {
            Ok(arena) => arena,
            Err(e) => panic!("Arena::with_capacity({bytes}): {e}"),
        }
    }

    /// A growing arena whose first chunk holds at least `bytes`, or why not.
    ///
    /// # Errors
    ///
    /// [`AllocError::LayoutOverflow`] if `bytes` rounded up to a whole chunk exceeds
    /// `isize::MAX`; [`AllocError::AllocFailed`] if the allocator refuses.
    ///
    /// # Examples
    ///
    /// ```
    /// use pool_core::arena::{AllocError, Arena};
    /// assert!(Arena::try_with_capacity(1 << 16).is_ok());
    /// assert_eq!(Arena::try_with_capacity(usize::MAX).unwrap_err(), AllocError::LayoutOverflow);
    /// ```
    pub fn try_with_capacity(bytes: usize) -> Result<Self, AllocError> {
        let size = bytes
            .max(1)
            .checked_next_multiple_of(CHUNK_ALIGN)
            .filter(|&s| s <= isize::MAX as usize - CHUNK_ALIGN)
            .ok_or(AllocError::LayoutOverflow)?;
        let mut list = Vec::new();
        list.try_reserve_exact(1)
            .map_err(|_| AllocError::AllocFailed)?;
        list.push(Chunk::heap(size, CHUNK_ALIGN).ok_or(AllocError::AllocFailed)?);
        let arena = Self::with_parts(list, size.min(MAX_CHUNK), None, false);
        arena.reserved.set(size);
        arena.enter(0);
        Ok(arena)
    }

    /// A growing arena that never holds more than `limit` bytes of chunks; past it every
    /// `try_*` method fails with [`AllocError::Exhausted`]. A new chunk is capped at what
    /// the limit has left, so every request that fits the remaining budget succeeds.
    ///
    /// # Examples
    ///
    /// ```
    /// use pool_core::arena::{AllocError, Arena};
    /// let arena = Arena::with_limit(8192);
    /// assert!(arena.try_alloc([0u8; 4000]).is_ok());
    /// assert_eq!(arena.try_alloc([0u8; 10_000]).unwrap_err(), AllocError::Exhausted);
    /// ```
    pub fn with_limit(limit: usize) -> Self {
        Self::with_parts(Vec::new(), FIRST_CHUNK, Some(limit), false)
    }
}

impl<'a> Arena<'a> {
    /// An arena that allocates only from `buf` and never touches the heap.
    ///
    /// Padding for alignment is computed from the buffer's address, so any buffer works on
    /// real hardware. Declare the buffer with the largest alignment its contents need (as
    /// below): that is what checkers such as Miri's symbolic alignment check rely on.
    ///
    /// # Examples
    ///
    /// ```
    /// use core::mem::MaybeUninit;
    ///
    /// #[repr(align(16))]
    /// struct Scratch([MaybeUninit<u8>; 256]);
    ///
    /// let mut buf = Scratch([MaybeUninit::uninit(); 256]);
    /// let arena = pool_core::Arena::from_buffer(&mut buf.0);
    /// let x = arena.alloc(7u32);
    /// assert_eq!(*x, 7);
    /// ```
    pub fn from_buffer(buf: &'a mut [MaybeUninit<u8>]) -> Arena<'a> {
        let size = buf.len();
        let arena = Self::with_parts(alloc::vec![Chunk::borrowed(buf)], 0, None, true);
        arena.reserved.set(size);
        arena.enter(0);
        arena
    }

    fn with_parts(chunks: Vec<Chunk<'a>>, next: usize, limit: Option<usize>, fixed: bool) -> Self {
        Arena {
            chunks: UnsafeCell::new(chunks),
            current: Cell::new(0),
            base: Cell::new(NonNull::dangling()),
            end: Cell::new(0),
            ptr: Cell::new(NonNull::dangling()),
            passed: Cell::new(0),
            allocated: Cell::new(0),
            reserved: Cell::new(0),
            next_chunk: Cell::new(next),
            limit,
            fixed,
            drops: Cell::new(None),
            pending: Cell::new(0),
            floor: Cell::new(None),
            released: Cell::new(0),
            #[cfg(feature = "debug")]
            sites: debug::ArenaSites::default(),
        }
    }

    /// The chunk list. Never held across a push (`grow` is the only pusher).
    #[inline(always)]
    fn chunk_list(&self) -> &Vec<Chunk<'a>> {
        // SAFETY: the list is only mutated in `grow`, which takes no reference that
        // outlives it and runs while no `&Vec` from here is alive (both are internal and
        // never re-entered); chunk memory itself never moves.
        unsafe { &*self.chunks.get() }
    }

    /// Offset of the bump pointer in the current chunk.
    #[inline]
    fn cursor(&self) -> usize {
        self.ptr.get().as_ptr().addr() - self.base.get().as_ptr().addr()
    }

    /// Moves the bump pointer to `offset` in the current chunk (`offset <= size`).
    #[inline]
    fn set_cursor(&self, offset: usize) {
        // SAFETY: `offset` is within the current chunk (callers), so the result stays in
        // (or one past) its allocation and is non-null.
        self.ptr
            .set(unsafe { NonNull::new_unchecked(self.base.get().as_ptr().add(offset)) });
    }

    /// Makes chunk `i` the current one (fast-path copies included).
    fn enter(&self, i: usize) {
        let c = &self.chunk_list()[i];
        self.current.set(i);
        self.base.set(c.at(0));
        self.ptr.set(c.at(0));
        self.end.set(c.at(0).as_ptr().addr() + c.size());
    }

    // === allocation: the core ===

    /// Allocates `layout`; the fast path is a bump in the current chunk.
    ///
    /// # Errors
    ///
    /// [`AllocError::Exhausted`] when a fixed buffer or the limit is full;
    /// [`AllocError::LayoutOverflow`] if the size and its padding overflow;
    /// [`AllocError::AllocFailed`] if a new chunk cannot be had. Zero-sized layouts always
    /// succeed without using memory. Any alignment is served: a request more aligned than
    /// the current chunk (4096, unless made for such a request) starts a chunk of its
    /// alignment.
    ///
    /// # Examples
    ///
    /// ```
    /// use core::alloc::Layout;
    /// let arena = pool_core::Arena::new();
    /// let p = arena.try_alloc_layout(Layout::from_size_align(100, 64).unwrap()).unwrap();
    /// assert_eq!(p.as_ptr() as usize % 64, 0);
    /// ```
    #[inline(always)]
    #[cfg_attr(feature = "debug", track_caller)]
    pub fn try_alloc_layout(&self, layout: Layout) -> Result<NonNull<u8>, AllocError> {
        #[cfg(feature = "debug")]
        self.sites
            .record(core::panic::Location::caller(), layout.size());
        if layout.size() == 0 {
            return Ok(zero_sized(layout.align()));
        }
        match self.bump(layout.size(), layout.align()) {
            Some(p) => Ok(p),
            None => self.alloc_slow(layout.size(), layout.align()),
        }
    }

    /// Allocates `layout`.
    ///
    /// # Panics
    ///
    /// On any error of [`try_alloc_layout`](Self::try_alloc_layout).
    ///
    /// # Examples
    ///
    /// ```
    /// use core::alloc::Layout;
    /// let arena = pool_core::Arena::new();
    /// let p = arena.alloc_layout(Layout::new::<[u32; 4]>());
    /// assert_eq!(p.as_ptr() as usize % 4, 0);
    /// ```
    #[inline(always)]
    #[track_caller]
    pub fn alloc_layout(&self, layout: Layout) -> NonNull<u8> {
        #[cfg(feature = "debug")]
        self.sites
            .record(core::panic::Location::caller(), layout.size());
        if layout.size() == 0 {
            return zero_sized(layout.align());
        }
        match self.bump(layout.size(), layout.align()) {
            Some(p) => p,
            None => self.alloc_slow_or_panic(layout.size(), layout.align()),
        }
    }

    /// The fast path: a bump in the current chunk, or `None` (no `Result` is built, so
    /// nothing goes through memory). Padding comes from the address, which suits heap
    /// chunks and the caller's buffer alike.
    #[inline(always)]
    fn bump(&self, size: usize, align: usize) -> Option<NonNull<u8>> {
        if align > CHUNK_ALIGN {
            return None;
        }
        let ptr = self.ptr.get().as_ptr();
        let start = (ptr.addr() + (align - 1)) & !(align - 1);
        let end = start.checked_add(size)?;
        if end > self.end.get() {
            return None;
        }
        self.allocated.set(self.allocated.get() + size);
        // SAFETY: `ptr <= start <= end` and `end` is at most one past the current chunk, so
        // both pointers stay in the chunk `ptr` has provenance over (module invariant), and
        // `start >= ptr > 0` makes them non-null.
        unsafe {
            self.ptr.set(NonNull::new_unchecked(ptr.with_addr(end)));
            Some(NonNull::new_unchecked(ptr.with_addr(start)))
        }
    }

    #[cold]
    #[inline(never)]
    #[track_caller]
    fn alloc_slow_or_panic(&self, size: usize, align: usize) -> NonNull<u8> {
        match self.alloc_slow(size, align) {
            Ok(p) => p,
            Err(e) => alloc_panic(e),
        }
    }

    #[cold]
    #[inline(never)]
    fn alloc_slow(&self, size: usize, align: usize) -> Result<NonNull<u8>, AllocError> {
        if !align.is_power_of_two() {
            return Err(AllocError::BadAlign);
        }
        if size > isize::MAX as usize - align {
            return Err(AllocError::LayoutOverflow);
        }
        // Room in the current chunk (the caller's buffer takes this path every time).
        let chunk = &self.chunk_list().get(self.current.get());
        if let Some(chunk) = chunk.filter(|c| c.serves(align)) {
            let start = chunk.align_offset(self.cursor(), align);
            if let Some(end) = start.checked_add(size).filter(|&e| e <= chunk.size()) {
                self.set_cursor(end);
                self.allocated.set(self.allocated.get() + size);
                return Ok(chunk.at(start));
            }
        }
        if self.fixed {
            return Err(AllocError::Exhausted);
        }
        // A later chunk kept from before a reset, if one fits; else a new one, as aligned
        // as the request. Either way its offset 0 is aligned enough.
        let next = self.current.get() + if self.chunk_list().is_empty() { 0 } else { 1 };
        let fits = (next..self.chunk_list().len()).find(|&i| {
            let c = &self.chunk_list()[i];
            c.size() >= size && c.serves(align)
        });
        let i = match fits {
            Some(i) => i,
            None => self.grow(next, size, align)?,
        };
        self.leave_current(i);
        self.set_cursor(size);
        self.allocated.set(self.allocated.get() + size);
        Ok(self.chunk_list()[i].at(0))
    }

    /// Moves to chunk `i` (at or after the current one), counting the chunks left behind
    /// as consumed.
    fn leave_current(&self, i: usize) {
        let current = self.current.get();
        if let Some(c) = self.chunk_list().get(current) {
            c.used.set(self.cursor());
        }
        for j in current + 1..i {
            self.chunk_list()[j].used.set(0);
        }
        let left: usize = (current..i).map(|j| self.chunk_list()[j].size()).sum();
        self.passed.set(self.passed.get() + left);
        self.enter(i);
    }

    /// Allocates a chunk for at least `size` bytes, aligned to at least `align`, and
    /// inserts it at `at`.
    fn grow(&self, at: usize, size: usize, align: usize) -> Result<usize, AllocError> {
        let regular = self.next_chunk.get();
        // A request bigger than half a regular chunk gets a chunk of its own, so one
        // huge allocation does not make every later chunk huge.
        let (chunk_size, is_regular) = if size <= regular / 2 {
            (regular, true)
        } else {
            (
                size.checked_next_multiple_of(CHUNK_ALIGN)
                    .ok_or(AllocError::LayoutOverflow)?,
                false,
            )
        };
        let mut chunk_size = chunk_size;
        if let Some(limit) = self.limit {
            // Cap the chunk at what the limit has left, as long as the request fits.
            let left = limit.saturating_sub(self.reserved.get());
            if size > left {
                return Err(AllocError::Exhausted);
            }
            chunk_size = chunk_size.min(left);
        }
        let chunk = Chunk::heap(chunk_size, align).ok_or(AllocError::AllocFailed)?;
        // SAFETY: no reference into the list is alive here (see `chunks`); pushing may
        // move the `Chunk` structs but never the memory they own.
        let list = unsafe { &mut *self.chunks.get() };
        list.try_reserve(1).map_err(|_| AllocError::AllocFailed)?;
        // `at` is just after the current chunk (or 0 in an empty list), so the current
        // chunk keeps its index.
        let at = at.min(list.len());
        list.insert(at, chunk);
        self.reserved.set(self.reserved.get() + chunk_size);
        if is_regular {
            self.next_chunk.set((regular * 2).min(MAX_CHUNK));
        }
        Ok(at)
    }

    // === reset and scopes ===

    /// Drops the values registered with [`alloc_with_drop`](Self::alloc_with_drop) and
    /// releases every allocation. The chunks the ending frame used are kept for reuse, and
    /// so is the largest chunk; the others (chunks no allocation since the last reset
    /// reached) go back to the allocator, counted in [`ArenaStats::released_bytes`]. So an
    /// arena that fills to the same peak every frame keeps what it needs and allocates
    /// nothing, and one that spiked once gives the spike back after the next ordinary frame.
    ///
    /// If a registered value's `Drop` panics, the panic propagates after that value is
    /// unlinked: it is never dropped twice, the older values stay registered for the next
    /// reset, and nothing is released.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut arena = pool_core::Arena::new();
    /// arena.alloc([0u8; 1000]);
    /// let reserved = arena.stats().reserved_bytes;
    /// arena.reset();
    /// assert_eq!(arena.stats().allocated_bytes, 0);
    /// assert_eq!(arena.stats().reserved_bytes, reserved);
    ///
    /// // A spike: many chunks, all kept by the reset that ends it...
    /// for _ in 0..100 {
    ///     arena.alloc([0u8; 4000]);
    /// }
    /// let spiked = arena.stats().chunks;
    /// arena.reset();
    /// assert_eq!(arena.stats().chunks, spiked);
    /// // ...and given back after an ordinary frame (all but the first and the largest).
    /// arena.alloc([0u8; 1000]);
    /// arena.reset();
    /// assert!(arena.stats().chunks <= 2);
    /// assert!(arena.stats().released_bytes > 0);
    /// ```
    pub fn reset(&mut self) {
        #[cfg(feature = "debug")]
        self.sites.end_frame();
        self.run_drops(None);
        self.release_unused_chunks();
        self.rewind_to_start();
    }

    /// Empties the arena's bookkeeping: cursor at the start of the first chunk.
    fn rewind_to_start(&self) {
        self.passed.set(0);
        self.allocated.set(0);
        if !self.chunk_list().is_empty() {
            self.enter(0);
        }
    }

    /// Gives back the chunks after the current one (no allocation since the last reset
    /// reached them), except the largest chunk. A fixed arena keeps its buffer.
    fn release_unused_chunks(&mut self) {
        let current = self.current.get();
        let list = self.chunks.get_mut();
        if self.fixed || list.len() <= current + 1 {
            return;
        }
        let largest = (0..list.len()).max_by_key(|&i| list[i].size()).unwrap_or(0);
        let mut freed = 0;
        for i in (current + 1..list.len()).rev() {
            if i != largest {
                // Dropping the chunk returns its memory; removing allocates nothing.
                freed += list.remove(i).size();
            }
        }
        self.reserved.set(self.reserved.get() - freed);
        self.released.set(self.released.get() + freed);
    }

    /// Runs `f` with the arena and frees what `f` allocated when it returns (or panics).
    /// Nothing allocated inside can escape: the result type cannot borrow from the scope.
    /// Scopes nest: `f` gets the arena mutably and may open a scope of its own (while
    /// no allocation of the outer scope is borrowed, as the borrow checker makes sure).
    ///
    /// # Examples
    ///
    /// ```
    /// let mut arena = pool_core::Arena::new();
    /// let kept = arena.scope(|a| {
    ///     let scratch = a.alloc_slice_fill_with(100, |i| i as u64);
    ///     let sum = scratch.iter().sum::<u64>();
    ///     let inner = a.scope(|b| b.alloc_slice_fill_with(10, |i| i as u64).len());
    ///     sum + inner as u64 // a plain value may leave
    /// });
    /// assert_eq!(kept, 4960);
    /// assert_eq!(arena.stats().allocated_bytes, 0);
    /// ```
    pub fn scope<R>(&mut self, f: impl FnOnce(&mut Arena<'a>) -> R) -> R {
        /// Rewinds on return and on unwind. Holds a raw pointer: `f` has the arena
        /// mutably meanwhile.
        struct Rewind<'a> {
            arena: *mut Arena<'a>,
            mark: Mark,
            outer_floor: Option<Floor>,
        }
        impl Drop for Rewind<'_> {
            fn drop(&mut self) {
                // SAFETY: `arena` comes from the `&mut self` of `scope`, which is still
                // borrowed; `f`'s reborrow of it has ended (it returned or unwound).
                let arena = unsafe { &mut *self.arena };
                let floor = arena.floor.get();
                let mut outer = self.outer_floor;
                let mut mark = self.mark;
                if let Some(f) = floor.filter(|f| f.chunk == mark.current && f.grown > 0) {
                    // Blocks older than this scope grew in place: keep them whole, and if
                    // they are older than the enclosing scope too, raise its floor.
                    if let Some(o) = outer.as_mut() {
                        if o.chunk == f.chunk && o.start == mark.cursor {
                            o.start = f.start;
                            o.grown += f.grown;
                        }
                    }
                    mark.cursor = f.start;
                    mark.allocated += f.grown;
                }
                arena.rewind(mark);
                arena.floor.set(outer);
            }
        }
        let mark = self.mark();
        let outer_floor = self.floor.replace(Some(Floor {
            chunk: mark.current,
            start: mark.cursor,
            grown: 0,
        }));
        let guard = Rewind {
            arena: self,
            mark,
            outer_floor,
        };
        // SAFETY: `guard.arena` is the exclusive borrow `self`; nothing else uses it until
        // `f` returns.
        f(unsafe { &mut *guard.arena })
    }

    fn mark(&self) -> Mark {
        let current = self.current.get();
        Mark {
            base: self.chunk_list().get(current).map(|c| c.at(0)),
            current,
            cursor: self.cursor(),
            passed: self.passed.get(),
            allocated: self.allocated.get(),
            drops: self.drops.get(),
        }
    }

    /// Drops what was registered since `mark` and rewinds the cursor to it.
    ///
    /// `f` had the arena mutably, so it may have swapped in another arena: the mark is
    /// only applied if the chunk it names is still there (same index, same memory, large
    /// enough). Otherwise, and for a mark taken of an empty arena, the arena is reset as
    /// a whole, which is sound because nothing can borrow from it now (`&mut`).
    fn rewind(&mut self, mark: Mark) {
        let same = mark.base.is_some_and(|base| {
            self.chunk_list()
                .get(mark.current)
                .is_some_and(|c| c.at(0) == base && c.size() >= mark.cursor)
        });
        if !same {
            self.run_drops(None);
            self.rewind_to_start();
            return;
        }
        self.run_drops(mark.drops);
        // Chunks inserted during the scope sit after the mark's chunk, never before it.
        self.enter(mark.current);
        self.set_cursor(mark.cursor);
        self.passed.set(mark.passed);
        self.allocated.set(mark.allocated);
    }

    // === stats ===

    /// The arena's counters.
    ///
    /// # Examples
    ///
    /// ```
    /// let arena = pool_core::Arena::new();
    /// arena.alloc_str("hello");
    /// assert_eq!(arena.stats().allocated_bytes, 5);
    /// ```
    pub fn stats(&self) -> ArenaStats {
        let consumed = self.passed.get() + self.cursor();
        ArenaStats {
            allocated_bytes: self.allocated.get(),
            reserved_bytes: self.reserved.get(),
            chunks: self.chunk_list().len(),
            waste_bytes: consumed.saturating_sub(self.allocated.get()),
            pending_drops: self.pending.get(),
            released_bytes: self.released.get(),
        }
    }
}

impl Drop for Arena<'_> {
    fn drop(&mut self) {
        /// If a registered value's `Drop` panics, the older ones are still dropped while
        /// unwinding, as `Vec` does (a second panic aborts, as in `Vec`).
        struct Rest<'s, 'a>(&'s Arena<'a>);
        impl Drop for Rest<'_, '_> {
            fn drop(&mut self) {
                self.0.run_drops(None);
            }
        }
        // Chunks are freed by the vector's drop glue afterwards, even if a drop panics.
        // `rest` finds nothing left to run when the loop completes.
        let rest = Rest(self);
        rest.0.run_drops(None);
    }
}

impl fmt::Debug for Arena<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Arena")
            .field("stats", &self.stats())
            .finish()
    }
}

/// A non-null pointer aligned to `align`, carrying no provenance, for a zero-sized block.
#[inline(always)]
fn zero_sized(align: usize) -> NonNull<u8> {
    // SAFETY: `align` is a power of two (a `Layout`'s), hence non-zero.
    unsafe { NonNull::new_unchecked(ptr::without_provenance_mut(align)) }
}

#[cold]
#[inline(never)]
#[track_caller]
pub(super) fn alloc_panic(e: AllocError) -> ! {
    panic!("Arena: {e}")
}
