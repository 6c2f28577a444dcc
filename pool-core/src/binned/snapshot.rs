//! Snapshot and restore of a [`BinnedAllocator`]'s whole state.
//!
//! Format (little endian, fixed-width integers, nothing sized by the target's pointer
//! width, so a snapshot taken on one machine restores on any other): magic `TPBA`,
//! version `u16`, then the table, limit, flags, counters, handle table, bins (with their
//! slab bytes), overflow and over-aligned blocks, and last a 64-bit checksum of everything
//! before it (FNV-1a over 64-bit words). Version 1 (without the flags byte, with a
//! byte-wise FNV-1a checksum) is still read.
//!
//! `restore` treats the bytes as untrusted: besides the checksum (which only catches
//! accidents; anyone can reseal forged bytes) it checks every index, every free list,
//! every cross-reference and every counter before it allocates anything, in time linear
//! in the snapshot's size; every allocation it makes is fallible; a rejected snapshot
//! changes nothing; and nothing an accepted snapshot holds can make a later operation
//! panic or overflow.

use alloc::vec::Vec;
use core::alloc::Layout;

use super::page_map::PageMap;
use super::stats::Counters;
use super::storage::{Big, Bin, RawBlock};
use super::{BinnedAllocator, Entry, Loc, HISTOGRAM_BUCKETS};
use crate::error::SnapshotError;
use crate::pool::raw::{RawPool, RawSlot, COUNTER_CEILING, OUT_OF_MEMORY};
use crate::size_class::{SizeClassTable, MAX_CLASS_ALIGN, MAX_CLASS_SIZE};
use crate::Pool;

const MAGIC: &[u8; 4] = b"TPBA";
const VERSION: u16 = 2;

/// Flag bit: the allocator zeroes freed blocks.
const FLAG_ZERO_FREED: u8 = 1;

/// A vector with room for `n` items, or `AllocFailed` (never an abort).
fn try_vec<T>(n: usize) -> R<Vec<T>> {
    let mut v = Vec::new();
    v.try_reserve_exact(n)
        .map_err(|_| SnapshotError::AllocFailed)?;
    Ok(v)
}

/// `n` flags, all `false`, or `AllocFailed`.
fn try_flags(n: usize) -> R<Vec<bool>> {
    let mut v = try_vec(n)?;
    v.resize(n, false);
    Ok(v)
}

/// Checks that a counter restored from a snapshot has room to count on.
fn counter(v: u64) -> R<u64> {
    if v > COUNTER_CEILING {
        return corrupt("counter out of range");
    }
    Ok(v)
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// The checksum of version 1: FNV-1a 64 over bytes.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .fold(FNV_OFFSET, |h, &b| (h ^ b as u64).wrapping_mul(FNV_PRIME))
}

/// The checksum of version 2: the FNV-1a step over little-endian 64-bit words, then the
/// tail bytes. Each step is a bijection of the running value, so any change to a single
/// word is always caught; it detects accidents, not forgeries.
fn checksum(bytes: &[u8]) -> u64 {
    let mut words = bytes.chunks_exact(8);
    let mut h = FNV_OFFSET;
    for w in &mut words {
        let mut a = [0u8; 8];
        a.copy_from_slice(w);
        h = (h ^ u64::from_le_bytes(a)).wrapping_mul(FNV_PRIME);
    }
    words
        .remainder()
        .iter()
        .fold(h, |h, &b| (h ^ b as u64).wrapping_mul(FNV_PRIME))
}

// === writing ===

struct Writer(Vec<u8>);

impl Writer {
    fn u8(&mut self, v: u8) {
        self.0.push(v);
    }
    fn u16(&mut self, v: u16) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn bytes(&mut self, b: &[u8]) {
        self.0.extend_from_slice(b);
    }
}

// === reading ===

struct Reader<'a> {
    rest: &'a [u8],
}

type R<T> = Result<T, SnapshotError>;

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> R<&'a [u8]> {
        if self.rest.len() < n {
            return Err(SnapshotError::Truncated);
        }
        let (head, tail) = self.rest.split_at(n);
        self.rest = tail;
        Ok(head)
    }
    fn u8(&mut self) -> R<u8> {
        Ok(self.take(1)?[0])
    }
    fn u32(&mut self) -> R<u32> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn u64(&mut self) -> R<u64> {
        let b = self.take(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(u64::from_le_bytes(a))
    }
    fn usize(&mut self) -> R<usize> {
        usize::try_from(self.u64()?).map_err(|_| SnapshotError::Corrupt("size out of range"))
    }
    /// A count of items that each take at least `min_bytes`, checked against what is left
    /// so that a forged count cannot make us allocate absurd amounts.
    fn count(&mut self, min_bytes: usize) -> R<usize> {
        let n = self.u32()? as usize;
        if n.saturating_mul(min_bytes) > self.rest.len() {
            return Err(SnapshotError::Truncated);
        }
        Ok(n)
    }
}

fn corrupt<T>(what: &'static str) -> R<T> {
    Err(SnapshotError::Corrupt(what))
}

impl BinnedAllocator {
    /// Writes the whole state (contents, free lists, handles, counters) to bytes.
    ///
    /// The bytes hold whole slabs: freed blocks and the bytes past each block's length
    /// travel with it, whatever they last held. Build the allocator with
    /// [`zero_freed`](super::BinnedBuilder::zero_freed) if freed data must not leave in a
    /// snapshot. The format does not depend on the target: a snapshot restores on any
    /// pointer width and byte order.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut a = pool_core::BinnedAllocator::new();
    /// let h = a.alloc(4);
    /// a.write(h, b"data").unwrap();
    /// let snap = a.snapshot();
    /// let b = pool_core::BinnedAllocator::from_snapshot(&snap).unwrap();
    /// assert_eq!(b.get(h), Some(&b"data"[..]));
    /// ```
    pub fn snapshot(&self) -> Vec<u8> {
        let mut w = Writer(Vec::new());
        w.bytes(MAGIC);
        w.u16(VERSION);
        // Table.
        if self.table.is_default() {
            w.u8(0);
        } else {
            w.u8(1);
            w.u32(self.table.len() as u32);
            for c in 0..self.table.len() {
                w.u32(self.table.size_of(c) as u32);
            }
        }
        w.u64(self.limit.map_or(u64::MAX, |l| l as u64));
        w.u8(if self.zero_freed { FLAG_ZERO_FREED } else { 0 });
        // Counters.
        let c = &self.counters;
        for v in [
            c.allocations,
            c.frees,
            c.rejected_frees,
            c.live_bytes,
            c.block_bytes,
        ] {
            w.u64(v);
        }
        for &v in &c.histogram {
            w.u64(v);
        }
        // Handle table.
        let raw = self.entries.export();
        w.u32(raw.id);
        w.u32(raw.free_head);
        w.u64(raw.inserts);
        w.u64(raw.removes);
        w.u32(raw.high_water);
        w.u32(raw.slots.len() as u32);
        for s in &raw.slots {
            w.u32(s.version);
            match s.value {
                Some(e) => {
                    w.u64(self.len_of(&e) as u64);
                    let (tag, a, b) = match e.loc() {
                        Loc::Bin { class, block } => (0, class as u32, block),
                        Loc::Overflow(i) => (1, i, 0),
                        Loc::Direct(i) => (2, i, 0),
                    };
                    w.u8(tag);
                    w.u32(a);
                    w.u32(b);
                }
                None => {
                    w.u64(0);
                    w.u8(3);
                    w.u32(s.next_free);
                    w.u32(0);
                }
            }
        }
        // Bins.
        for bin in &self.bins {
            w.u32(bin.next_unused);
            w.u32(bin.high_water);
            w.u32(bin.slabs.len() as u32);
            w.u32(bin.free.len() as u32);
            for &b in &bin.free {
                w.u32(b);
            }
            for slab in &bin.slabs {
                w.bytes(slab.bytes(0, slab.size()));
            }
        }
        // Overflow.
        w.u32(self.overflow.len() as u32);
        for big in &self.overflow {
            w.u64(big.mem.size() as u64);
            w.u8(big.in_use as u8);
            w.bytes(big.mem.bytes(0, big.mem.size()));
        }
        // Over-aligned blocks.
        w.u32(self.direct.len() as u32);
        for d in &self.direct {
            match d {
                Some(mem) => {
                    w.u8(1);
                    w.u64(mem.size() as u64);
                    w.u64(mem.align() as u64);
                    w.bytes(mem.bytes(0, mem.size()));
                }
                None => w.u8(0),
            }
        }
        w.u32(self.direct_free.len() as u32);
        for &i in &self.direct_free {
            w.u32(i);
        }
        let sum = checksum(&w.0);
        w.u64(sum);
        w.0
    }

    /// Replaces the whole state with a snapshot's; after it, the same operations give the
    /// same handles and contents as they did after the snapshot was taken.
    ///
    /// That is what determinism means here, and it re-issues handles: a handle obtained
    /// after the snapshot was taken and held across `restore` stops resolving (its block
    /// does not exist in the restored state), and once the same allocations run again it
    /// resolves again, to the block those allocations made, which may hold different
    /// data. Drop such handles when you roll back.
    ///
    /// # Errors
    ///
    /// A [`SnapshotError`] if the bytes are not a valid snapshot (wrong magic or version,
    /// truncated, checksum mismatch, or any inconsistency), or memory cannot be had. On
    /// error nothing changes.
    ///
    /// # Examples
    ///
    /// ```
    /// use pool_core::{BinnedAllocator, SnapshotError};
    /// let mut a = BinnedAllocator::new();
    /// let mut snap = a.snapshot();
    /// a.alloc(8);
    /// snap[10] ^= 1; // corrupted in transit
    /// assert_eq!(a.restore(&snap), Err(SnapshotError::Checksum));
    /// assert_eq!(a.stats().live_blocks, 1); // unchanged
    /// ```
    pub fn restore(&mut self, bytes: &[u8]) -> Result<(), SnapshotError> {
        #[allow(unused_mut)] // only changed in debug mode
        let mut old = core::mem::replace(self, Self::from_snapshot(bytes)?);
        // Blocks rolled back by a restore are not leaks: forget them before `old` drops.
        #[cfg(feature = "debug")]
        old.entries.clear();
        drop(old);
        Ok(())
    }

    /// Builds an allocator from a snapshot; see [`restore`](Self::restore).
    ///
    /// # Errors
    ///
    /// As [`restore`](Self::restore).
    ///
    /// # Examples
    ///
    /// ```
    /// let a = pool_core::BinnedAllocator::new();
    /// assert!(pool_core::BinnedAllocator::from_snapshot(&a.snapshot()).is_ok());
    /// assert!(pool_core::BinnedAllocator::from_snapshot(&[]).is_err());
    /// ```
    pub fn from_snapshot(bytes: &[u8]) -> Result<Self, SnapshotError> {
        if bytes.len() < MAGIC.len() + 2 || &bytes[..4] != MAGIC {
            return Err(SnapshotError::BadMagic);
        }
        let version = u16::from_le_bytes([bytes[4], bytes[5]]);
        if version != VERSION && version != 1 {
            return Err(SnapshotError::UnsupportedVersion(version));
        }
        if bytes.len() < 14 {
            return Err(SnapshotError::Truncated);
        }
        let (body, sum) = bytes.split_at(bytes.len() - 8);
        let mut s = [0u8; 8];
        s.copy_from_slice(sum);
        let expected = if version == 1 {
            fnv1a(body)
        } else {
            checksum(body)
        };
        if expected != u64::from_le_bytes(s) {
            return Err(SnapshotError::Checksum);
        }
        let mut r = Reader { rest: &body[6..] };
        let a = decode(&mut r, version)?;
        if !r.rest.is_empty() {
            return corrupt("trailing bytes");
        }
        Ok(a)
    }
}

/// Decodes and validates; allocates storage only after every check passed.
fn decode(r: &mut Reader<'_>, version: u16) -> R<BinnedAllocator> {
    let table = match r.u8()? {
        0 => SizeClassTable::default(),
        1 => {
            let n = r.count(4)?;
            let mut sizes = try_vec(n)?;
            for _ in 0..n {
                sizes.push(r.u32()?);
            }
            SizeClassTable::try_custom(&sizes)
                .map_err(|()| SnapshotError::AllocFailed)?
                .ok_or(SnapshotError::Corrupt("bad size-class table"))?
        }
        _ => return corrupt("bad table tag"),
    };
    // A limit past this target's address space limits nothing.
    let limit = match r.u64()? {
        u64::MAX => None,
        l => Some(usize::try_from(l).unwrap_or(usize::MAX)),
    };
    let zero_freed = if version >= 2 {
        match r.u8()? {
            0 => false,
            FLAG_ZERO_FREED => true,
            _ => return corrupt("unknown flags"),
        }
    } else {
        false
    };
    let mut counters = Counters {
        allocations: counter(r.u64()?)?,
        frees: counter(r.u64()?)?,
        rejected_frees: counter(r.u64()?)?,
        live_bytes: r.u64()?,
        block_bytes: r.u64()?,
        ..Counters::default()
    };
    for slot in counters.histogram.iter_mut().take(HISTOGRAM_BUCKETS) {
        *slot = counter(r.u64()?)?;
    }

    // Handle table.
    let id = r.u32()?;
    let free_head = r.u32()?;
    let inserts = r.u64()?;
    let removes = r.u64()?;
    let high_water = r.u32()?;
    let n = r.count(21)?;
    let mut slots = try_vec(n)?;
    // Each live block's location and requested length, in table order.
    let mut lens: Vec<(Loc, usize)> = try_vec(n)?;
    for _ in 0..n {
        let version = r.u32()?;
        let len = r.usize()?;
        let tag = r.u8()?;
        let (a, b) = (r.u32()?, r.u32()?);
        let (value, next_free) = match tag {
            3 => (None, a),
            _ => {
                let loc = match tag {
                    0 if a < 256 => Loc::Bin {
                        class: a as u8,
                        block: b,
                    },
                    1 => Loc::Overflow(a),
                    2 => Loc::Direct(a),
                    _ => return corrupt("bad block location"),
                };
                if matches!(loc, Loc::Bin { .. }) && len > MAX_CLASS_SIZE {
                    return corrupt("block longer than its storage");
                }
                lens.push((loc, len));
                (Some(Entry::at(loc, len)), 0)
            }
        };
        slots.push(RawSlot {
            version,
            value,
            next_free,
        });
    }
    let entries = Pool::import(RawPool {
        id,
        free_head,
        inserts,
        removes,
        high_water,
        slots,
    })
    .map_err(|e| match e {
        OUT_OF_MEMORY => SnapshotError::AllocFailed,
        e => SnapshotError::Corrupt(e),
    })?;
    if counters.allocations.checked_sub(counters.frees) != Some(lens.len() as u64) {
        return corrupt("allocation counts do not match the live blocks");
    }

    // Bins: free lists and layout first, bytes after.
    struct BinPlan<'a> {
        next_unused: u32,
        high_water: u32,
        free: Vec<u32>,
        /// `is_free[b]`: block `b` is on the free list (a linear-time membership test).
        is_free: Vec<bool>,
        slabs: Vec<&'a [u8]>,
    }
    let mut plans = try_vec(table.len())?;
    for c in 0..table.len() {
        let bin = Bin::new(table.size_of(c));
        let next_unused = r.u32()?;
        let high_water = r.u32()?;
        let slab_count = r.count(bin.slab_bytes())?;
        let free_count = r.count(4)?;
        if next_unused as usize > slab_count * bin.per_slab {
            return corrupt("bin hands out blocks past its slabs");
        }
        if free_count > next_unused as usize {
            return corrupt("bad bin free list");
        }
        let mut is_free = try_flags(next_unused as usize)?;
        // Room for every block handed out, so a later `free` never allocates.
        let mut free = try_vec(next_unused as usize)?;
        for _ in 0..free_count {
            let b = r.u32()?;
            if b >= next_unused || core::mem::replace(&mut is_free[b as usize], true) {
                return corrupt("bad bin free list");
            }
            free.push(b);
        }
        let mut slabs = try_vec(slab_count)?;
        for _ in 0..slab_count {
            slabs.push(r.take(bin.slab_bytes())?);
        }
        plans.push(BinPlan {
            next_unused,
            high_water,
            free,
            is_free,
            slabs,
        });
    }
    let overflow_count = r.count(9)?;
    let mut overflow_plan = try_vec(overflow_count)?;
    for _ in 0..overflow_count {
        let size = r.usize()?;
        let in_use = match r.u8()? {
            0 => false,
            1 => true,
            _ => return corrupt("bad overflow flag"),
        };
        // Any size may be an overflow block: a custom table sends sizes no class fits
        // there, and alignment can send small ones.
        if size == 0 {
            return corrupt("empty overflow block");
        }
        overflow_plan.push((in_use, r.take(size)?));
    }
    let direct_count = r.count(1)?;
    let mut direct_plan = try_vec(direct_count)?;
    for _ in 0..direct_count {
        direct_plan.push(match r.u8()? {
            0 => None,
            1 => {
                let size = r.usize()?;
                let align = r.usize()?;
                let layout = Layout::from_size_align(size, align)
                    .map_err(|_| SnapshotError::Corrupt("bad over-aligned layout"))?;
                if align <= MAX_CLASS_ALIGN || size == 0 {
                    return corrupt("over-aligned block is not over-aligned");
                }
                Some((layout, r.take(size)?))
            }
            _ => return corrupt("bad over-aligned flag"),
        });
    }
    let direct_free_count = r.count(4)?;
    // Room for every slot, so a later `free` never allocates.
    let mut direct_free = try_vec(direct_plan.len())?;
    let mut direct_listed = try_flags(direct_plan.len())?;
    for _ in 0..direct_free_count {
        let i = r.u32()? as usize;
        if i >= direct_plan.len()
            || direct_plan[i].is_some()
            || core::mem::replace(&mut direct_listed[i], true)
        {
            return corrupt("bad over-aligned free list");
        }
        direct_free.push(i as u32);
    }
    if direct_listed
        .iter()
        .zip(&direct_plan)
        .any(|(l, d)| !l && d.is_none())
    {
        return corrupt("freed over-aligned slot missing from its free list");
    }

    // Every live entry names a distinct live block, and every block is live or free.
    let mut bin_used: Vec<Vec<bool>> = try_vec(plans.len())?;
    for p in &plans {
        bin_used.push(try_flags(p.next_unused as usize)?);
    }
    let mut overflow_used = try_flags(overflow_plan.len())?;
    let mut direct_used = try_flags(direct_plan.len())?;
    let (mut live_bytes, mut block_bytes) = (0u64, 0u64);
    // Each overflow block's requested length, for the blocks live entries name.
    let mut overflow_len = try_vec(overflow_plan.len())?;
    overflow_len.resize(overflow_plan.len(), 0);
    for &(loc, len) in &lens {
        let capacity = match loc {
            Loc::Bin { class, block } => {
                let c = class as usize;
                let used = bin_used
                    .get_mut(c)
                    .ok_or(SnapshotError::Corrupt("bad class"))?;
                let slot = used
                    .get_mut(block as usize)
                    .ok_or(SnapshotError::Corrupt("block past its bin"))?;
                if core::mem::replace(slot, true) || plans[c].is_free[block as usize] {
                    return corrupt("block is live twice, or live and free");
                }
                table.size_of(c)
            }
            Loc::Overflow(i) => {
                let i = i as usize;
                match overflow_plan.get(i) {
                    Some((true, b)) if !core::mem::replace(&mut overflow_used[i], true) => {
                        overflow_len[i] = len;
                        b.len()
                    }
                    _ => return corrupt("bad overflow reference"),
                }
            }
            Loc::Direct(i) => {
                let i = i as usize;
                match direct_plan.get(i) {
                    Some(Some((layout, _))) if !core::mem::replace(&mut direct_used[i], true) => {
                        if len != layout.size() {
                            return corrupt("over-aligned block length mismatch");
                        }
                        layout.size()
                    }
                    _ => return corrupt("bad over-aligned reference"),
                }
            }
        };
        if len > capacity {
            return corrupt("block longer than its storage");
        }
        live_bytes += len as u64;
        block_bytes += capacity as u64;
    }
    for (c, plan) in plans.iter().enumerate() {
        let live_here = bin_used[c].iter().filter(|&&u| u).count();
        if live_here + plan.free.len() != plan.next_unused as usize {
            return corrupt("bin block neither live nor free");
        }
        // Free blocks are reused before unused ones, so every block below `next_unused`
        // was live at once at some point: the high water is at least that.
        if plan.high_water < plan.next_unused {
            return corrupt("bin high water below its blocks in use");
        }
    }
    if overflow_plan
        .iter()
        .zip(&overflow_used)
        .any(|((in_use, _), used)| in_use != used)
    {
        return corrupt("overflow block use flag mismatch");
    }
    if direct_plan
        .iter()
        .zip(&direct_used)
        .any(|(d, used)| d.is_some() != *used)
    {
        return corrupt("over-aligned block not referenced");
    }
    if live_bytes != counters.live_bytes || block_bytes != counters.block_bytes {
        return corrupt("byte counters do not match the live blocks");
    }

    // Everything checks out: allocate and copy.
    let mut storage = 0u64;
    let mut bins = try_vec(plans.len())?;
    for (c, plan) in plans.into_iter().enumerate() {
        let mut bin = Bin::new(table.size_of(c));
        for bytes in plan.slabs {
            bin.grow().ok_or(SnapshotError::AllocFailed)?;
            let slab = bin.slabs.last_mut().ok_or(SnapshotError::AllocFailed)?;
            slab.bytes_mut(0, bytes.len()).copy_from_slice(bytes);
            storage += bytes.len() as u64;
        }
        bin.next_unused = plan.next_unused;
        bin.high_water = plan.high_water;
        bin.free = plan.free;
        bins.push(bin);
    }
    let mut overflow = try_vec(overflow_plan.len())?;
    for ((in_use, bytes), len) in overflow_plan.into_iter().zip(overflow_len) {
        let layout = Layout::from_size_align(bytes.len(), MAX_CLASS_ALIGN)
            .map_err(|_| SnapshotError::Corrupt("overflow block too large"))?;
        let mut mem = RawBlock::new_zeroed(layout).ok_or(SnapshotError::AllocFailed)?;
        mem.bytes_mut(0, bytes.len()).copy_from_slice(bytes);
        storage += bytes.len() as u64;
        overflow.push(Big {
            mem,
            in_use,
            len,
            owner: u32::MAX,
        });
    }
    let mut direct = try_vec(direct_plan.len())?;
    for d in direct_plan {
        direct.push(match d {
            None => None,
            Some((layout, bytes)) => {
                let mut mem = RawBlock::new_zeroed(layout).ok_or(SnapshotError::AllocFailed)?;
                mem.bytes_mut(0, bytes.len()).copy_from_slice(bytes);
                storage += bytes.len() as u64;
                Some(mem)
            }
        });
    }
    if limit.is_some_and(|l| storage > l as u64) {
        return Err(SnapshotError::AllocFailed);
    }
    counters.storage_bytes = storage;
    counters.overflow_live = overflow.iter().filter(|b| b.in_use).count() as u64;
    let mut a = BinnedAllocator {
        table,
        bins,
        overflow,
        direct,
        direct_owner: Vec::new(),
        direct_free,
        entries,
        pages: PageMap::default(),
        limit,
        zero_freed,
        counters,
    };
    // The pointer-lookup bookkeeping is derived, not stored: rebuild it.
    if a.index_storage().is_err() {
        // Never handed to anyone: its blocks are not leaks to report on drop.
        #[cfg(feature = "debug")]
        a.entries.clear();
        return Err(SnapshotError::AllocFailed);
    }
    Ok(a)
}
