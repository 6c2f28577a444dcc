//! Where blocks live: a block's location and table entry, taking storage for a new block
//! (a class's bin, the overflow list, or the global allocator for over-aligned blocks),
//! and finding a block's first byte.

use core::alloc::Layout;

use super::storage::{Big, RawBlock};
use super::BinnedAllocator;
use crate::error::BinnedError;
use crate::size_class::{MAX_CLASS_ALIGN, MAX_CLASS_SIZE};

/// Where a block lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Loc {
    Bin { class: u8, block: u32 },
    Overflow(u32),
    Direct(u32),
}

/// A live block: where it lives and, for a binned block, its requested length. One word,
/// so a table slot (entry, generation, free-list link) is 16 bytes.
///
/// Bits 62-63 hold the kind. A binned block keeps its class in bits 54-61, its requested
/// length in bits 32-53 (a class holds at most [`MAX_CLASS_SIZE`] bytes, which fits) and
/// its block number in bits 0-31. An overflow or over-aligned block keeps only its index in
/// bits 0-31: its length lives beside its storage ([`Big::len`], or the size of the
/// over-aligned block, which is allocated at exactly the requested length), so any length
/// fits. The entry is built in registers: one built on the stack and copied into its slot
/// (as an earlier three-field entry was) stalled every `alloc` on a failed store-to-load
/// forward.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Entry(u64);

const LOC_OVERFLOW: u64 = 1 << 62;
const LOC_DIRECT: u64 = 2 << 62;
const CLASS_SHIFT: u32 = 54;
const LEN_SHIFT: u32 = 32;
const LEN_MASK: u64 = (1 << (CLASS_SHIFT - LEN_SHIFT)) - 1;
const _: () = assert!(MAX_CLASS_SIZE as u64 <= LEN_MASK);

impl Entry {
    /// A binned block of `len <= MAX_CLASS_SIZE` bytes.
    #[inline]
    pub(crate) fn bin(class: u8, block: u32, len: usize) -> Entry {
        debug_assert!(len <= MAX_CLASS_SIZE);
        Entry((class as u64) << CLASS_SHIFT | (len as u64 & LEN_MASK) << LEN_SHIFT | block as u64)
    }

    /// An overflow block; its length is [`Big::len`].
    #[inline]
    pub(crate) fn overflow(i: u32) -> Entry {
        Entry(LOC_OVERFLOW | i as u64)
    }

    /// An over-aligned block; its length is its storage's size.
    #[inline]
    pub(crate) fn direct(i: u32) -> Entry {
        Entry(LOC_DIRECT | i as u64)
    }

    /// The entry for a block of `len` bytes at `loc` (`len <= MAX_CLASS_SIZE` for a bin).
    #[inline]
    pub(crate) fn at(loc: Loc, len: usize) -> Entry {
        match loc {
            Loc::Bin { class, block } => Entry::bin(class, block, len),
            Loc::Overflow(i) => Entry::overflow(i),
            Loc::Direct(i) => Entry::direct(i),
        }
    }

    #[inline]
    pub(crate) fn loc(&self) -> Loc {
        match self.0 >> 62 {
            0 => Loc::Bin {
                class: (self.0 >> CLASS_SHIFT) as u8,
                block: self.0 as u32,
            },
            1 => Loc::Overflow(self.0 as u32),
            _ => Loc::Direct(self.0 as u32),
        }
    }

    /// The requested length of a binned block (meaningless for other kinds: see
    /// [`BinnedAllocator::len_of`]).
    #[inline]
    pub(crate) fn bin_len(&self) -> usize {
        ((self.0 >> LEN_SHIFT) & LEN_MASK) as usize
    }
}

impl BinnedAllocator {
    /// The requested length of the live block `e` names.
    #[inline]
    pub(super) fn len_of(&self, e: &Entry) -> usize {
        match e.loc() {
            Loc::Bin { .. } => e.bin_len(),
            Loc::Overflow(i) => self.overflow[i as usize].len,
            Loc::Direct(i) => self.direct[i as usize].as_ref().map_or(0, RawBlock::size),
        }
    }

    fn check_limit(&self, more: usize) -> Result<(), BinnedError> {
        match self.limit {
            Some(limit) if self.counters.storage_bytes as usize + more > limit => {
                Err(BinnedError::LimitExceeded { limit })
            }
            _ => Ok(()),
        }
    }

    /// Takes a block of class `class`; gives its number in the bin and the class's block
    /// size. (A block number rather than a [`Loc`], so that the caller packs the entry in
    /// registers: a `Loc` built here went through the stack and stalled every `alloc` on
    /// a failed store-to-load forward.)
    ///
    /// The block is recorded as belonging to table index `owner` (see [`lookup`]).
    ///
    /// [`lookup`]: super::lookup
    #[inline]
    pub(super) fn take_binned(
        &mut self,
        class: usize,
        owner: u32,
    ) -> Result<(u32, usize), BinnedError> {
        let bin = &mut self.bins[class];
        if let Some(block) = bin.take_freed() {
            // The common case: a freed block, no slab or list to grow.
            bin.set_owner(block, owner);
            return Ok((block, bin.class_size));
        }
        self.take_unused(class, owner)
    }

    /// `take_binned` when the class has no freed block: the next never-used one, growing
    /// the free list's room and the slabs as needed.
    #[cold]
    #[inline(never)]
    fn take_unused(&mut self, class: usize, owner: u32) -> Result<(u32, usize), BinnedError> {
        let bin = &mut self.bins[class];
        if bin.free.is_empty() {
            // A block never handed out before: first make room on the free list for every
            // block handed out, this one included, so `free` never allocates. (Taking a
            // freed block needs nothing: the list only shrinks.)
            bin.free
                .try_reserve(bin.next_unused as usize + 1)
                .map_err(|_| BinnedError::AllocFailed)?;
        }
        if self.bins[class].needs_slab() {
            let bytes = self.bins[class].slab_bytes();
            self.check_limit(bytes)?;
            self.bins[class].grow().ok_or(BinnedError::AllocFailed)?;
            self.map_new_slab(class)
                .map_err(|()| BinnedError::AllocFailed)?;
            self.counters.storage_bytes += bytes as u64;
        }
        let bin = &mut self.bins[class];
        let block = bin.take();
        bin.set_owner(block, owner);
        Ok((block, bin.class_size))
    }

    /// Best fit among free overflow blocks (smallest big enough, lowest index on ties),
    /// else a new one.
    #[cold]
    #[inline(never)]
    pub(super) fn take_overflow(&mut self, size: usize, align: usize) -> Result<u32, BinnedError> {
        let best = self
            .overflow
            .iter()
            .enumerate()
            .filter(|(_, b)| !b.in_use && b.mem.size() >= size && b.mem.align() >= align)
            .min_by_key(|&(i, b)| (b.mem.size(), i))
            .map(|(i, _)| i);
        let i = match best {
            Some(i) => i,
            None => {
                let layout = Layout::from_size_align(size, align.max(MAX_CLASS_ALIGN))
                    .map_err(|_| BinnedError::SizeOverflow)?;
                self.check_limit(layout.size())?;
                self.overflow
                    .try_reserve(1)
                    .map_err(|_| BinnedError::AllocFailed)?;
                let mem = RawBlock::new_zeroed(layout).ok_or(BinnedError::AllocFailed)?;
                let size = mem.size();
                self.overflow.push(Big {
                    mem,
                    in_use: false,
                    len: 0,
                    owner: u32::MAX,
                });
                let i = self.overflow.len() - 1;
                if self.map_overflow(i as u32).is_err() {
                    self.overflow.pop();
                    return Err(BinnedError::AllocFailed);
                }
                self.counters.storage_bytes += size as u64;
                i
            }
        };
        self.overflow[i].in_use = true;
        self.counters.overflow_live += 1;
        Ok(i as u32)
    }

    #[cold]
    #[inline(never)]
    pub(super) fn take_direct(&mut self, size: usize, align: usize) -> Result<u32, BinnedError> {
        let layout = Layout::from_size_align(size, align).map_err(|_| BinnedError::SizeOverflow)?;
        // The limit counts what the request may cost the allocator: its size rounded up to
        // its alignment, so a huge alignment is refused before it reaches the allocator.
        self.check_limit(layout.pad_to_align().size())?;
        self.direct
            .try_reserve(1)
            .map_err(|_| BinnedError::AllocFailed)?;
        self.direct_owner
            .try_reserve(1)
            .map_err(|_| BinnedError::AllocFailed)?;
        // Room to list every slot as free, so `free` never allocates.
        self.direct_free
            .try_reserve(self.direct.len() + 1 - self.direct_free.len())
            .map_err(|_| BinnedError::AllocFailed)?;
        let mem = RawBlock::new_zeroed(layout).ok_or(BinnedError::AllocFailed)?;
        // The slot it will take: the most recently freed one, else a new one.
        let i = match self.direct_free.last() {
            Some(&i) => i,
            None => self.direct.len() as u32,
        };
        self.map_direct(i, &mem)
            .map_err(|()| BinnedError::AllocFailed)?;
        self.counters.storage_bytes += size as u64;
        if self.direct_free.pop().is_some() {
            self.direct[i as usize] = Some(mem);
        } else {
            self.direct.push(Some(mem));
            self.direct_owner.push(u32::MAX);
        }
        Ok(i)
    }
}
