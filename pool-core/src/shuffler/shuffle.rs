//! Compaction: dropping freed blocks, sliding unpinned blocks toward the front, and
//! returning empty chunks.
//!
//! Blocks are visited in storage order with a cursor. A movable block goes to the first
//! place at or after the cursor, and before its own position, that overlaps no obstacle
//! (a rented, zombie or pending block); otherwise it stays. Every block before the cursor
//! has been placed, so the destination can only overlap free space or the block itself
//! (`ptr::copy` handles that overlap). Pinned blocks never move.

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
    /// step walks the blocks in address order, which costs a sort of all blocks, whatever
    /// the budget.
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
        if dropped > budget {
            self.inner().moved_last = 0;
            return 0;
        }
        let moved = self.compact(budget - dropped, size);
        let inner = self.inner();
        inner.moved_last = moved;
        inner.retop();
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
                    inner.pending.swap_remove(k);
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
    ///
    /// Its working lists are taken from the allocator fallibly: refused, nothing moves
    /// (compaction is optional work, and a step may run inside `try_alloc_with`).
    fn compact(&self, budget: usize, size: usize) -> usize {
        let inner = self.inner();
        let Some(order) = inner.try_storage_order(false) else {
            inner.compacted = false;
            return 0;
        };
        // Pending (no slot; zombies' blocks included) or rented: the same `rent > 0` that
        // `stats` counts as pinned.
        let pinned = |slot: usize, inner: &super::Inner<T>| -> bool {
            slot == usize::MAX || inner.slots[slot].rent > 0
        };
        // Obstacles: rented, zombie and pending blocks, in storage order like `order`.
        let mut obstacles: alloc::vec::Vec<Obstacle> = alloc::vec::Vec::new();
        for &(slot, b) in &order {
            if b.chunk != NO_CHUNK && b.len > 0 && pinned(slot, inner) {
                if obstacles.try_reserve(1).is_err() {
                    inner.compacted = false;
                    return 0;
                }
                obstacles.push(Obstacle {
                    chunk: b.chunk as usize,
                    start: b.offset as usize,
                    end: b.offset as usize + b.len as usize,
                });
            }
        }
        let mut moved = 0;
        // Nothing left to move once the walk ends without running out of budget, if no
        // obstacle could have kept a block from moving.
        let mut complete = obstacles.is_empty();
        let (mut dc, mut doff) = (0usize, 0usize);
        for (slot, b) in order {
            if b.chunk == NO_CHUNK || b.len == 0 || pinned(slot, inner) {
                continue;
            }
            let (own_c, own_o, len) = (b.chunk as usize, b.offset as usize, b.len as usize);
            let dest = fit(inner, &obstacles, (dc, doff), len, (own_c, own_o));
            let Some((c, o)) = dest else {
                (dc, doff) = (own_c, own_o + len);
                continue;
            };
            let bytes = len * size;
            if moved + bytes > budget {
                complete = false;
                break;
            }
            let src = inner.block_ptr(b);
            let dst = inner.chunks[c].at(o);
            // SAFETY: `src` holds `len` initialised elements; `dst..dst + len` lies in chunk
            // `c` (checked by `fit`) and overlaps only free space or the block itself, so a
            // bitwise move (`copy` allows overlap) relocates the values; the block is not
            // rented, so no reference to it exists.
            unsafe { core::ptr::copy(src, dst, len) };
            moved += bytes;
            // Not pinned, so live: the block and its cached address move together.
            let s = &mut inner.slots[slot];
            debug_assert!(matches!(s.state(), State::Live { rent: 0, .. }));
            s.block = Block {
                chunk: c as u32,
                offset: o as u32,
                len: len as u32,
            };
            s.ptr = dst;
            (dc, doff) = (c, o + len);
        }
        inner.compacted = complete;
        moved
    }
}

/// A block that compaction must not move or overlap, as a range of element slots.
#[derive(Clone, Copy)]
struct Obstacle {
    chunk: usize,
    start: usize,
    end: usize,
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

    /// Recomputes each chunk's top and returns empty chunks to the allocator.
    pub(super) fn retop(&mut self) {
        for c in &mut self.chunks {
            c.top = 0;
        }
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
        for c in &mut self.chunks {
            if c.top == 0 && c.cap > 0 {
                c.release();
            }
        }
        while self.chunks.last().is_some_and(|c| c.cap == 0) {
            self.chunks.pop();
        }
    }
}
