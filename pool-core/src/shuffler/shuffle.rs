//! Compaction: dropping freed blocks, sliding unpinned blocks toward the front, and
//! returning empty chunks.
//!
//! Blocks are visited in storage order (the address index, `index.rs`) with a cursor: a
//! full shuffle from the start, a step from where the index says a hole may be. A movable
//! block goes to the first place at or after the cursor, and before its own position,
//! that overlaps no obstacle (a rented, zombie or pending block); otherwise it stays.
//! Every block before the cursor has been placed, so the destination can only overlap
//! free space or the block itself (`ptr::copy` handles that overlap). Pinned blocks never
//! move.

use alloc::vec::Vec;

use super::index::{addr, insert_sorted, resort, split, Entry};
use super::{Block, Pending, Shuffler, State, NO_CHUNK};

impl<T> Shuffler<T> {
    /// Compacts the storage: drops the elements of freed blocks, moves every live block
    /// that is not rented toward the front, and returns empty chunks to the allocator.
    /// Callable while guards are alive; their blocks stay where they are.
    ///
    /// If a freed element's `Drop` panics, that block counts as dropped (never dropped
    /// twice), the others stay pending for the next shuffle, and nothing has moved.
    ///
    /// # Examples
    ///
    /// ```
    /// let s: pool_core::Shuffler<u64> = pool_core::Shuffler::new();
    /// let hs: Vec<_> = (0..100).map(|i| s.alloc_with(50, |_| i)).collect();
    /// for h in hs.iter().step_by(2) {
    ///     s.free(*h);
    /// }
    /// s.shuffle();
    /// assert!(s.stats().fragmentation < 0.6);
    /// assert_eq!(&s.rent(hs[1]).unwrap()[..2], &[1, 1]);
    /// ```
    pub fn shuffle(&self) {
        self.shuffle_within(usize::MAX, true);
    }

    /// One bounded step of compaction: at most `budget` bytes of elements dropped or moved.
    /// Returns the bytes moved.
    ///
    /// A step with nothing to do returns at once: no freed block is waiting, and no hole
    /// has opened since the last compaction that finished with nothing in its way (a step
    /// then does not look for blocks that could move past blocks rented since, into room
    /// left at the end of an earlier chunk; [`shuffle`](Self::shuffle) does). Otherwise a
    /// step walks the blocks in address order from the first place a hole may be (the
    /// lowest address freed since, or where the last step stopped) until its budget runs
    /// out; room at the end of chunks before that place is left to a full shuffle.
    ///
    /// # Examples
    ///
    /// ```
    /// let s: pool_core::Shuffler<u8> = pool_core::Shuffler::new();
    /// let a = s.alloc(100);
    /// let b = s.alloc(100);
    /// s.free(a);
    /// assert_eq!(s.shuffle_step(10), 0); // 100 bytes to drop first; the budget is used up
    /// assert_eq!(s.shuffle_step(1000), 100); // b moves to the front
    /// assert!(s.contains(b));
    /// ```
    pub fn shuffle_step(&self, budget: usize) -> usize {
        self.shuffle_within(budget, false)
    }

    /// Compaction within `budget` bytes; a step (`full` false) first returns at once if
    /// there is nothing to do (see `shuffle_step`).
    pub(super) fn shuffle_within(&self, budget: usize, full: bool) -> usize {
        {
            let inner = self.inner();
            if !full && inner.compacted && inner.pending.is_empty() {
                debug_assert!(inner.is_packed(), "a step skipped a hole");
                inner.moved_last = 0;
                return 0;
            }
        }
        let size = core::mem::size_of::<T>();
        let dropped = self.drop_pending(budget);
        self.inner().settle_tops();
        if dropped > budget {
            self.inner().moved_last = 0;
            return 0;
        }
        let moved = self.compact(budget - dropped, size, full);
        let inner = self.inner();
        inner.moved_last = moved;
        if full {
            inner.retop();
        } else {
            inner.settle_tops();
        }
        moved
    }

    /// Drops pending blocks (newest first) until `budget` bytes are done; returns the bytes.
    fn drop_pending(&self, budget: usize) -> usize {
        let size = core::mem::size_of::<T>();
        if !core::mem::needs_drop::<T>() {
            // Nothing to run: the space is simply free again.
            let inner = self.inner();
            let mut bytes = 0;
            let mut k = 0;
            while k < inner.pending.len() {
                if inner.droppable(&inner.pending[k]) {
                    bytes += inner.pending[k].block.len as usize * size;
                    inner.settle(k);
                    let block = inner.pending.swap_remove(k).block;
                    inner.freed(block);
                } else {
                    k += 1;
                }
            }
            return bytes;
        }
        let mut done = 0;
        loop {
            let (block, ptr) = {
                let inner = self.inner();
                // From the end, so unlisting is O(1); entries being dropped re-entrantly
                // (marked `dropping`) and zombies still rented are skipped.
                let Some(k) = inner.pending.iter().rposition(|p| inner.droppable(p)) else {
                    return done;
                };
                let bytes = inner.pending[k].block.len as usize * size;
                if done > 0 && done + bytes > budget {
                    return done;
                }
                done += bytes.max(1);
                inner.settle(k);
                inner.pending[k].dropping = true;
                let block = inner.pending[k].block;
                (block, inner.block_ptr(block))
            };
            /// Unlists the block once its drop is over, panicking or not: it is never
            /// dropped twice, and its space stays reserved while user code runs.
            struct Unlist<'s, T> {
                shuffler: &'s Shuffler<T>,
                block: Block,
            }
            impl<T> Drop for Unlist<'_, T> {
                fn drop(&mut self) {
                    let inner = self.shuffler.inner();
                    if let Some(k) = inner
                        .pending
                        .iter()
                        .rposition(|p| p.block == self.block && p.dropping)
                    {
                        inner.pending.remove(k);
                        inner.freed(self.block);
                    }
                }
            }
            let unlist = Unlist {
                shuffler: self,
                block,
            };
            // SAFETY: the block holds `len` initialised elements nobody else owns (it was
            // freed and its last guard returned); no `&mut Inner` is alive here, so a `Drop`
            // that re-enters the shuffler is fine, and the block stays reserved until
            // `unlist` runs.
            unsafe {
                core::ptr::drop_in_place(core::ptr::slice_from_raw_parts_mut(
                    ptr,
                    block.len as usize,
                ))
            };
            drop(unlist);
        }
    }

    /// Slides movable blocks toward the front; returns the bytes moved (at most `budget`).
    /// A full shuffle walks every block; a step starts where the index says storage may
    /// not be packed, and stops where the budget runs out.
    ///
    /// Its working lists are taken from the allocator fallibly: refused, nothing (more)
    /// moves (compaction is optional work, and a step may run inside `try_alloc_with`).
    fn compact(&self, budget: usize, size: usize, full: bool) -> usize {
        let inner = self.inner();
        if !inner.index.valid && !inner.index.try_rebuild(&inner.slots, inner.chunks.len()) {
            inner.compacted = false;
            return 0;
        }
        let start = if full { 0 } else { inner.index.resume };
        if start == u64::MAX {
            // Packed, and nothing dropped since (that would have lowered `resume`).
            inner.compacted = true;
            return 0;
        }
        // Pending blocks (freed, zombies', reservations) at or after the start: obstacles,
        // merged into the walk by address.
        let mut pending: Vec<Obstacle> = Vec::new();
        if pending.try_reserve_exact(inner.pending.len()).is_err() {
            inner.compacted = false;
            return 0;
        }
        for p in &inner.pending {
            let b = p.block;
            if b.chunk != NO_CHUNK && b.len > 0 && addr(b.chunk, b.offset) >= start {
                pending.push(Obstacle::of(b));
            }
        }
        pending.sort_unstable_by_key(|x| (x.chunk, x.start));
        let (first_chunk, first_offset) = split(start);
        let mut walk = Walk {
            obstacles: Vec::new(),
            cursor: (first_chunk, first_offset),
            first_gap: u64::MAX,
        };
        if first_offset == 0 {
            // Starting a chunk: the room on top of the chunk before (packed below its top)
            // may take its first blocks, as in a walk from the start.
            if let Some(c) = (0..first_chunk.min(inner.chunks.len()))
                .rev()
                .find(|&c| inner.chunks[c].cap > 0)
            {
                walk.cursor = (c, inner.chunks[c].top);
            }
        }
        let mut next_pending = 0;
        let mut moved = 0;
        let mut stopped = false;
        // The chunks blocks moved out of and into.
        let mut touched = (usize::MAX, 0usize);
        for c in first_chunk..inner.chunks.len() {
            // Out of the index while it is walked: moves go to other chunks' lists.
            let mut list = match inner.index.lists.get_mut(c) {
                Some(list) => core::mem::take(list),
                None => Vec::new(),
            };
            let first = if c == first_chunk {
                list.partition_point(|e| (e.offset as usize) < first_offset)
            } else {
                0
            };
            // Entries before `kept` are this chunk's current ones, walked; `next` is the
            // next to walk. Stale entries and blocks moved out are dropped in between.
            let (mut kept, mut next) = (first, first);
            while next < list.len() {
                let e = list[next];
                if !e.is_current(&inner.slots) {
                    next += 1;
                    continue;
                }
                let at = addr(c as u32, e.offset);
                while next_pending < pending.len() && pending[next_pending].key() < at {
                    if !walk.pass(pending[next_pending]) {
                        stopped = true;
                        break;
                    }
                    next_pending += 1;
                }
                if stopped {
                    break;
                }
                let slot = e.slot as usize;
                let b = inner.slots[slot].block;
                debug_assert_eq!(
                    (b.chunk as usize, b.offset),
                    (c, e.offset),
                    "index out of date"
                );
                let (own_o, len) = (b.offset as usize, b.len as usize);
                let dest = if inner.slots[slot].rent > 0 {
                    // Rented: pinned where it is.
                    if !walk.pass(Obstacle::of(b)) {
                        stopped = true;
                        break;
                    }
                    None
                } else {
                    let dest = fit(inner, &walk.obstacles, walk.cursor, len, (c, own_o));
                    if dest.is_none() {
                        walk.cursor = (c, own_o + len);
                    }
                    dest
                };
                let Some((dc, o)) = dest else {
                    list[kept] = e;
                    kept += 1;
                    next += 1;
                    continue;
                };
                let bytes = len * size;
                if moved + bytes > budget || (dc != c && !inner.index.make_room(&inner.slots, dc)) {
                    stopped = true;
                    break;
                }
                let src = inner.block_ptr(b);
                let dst = inner.chunks[dc].at(o);
                // SAFETY: `src` holds `len` initialised elements; `dst..dst + len` lies in
                // chunk `dc` (checked by `fit`) and overlaps only free space or the block
                // itself, so a bitwise move (`copy` allows overlap) relocates the values;
                // the block is not rented, so no reference to it exists.
                unsafe { core::ptr::copy(src, dst, len) };
                moved += bytes;
                // Not pinned, so live: the block, its cached address and its entry move
                // together.
                let s = &mut inner.slots[slot];
                debug_assert!(matches!(s.state(), State::Live { rent: 0, .. }));
                s.block = Block {
                    chunk: dc as u32,
                    offset: o as u32,
                    len: len as u32,
                };
                s.ptr = dst;
                let moved_entry = Entry {
                    offset: o as u32,
                    ..e
                };
                if dc == c {
                    list[kept] = moved_entry;
                    kept += 1;
                } else {
                    // Room made above; placed after the blocks placed there so far.
                    insert_sorted(&mut inner.index.lists[dc], moved_entry);
                }
                // Its old chunk's top may come down, its new chunk's go up.
                touched = (touched.0.min(dc), touched.1.max(c));
                walk.cursor = (dc, o + len);
                next += 1;
            }
            // Close the gap left by dropped entries; the unwalked rest keeps its order.
            list.copy_within(next.., kept);
            list.truncate(kept + (list.len() - next));
            resort(&mut list[first..kept]);
            match inner.index.lists.get_mut(c) {
                Some(slot) => *slot = list,
                // No list, no blocks: nothing could be kept.
                None => debug_assert!(list.is_empty()),
            }
            if stopped {
                break;
            }
        }
        if !stopped {
            // Pending blocks after the last live one still leave gaps before them.
            for &x in &pending[next_pending..] {
                if !walk.pass(x) {
                    stopped = true;
                    break;
                }
            }
        }
        let (c, o) = walk.cursor;
        inner.index.resume = if stopped {
            walk.first_gap.min(addr(c as u32, o as u32))
        } else {
            walk.first_gap
        };
        inner.compacted = !stopped && walk.first_gap == u64::MAX;
        if touched.0 != usize::MAX {
            for c in touched.0..=touched.1 {
                inner.mark_dirty(c);
            }
        }
        moved
    }
}

/// The state of one compaction walk: where the next block goes, the obstacles passed so
/// far (in storage order), and the first place the walk left a gap behind.
struct Walk {
    obstacles: Vec<Obstacle>,
    cursor: (usize, usize),
    first_gap: u64,
}

impl Walk {
    /// Passes an obstacle: the cursor steps over it if it starts right there; otherwise
    /// storage may stay unpacked from the cursor on. `false` if the allocator refused
    /// room to list it (the walk must stop).
    fn pass(&mut self, x: Obstacle) -> bool {
        if self.obstacles.try_reserve(1).is_err() {
            return false;
        }
        self.obstacles.push(x);
        let (c, o) = self.cursor;
        if (x.chunk, x.start) == (c, o) {
            self.cursor = (c, x.end);
        } else if (x.chunk, x.start) > (c, o) {
            self.first_gap = self.first_gap.min(addr(c as u32, o as u32));
        }
        true
    }
}

/// A block that compaction must not move or overlap, as a range of element slots.
#[derive(Clone, Copy)]
struct Obstacle {
    chunk: usize,
    start: usize,
    end: usize,
}

impl Obstacle {
    fn of(b: Block) -> Obstacle {
        Obstacle {
            chunk: b.chunk as usize,
            start: b.offset as usize,
            end: b.offset as usize + b.len as usize,
        }
    }

    fn key(&self) -> u64 {
        addr(self.chunk as u32, self.start as u32)
    }
}

/// The first place at or after `from`, before `own`, where `len` elements fit between
/// obstacles (sorted by chunk, then offset) and within a chunk.
fn fit<T>(
    inner: &super::Inner<T>,
    obstacles: &[Obstacle],
    from: (usize, usize),
    len: usize,
    own: (usize, usize),
) -> Option<(usize, usize)> {
    let (mut c, mut o) = from;
    loop {
        if (c, o) >= own {
            return None;
        }
        let cap = inner.chunks[c].cap;
        let in_chunk = {
            let lo = obstacles.partition_point(|x| x.chunk < c);
            let hi = lo + obstacles[lo..].partition_point(|x| x.chunk == c);
            &obstacles[lo..hi]
        };
        let next = in_chunk.iter().find(|x| x.end > o).copied();
        match next {
            Some(x) if x.start < o + len => {
                o = x.end;
                continue;
            }
            _ => {}
        }
        let limit = next.map_or(cap, |x| x.start.min(cap));
        if o + len <= limit {
            return Some((c, o));
        }
        c += 1;
        o = 0;
    }
}

impl<T> super::Inner<T> {
    /// Whether every chunk's blocks (live and pending) tile it from 0 to its top with no
    /// gap: what `compacted` claims. O(n log n); for debug checks, which pass when the
    /// allocator refuses the list it needs.
    pub(super) fn is_packed(&self) -> bool {
        let Some(order) = self.try_storage_order(false) else {
            return true;
        };
        // Per chunk, in order: where the next block must start.
        let mut chunk = 0;
        let mut end = 0;
        for (_, b) in order {
            if b.chunk == NO_CHUNK || b.len == 0 {
                continue;
            }
            while chunk < b.chunk as usize {
                if self.chunks[chunk].top != end {
                    return false;
                }
                (chunk, end) = (chunk + 1, 0);
            }
            if b.offset as usize != end {
                return false;
            }
            end += b.len as usize;
        }
        while chunk < self.chunks.len() {
            if self.chunks[chunk].top != end {
                return false;
            }
            (chunk, end) = (chunk + 1, 0);
        }
        true
    }

    /// The space of `block` (dropped) is free: a hole for the next step, and its chunk's
    /// top may come down (see [`settle_tops`](Self::settle_tops)).
    pub(super) fn freed(&mut self, block: Block) {
        self.compacted = false;
        if block.chunk == NO_CHUNK || block.len == 0 {
            return;
        }
        self.index.hole_at(addr(block.chunk, block.offset));
        self.mark_dirty(block.chunk as usize);
    }

    /// Lists chunk `c` for [`settle_tops`](Self::settle_tops).
    fn mark_dirty(&mut self, c: usize) {
        let Some(chunk) = self.chunks.get_mut(c) else {
            return;
        };
        if chunk.dirty || self.dirty_all {
            return;
        }
        if self.dirty.try_reserve(1).is_err() {
            // Refused: every top is recomputed instead.
            self.dirty_all = true;
            return;
        }
        chunk.dirty = true;
        self.dirty.push(c as u32);
    }

    /// Recomputes the tops of the chunks blocks were dropped from or moved out of or into
    /// since the last time, and returns the memory of those left empty: once per step,
    /// from their lists and one pass over the pending blocks. (Until then a top may be
    /// too high, which only wastes room: nothing is placed below a top.)
    pub(super) fn settle_tops(&mut self) {
        if self.dirty_all || !self.index.valid {
            self.retop();
            return;
        }
        if self.dirty.is_empty() {
            return;
        }
        for &c in &self.dirty {
            let chunk = &mut self.chunks[c as usize];
            // (Set again: a chunk put in a released one's place starts unmarked.)
            chunk.dirty = true;
            chunk.top = self.index.live_top(&self.slots, c as usize);
        }
        for p in &self.pending {
            if let Some(chunk) = self.chunks.get_mut(p.block.chunk as usize) {
                if chunk.dirty {
                    chunk.top = chunk.top.max((p.block.offset + p.block.len) as usize);
                }
            }
        }
        for k in 0..self.dirty.len() {
            let c = self.dirty[k] as usize;
            let chunk = &mut self.chunks[c];
            chunk.dirty = false;
            if chunk.top == 0 && chunk.cap > 0 {
                chunk.release();
                self.index.released(c);
            }
        }
        self.dirty.clear();
        let (rc, _) = split(self.index.resume);
        self.clamp_resume(rc);
        self.pop_released();
    }

    /// Keeps `resume` at or below its chunk's top: a block placed on top after the top
    /// came down must not span it.
    fn clamp_resume(&mut self, c: usize) {
        let (rc, ro) = split(self.index.resume);
        if rc == c && self.index.resume != u64::MAX {
            let top = self.chunks.get(c).map_or(0, |ch| ch.top);
            if ro > top {
                self.index.resume = addr(c as u32, top as u32);
            }
        }
    }

    /// Pops released chunks off the end.
    pub(super) fn pop_released(&mut self) {
        while self.chunks.last().is_some_and(|c| c.cap == 0) {
            self.chunks.pop();
        }
        self.index.truncate(self.chunks.len());
    }

    /// Recomputes each chunk's top and returns empty chunks to the allocator.
    pub(super) fn retop(&mut self) {
        for c in &mut self.chunks {
            c.top = 0;
            c.dirty = false;
        }
        self.dirty.clear();
        self.dirty_all = false;
        let mut bump = |b: Block| {
            if b.chunk != NO_CHUNK && b.len > 0 {
                let c = &mut self.chunks[b.chunk as usize];
                c.top = c.top.max((b.offset + b.len) as usize);
            }
        };
        for s in &self.slots {
            // A zombie's block is pending: bumped below.
            if let State::Live { block, .. } = s.state() {
                bump(block);
            }
        }
        for p in &self.pending {
            let Pending { block, .. } = *p;
            bump(block);
        }
        for (i, c) in self.chunks.iter_mut().enumerate() {
            if c.top == 0 && c.cap > 0 {
                c.release();
                self.index.released(i);
            }
        }
        let (rc, _) = split(self.index.resume);
        self.clamp_resume(rc);
        self.pop_released();
    }
}
