//! The address index of a [`Shuffler`](super::Shuffler): each chunk's live blocks in
//! offset order, kept up to date between compaction steps, and where the next step has to
//! start.
//!
//! A step walks blocks in address order. Sorting every block for each step cost
//! O(n log n) whatever the budget; with the index a step starts at the first place where
//! storage may not be packed ([`Index::resume`]) and stops where its budget runs out. The
//! lists are per chunk so that placing a block (on a chunk's top, or in an earlier chunk's
//! room during a step) touches one chunk's list, never the whole index.
//!
//! # Invariants
//!
//! While `valid`:
//! - Every live block with storage (length > 0) has exactly one *current* entry, in the
//!   list of its chunk: its slot, the slot's generation, and its offset. Whatever moves a
//!   block moves or updates its entry.
//! - Every other entry is *stale*: its slot's generation has changed since (the block was
//!   freed; the slot may be live again, under a newer generation, with its own entry).
//!   Generations never repeat (slots retire before they wrap), so a stale entry never
//!   turns current again.
//! - Each list is sorted by offset (ties allowed: a stale entry may share a new block's
//!   offset). A stale entry's offset means nothing but its place in that order.
//! - Below `resume` storage is packed: in every chunk before `resume`'s, the blocks (live
//!   and pending) tile `0..top`, and in `resume`'s chunk they tile `0..resume`'s offset.
//!   No block spans `resume`.
//!
//! When not `valid` (a refused allocation, or a shuffler built from a list of slots) the
//! lists mean nothing; the next step rebuilds them from the slots, which is allowed to
//! fail (then the step does nothing).

use alloc::vec::Vec;

use super::{Block, Slot, NO_CHUNK};

/// A block's address as one sortable key: chunk in the high half, offset in the low half.
#[inline]
pub(super) fn addr(chunk: u32, offset: u32) -> u64 {
    (u64::from(chunk) << 32) | u64::from(offset)
}

/// The chunk and offset of an address key.
#[inline]
pub(super) fn split(at: u64) -> (usize, usize) {
    ((at >> 32) as usize, at as u32 as usize)
}

#[derive(Clone, Copy, Debug)]
pub(super) struct Entry {
    pub(super) offset: u32,
    pub(super) slot: u32,
    pub(super) generation: u32,
}

impl Entry {
    /// Whether this is the entry of the live block in its slot.
    #[inline]
    pub(super) fn is_current<T>(&self, slots: &[Slot<T>]) -> bool {
        slots
            .get(self.slot as usize)
            .is_some_and(|s| s.generation == self.generation)
    }
}

pub(super) struct Index {
    /// `lists[c]`: the entries of chunk `c` (missing past the end: empty).
    pub(super) lists: Vec<Vec<Entry>>,
    pub(super) valid: bool,
    /// See the module invariants; `u64::MAX` when everything is packed.
    pub(super) resume: u64,
}

impl Index {
    /// The index of an empty shuffler.
    pub(super) const fn new() -> Index {
        Index {
            lists: Vec::new(),
            valid: true,
            resume: u64::MAX,
        }
    }

    /// Forgets the entries: the next step rebuilds them.
    pub(super) fn invalidate(&mut self) {
        self.valid = false;
        self.lists = Vec::new();
    }

    /// Room for one more entry in chunk `c`'s list, without aborting: stale entries are
    /// dropped first when the list is full (so each free costs O(1) amortised, and a list
    /// holds at most about twice the blocks its chunk ever held at once). `false` if the
    /// allocator refuses.
    pub(super) fn make_room<T>(&mut self, slots: &[Slot<T>], c: usize) -> bool {
        if self.lists.len() <= c {
            if self.lists.try_reserve(c + 1 - self.lists.len()).is_err() {
                return false;
            }
            self.lists.resize_with(c + 1, Vec::new);
        }
        let list = &mut self.lists[c];
        if list.len() == list.capacity() {
            list.retain(|e| e.is_current(slots));
        }
        list.try_reserve(1).is_ok()
    }

    /// Records the new live block of `slot`. If the allocator refuses room for the entry,
    /// the index is dropped instead (rebuilt by the next step): creating a block never
    /// fails or aborts because of it.
    pub(super) fn insert<T>(&mut self, slots: &[Slot<T>], slot: usize, block: Block) {
        if !self.valid || block.chunk == NO_CHUNK || block.len == 0 {
            return;
        }
        let c = block.chunk as usize;
        if !self.make_room(slots, c) {
            self.invalidate();
            return;
        }
        let e = Entry {
            offset: block.offset,
            slot: slot as u32,
            generation: slots[slot].generation,
        };
        insert_sorted(&mut self.lists[c], e);
    }

    /// Storage at `at` may have come free: the next step starts there at the latest.
    #[inline]
    pub(super) fn hole_at(&mut self, at: u64) {
        self.resume = self.resume.min(at);
    }

    /// Rebuilds the lists from the slots (a sort of every chunk's blocks); `false` if the
    /// allocator refuses. The next step starts from the beginning.
    pub(super) fn try_rebuild<T>(&mut self, slots: &[Slot<T>], chunks: usize) -> bool {
        self.lists = Vec::new();
        self.valid = true;
        self.resume = 0;
        let built = (|| {
            if self.lists.try_reserve_exact(chunks).is_err() {
                return false;
            }
            self.lists.resize_with(chunks, Vec::new);
            for (i, s) in slots.iter().enumerate() {
                // Odd generation: live. Zombies' blocks are pending, not indexed.
                if s.generation & 1 == 1 && s.block.chunk != NO_CHUNK && s.block.len > 0 {
                    let list = &mut self.lists[s.block.chunk as usize];
                    if list.try_reserve(1).is_err() {
                        return false;
                    }
                    list.push(Entry {
                        offset: s.block.offset,
                        slot: i as u32,
                        generation: s.generation,
                    });
                }
            }
            for list in &mut self.lists {
                list.sort_unstable_by_key(|e| e.offset);
            }
            true
        })();
        if !built {
            self.invalidate();
        }
        built
    }

    /// Chunk `c`'s list (empty if it has none yet).
    #[inline]
    pub(super) fn list(&self, c: usize) -> &[Entry] {
        self.lists.get(c).map_or(&[], Vec::as_slice)
    }

    /// Where chunk `c`'s topmost live block ends (0 if it has none).
    pub(super) fn live_top<T>(&self, slots: &[Slot<T>], c: usize) -> usize {
        // Live blocks never overlap: the one starting highest ends highest.
        self.list(c)
            .iter()
            .rev()
            .find(|e| e.is_current(slots))
            .map_or(0, |e| {
                let b = slots[e.slot as usize].block;
                (b.offset + b.len) as usize
            })
    }

    /// Chunk `c` gave its memory back: its list (stale entries only) goes too.
    pub(super) fn released(&mut self, c: usize) {
        if let Some(list) = self.lists.get_mut(c) {
            *list = Vec::new();
        }
    }

    /// Chunks past `len` are gone.
    pub(super) fn truncate(&mut self, len: usize) {
        self.lists.truncate(len);
    }
}

/// Inserts `e` by offset; the list has room (no allocation). New blocks go on top of a
/// chunk, so usually at the end.
pub(super) fn insert_sorted(list: &mut Vec<Entry>, e: Entry) {
    debug_assert!(list.len() < list.capacity());
    match list.last() {
        Some(last) if last.offset > e.offset => {
            let i = list.partition_point(|x| x.offset <= e.offset);
            list.insert(i, e);
        }
        _ => list.push(e),
    }
}

/// Restores offset order after a step moved some entries to lower offsets: an insertion
/// sort, O(len + displacement); blocks move past few others (only past the pinned blocks
/// they skip).
pub(super) fn resort(v: &mut [Entry]) {
    for i in 1..v.len() {
        let mut j = i;
        let e = v[i];
        while j > 0 && v[j - 1].offset > e.offset {
            v[j] = v[j - 1];
            j -= 1;
        }
        v[j] = e;
    }
}
