//! The handle table of a [`Shuffler`](super::Shuffler): generational slots, pins, frees.
//! No user code runs in here.

use alloc::string::String;
use alloc::vec::Vec;

use super::index::addr;
use super::storage::Chunk;
use super::{
    Block, Inner, Pending, PinInfo, ShuffleError, ShuffleHandle, Slot, State, EXCLUSIVE, NONE,
    NO_CHUNK,
};
use crate::error::RentError;

/// Smallest chunk, in bytes (a single element larger than this gets a chunk of its own).
const MIN_CHUNK_BYTES: usize = 16 * 1024;
use crate::Handle;

impl<T> Inner<T> {
    /// The slot index of a live handle.
    #[inline]
    pub(super) fn live(&self, h: ShuffleHandle<T>) -> Option<usize> {
        let i = h.index() as usize;
        let slot = self.slots.get(i)?;
        // Handle generations are odd, so a match means the slot is live.
        (slot.generation == h.generation()).then_some(i)
    }

    #[inline]
    pub(super) fn block_ptr(&self, b: Block) -> *mut T {
        if b.chunk == NO_CHUNK {
            return core::ptr::NonNull::dangling().as_ptr();
        }
        debug_assert!((b.chunk as usize) < self.chunks.len());
        // SAFETY: every `Block` is made by `reserve` or by a shuffle move, both into an
        // existing chunk, and `retop` pops only chunks no live, zombie or pending block is
        // in (module invariants); callers pass only such blocks.
        unsafe { self.chunks.get_unchecked(b.chunk as usize) }.at(b.offset as usize)
    }

    pub(super) fn locate(&self, h: ShuffleHandle<T>) -> Option<(*mut T, usize)> {
        let slot = &self.slots[self.live(h)?];
        Some((slot.ptr, slot.block.len as usize))
    }

    /// Makes room for one more handle slot and for a pending entry per live block, the
    /// new one included (module invariants), so that creating a block allocates nothing
    /// infallibly and freeing one allocates nothing at all.
    pub(super) fn reserve_bookkeeping(&mut self) -> Result<(), ShuffleError> {
        self.slots
            .try_reserve(1)
            .map_err(|_| ShuffleError::AllocFailed)?;
        self.reserve_pending(1)
    }

    /// Makes room in `pending` for every live block and `more` entries besides.
    pub(super) fn reserve_pending(&mut self, more: usize) -> Result<(), ShuffleError> {
        let want = self
            .live_blocks
            .checked_add(more)
            .ok_or(ShuffleError::AllocFailed)?;
        self.pending
            .try_reserve(want)
            .map_err(|_| ShuffleError::AllocFailed)
    }

    /// Claims room for `len` elements: above the top of the last chunk, else of any
    /// earlier chunk with room there, else in a released chunk's place or a new chunk.
    /// Memory is taken from the allocator only when no held chunk has room.
    pub(super) fn reserve(&mut self, len: u32) -> Result<Block, ShuffleError> {
        if len == 0 {
            return Ok(Block {
                chunk: NO_CHUNK,
                offset: 0,
                len,
            });
        }
        let n = len as usize;
        let room = |c: &Chunk<T>| c.cap > 0 && c.top + n <= c.cap;
        let ci = match self.chunks.last().filter(|c| room(c)) {
            Some(_) => self.chunks.len() - 1,
            None => match self.chunks.iter().position(room) {
                Some(i) => i,
                None => self.new_chunk(n)?,
            },
        };
        let c = &mut self.chunks[ci];
        let offset = c.top;
        c.top += n;
        Ok(Block {
            chunk: ci as u32,
            offset: offset as u32,
            len,
        })
    }

    /// Allocates a chunk for at least `n` elements (at least 16 KiB of them, counted in
    /// bytes, so one huge element does not reserve many) in the first released place, or
    /// at the end; returns its index.
    #[cold]
    fn new_chunk(&mut self, n: usize) -> Result<usize, ShuffleError> {
        let min = (MIN_CHUNK_BYTES / core::mem::size_of::<T>().max(1)).max(1);
        let chunk = Chunk::new(n.max(min)).ok_or(ShuffleError::AllocFailed)?;
        if let Some(i) = self.chunks.iter().position(|c| c.cap == 0) {
            self.chunks[i] = chunk;
            // Blocks in later chunks may fit in this one's room: a shuffle has work.
            self.compacted = false;
            self.index.hole_at(addr(i as u32, 0));
            return Ok(i);
        }
        if self.chunks.len() >= NO_CHUNK as usize - 1 {
            return Err(ShuffleError::SizeOverflow);
        }
        self.chunks
            .try_reserve(1)
            .map_err(|_| ShuffleError::AllocFailed)?;
        self.chunks.push(chunk);
        Ok(self.chunks.len() - 1)
    }

    /// Lifts the reservation `try_alloc_with` placed on `block`.
    pub(super) fn unreserve(&mut self, block: Block) {
        if let Some(k) = self
            .pending
            .iter()
            .rposition(|p| p.block == block && p.dropping)
        {
            self.pending.remove(k);
        }
    }

    /// Lowers its chunk's top over `block` if the block is the topmost one (a block whose
    /// reservation was lifted without a commit).
    pub(super) fn give_back_top(&mut self, block: Block) {
        // Unless it is the topmost block, its space is a hole now.
        self.compacted = false;
        if block.chunk == NO_CHUNK || block.len == 0 {
            return;
        }
        self.index.hole_at(addr(block.chunk, block.offset));
        let c = &mut self.chunks[block.chunk as usize];
        if c.top == (block.offset + block.len) as usize {
            c.top = block.offset as usize;
        }
    }

    /// Publishes a filled block under a new handle.
    pub(super) fn commit(&mut self, block: Block) -> ShuffleHandle<T> {
        self.live_blocks += 1;
        self.live_elems += block.len as usize;
        let ptr = self.block_ptr(block);
        let (i, generation) = if self.free_head != NONE {
            let i = self.free_head as usize;
            let slot = &mut self.slots[i];
            debug_assert!(matches!(slot.state(), State::Vacant));
            self.free_head = slot.next;
            // Even plus one: no wrap, and odd.
            *slot = Slot::live(slot.generation + 1, block, ptr);
            (i, slot.generation)
        } else {
            // Version 1.
            let generation = self.key | 1;
            self.slots.push(Slot::live(generation, block, ptr));
            (self.slots.len() - 1, generation)
        };
        self.index.insert(&self.slots, i, block);
        // SAFETY: a live slot's generation is odd (made so just above).
        unsafe { Handle::from_generation(i as u32, generation) }
    }

    /// Makes slot `i` vacant: its generation becomes even (if it is not already, as for a
    /// zombie), and a slot whose version wrapped to 0 (generation = key) is retired for
    /// good.
    pub(super) fn vacate(&mut self, i: usize) {
        let slot = &mut self.slots[i];
        // Odd (live) becomes even; a zombie's generation is already even.
        let generation = slot.generation.wrapping_add(slot.generation & 1);
        if generation == self.key {
            *slot = Slot::vacant(generation, NONE);
            return;
        }
        *slot = Slot::vacant(generation, self.free_head);
        self.free_head = i as u32;
    }

    #[inline]
    pub(super) fn pin(
        &mut self,
        h: ShuffleHandle<T>,
        exclusive: bool,
    ) -> Result<PinInfo<T>, RentError> {
        // One slot read: the generation check (handle generations are odd, so a match
        // means live), the rent count and the cached address.
        let i = h.index() as usize;
        let slot = self.slots.get_mut(i).ok_or(RentError::Stale)?;
        if slot.generation != h.generation() {
            return Err(RentError::Stale);
        }
        slot.rent = match (exclusive, slot.rent) {
            (true, 0) => EXCLUSIVE,
            (false, r) if r < EXCLUSIVE - 1 => r + 1,
            _ => return Err(RentError::Busy),
        };
        Ok(PinInfo {
            slot: i,
            ptr: slot.ptr,
            len: slot.block.len as usize,
            handle: h,
        })
    }

    /// Gives a pin back. That is all, also for a zombie: its block is already pending, and
    /// the next shuffle step that finds `rent` at 0 drops it.
    #[inline(always)]
    pub(super) fn unpin(&mut self, slot: usize, exclusive: bool) {
        debug_assert!(slot < self.slots.len());
        // SAFETY: `slot` came from `pin`, so it was in bounds then, and `slots` never
        // shrinks while a guard (which borrows the shuffler) is alive: only `&mut self`
        // methods replace it.
        let s = unsafe { self.slots.get_unchecked_mut(slot) };
        debug_assert!(s.rent != 0 && exclusive == (s.rent == EXCLUSIVE));
        s.rent = if exclusive { 0 } else { s.rent - 1 };
    }

    /// Whether a pending block may be dropped now: not being dropped, and not a zombie's
    /// whose guards are still out.
    #[inline]
    pub(super) fn droppable(&self, p: &Pending) -> bool {
        !p.dropping && (p.slot == NONE || self.slots[p.slot as usize].rent == 0)
    }

    /// Before pending entry `k` is dropped: a zombie's slot, whose guards have all
    /// returned, is vacated (onto the free list) and the entry forgets it.
    pub(super) fn settle(&mut self, k: usize) {
        let slot = core::mem::replace(&mut self.pending[k].slot, NONE);
        if slot != NONE {
            debug_assert_eq!(self.slots[slot as usize].rent, 0);
            self.vacate(slot as usize);
        }
    }

    pub(super) fn free(&mut self, h: ShuffleHandle<T>) -> bool {
        let Some(i) = self.live(h) else {
            return false;
        };
        let Slot { block, rent, .. } = self.slots[i];
        // Its space becomes a hole once its elements are dropped.
        self.compacted = false;
        self.live_blocks -= 1;
        self.live_elems -= block.len as usize;
        #[cfg(feature = "debug")]
        self.sites.forget(i);
        // Room was reserved when the block was created (module invariants).
        debug_assert!(self.pending.len() < self.pending.capacity());
        if rent == 0 {
            self.pending.push(Pending {
                block,
                dropping: false,
                slot: NONE,
            });
            self.vacate(i);
        } else {
            // Stale at once (an even generation with `rent > 0` is a zombie); pending now,
            // dropped by the first shuffle step after the last guard returns.
            self.pending.push(Pending {
                block,
                dropping: false,
                slot: i as u32,
            });
            let slot = &mut self.slots[i];
            slot.generation = slot.generation.wrapping_add(1);
        }
        true
    }

    /// Blocks in storage order: `(slot, block)` of live ones, and pending ones (slot
    /// `usize::MAX`, zombies' included) when `live_only` is false.
    pub(super) fn storage_order(&self, live_only: bool) -> Vec<(usize, Block)> {
        self.try_storage_order(live_only).unwrap_or_else(|| {
            let n = self.live_blocks + if live_only { 0 } else { self.pending.len() };
            match core::alloc::Layout::array::<(usize, Block)>(n) {
                Ok(layout) => alloc::alloc::handle_alloc_error(layout),
                Err(_) => panic!("capacity overflow"),
            }
        })
    }

    /// [`storage_order`](Self::storage_order), or `None` if the allocator refuses the
    /// list: compaction is optional work, and a step taken inside `try_alloc_with` must
    /// not abort.
    pub(super) fn try_storage_order(&self, live_only: bool) -> Option<Vec<(usize, Block)>> {
        let mut count = self.live_blocks;
        if !live_only {
            count += self.pending.len();
        }
        let mut v: Vec<(usize, Block)> = Vec::new();
        v.try_reserve_exact(count).ok()?;
        v.extend(
            self.slots
                .iter()
                .enumerate()
                .filter_map(|(i, s)| match s.state() {
                    State::Live { block, .. } => Some((i, block)),
                    // A zombie's block is listed with the pending ones.
                    State::Zombie { .. } | State::Vacant => None,
                }),
        );
        if !live_only {
            v.extend(self.pending.iter().map(|p| (usize::MAX, p.block)));
        }
        debug_assert!(v.len() <= count, "live_blocks miscounts");
        // In place. Non-empty blocks never share an address (module invariants); empty
        // ones all sort last, by slot, as a stable sort of this list would leave them.
        v.sort_unstable_by_key(|&(i, b)| ((u64::from(b.chunk) << 32) | u64::from(b.offset), i));
        Some(v)
    }

    pub(super) fn storage_map(&self, width: usize) -> String {
        let mut out = String::new();
        for (ci, c) in self.chunks.iter().enumerate() {
            if c.cap == 0 {
                continue;
            }
            let cells = c.cap.min(width);
            let per = c.cap.div_ceil(cells);
            let mut line = alloc::vec![b'.'; cells];
            let mut mark = |b: Block, ch: u8| {
                if b.chunk as usize != ci || b.len == 0 {
                    return;
                }
                let (s, e) = (
                    b.offset as usize / per,
                    (b.offset + b.len - 1) as usize / per,
                );
                for cell in &mut line[s..=e.min(cells - 1)] {
                    let rank = |x: u8| match x {
                        b'P' => 3,
                        b'#' => 2,
                        b'x' => 1,
                        _ => 0,
                    };
                    if rank(ch) > rank(*cell) {
                        *cell = ch;
                    }
                }
            };
            for s in &self.slots {
                match s.state() {
                    State::Live { block, rent } => mark(block, if rent > 0 { b'P' } else { b'#' }),
                    State::Zombie { block } => mark(block, b'P'),
                    State::Vacant => {}
                }
            }
            for p in &self.pending {
                // A zombie's block shows `P` (from its slot) while its guards are out.
                mark(p.block, b'x');
            }
            out.push_str(core::str::from_utf8(&line).unwrap_or(""));
            out.push('\n');
        }
        out
    }
}
