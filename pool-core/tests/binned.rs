//! Public-API tests of `BinnedAllocator` and the size classes.

mod common;

use pool_core::size_class::{SizeClass, SizeClassTable, MAX_CLASS_SIZE};
use pool_core::{BinnedAllocator, BinnedError, BlockHandle, Handle, SnapshotError, ViewError};

#[cfg(miri)]
const N: usize = 40;
#[cfg(not(miri))]
const N: usize = 2_000;

/// A deterministic mix: mostly small, a tail up to 64 KiB, a few overflow blocks.
fn size_at(i: usize) -> usize {
    let x = (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 40;
    match i % 50 {
        0 if !cfg!(miri) => 70_000 + (x as usize % 50_000),
        // Under Miri up to 4 KiB: every byte is written and read back, which the
        // interpreter does slowly; the largest classes are covered by other tests there.
        1..=4 => 1 + (x as usize % if cfg!(miri) { 4096 } else { MAX_CLASS_SIZE }),
        _ => 1 + (x as usize % 256),
    }
}

fn run_sequence(id: u32) -> (Vec<u64>, Vec<Vec<u8>>) {
    let mut a = BinnedAllocator::builder().id(id).build();
    let mut live: Vec<BlockHandle> = Vec::new();
    let mut handles = Vec::new();
    for i in 0..N {
        let h = a.alloc(size_at(i));
        let len = a.len(h).unwrap();
        let fill: Vec<u8> = (0..len).map(|j| (i + j) as u8).collect();
        a.write(h, &fill).unwrap();
        handles.push(h.to_bits());
        live.push(h);
        if i % 3 == 2 {
            let victim = live.remove((i * 7) % live.len());
            assert!(a.free(victim));
        }
    }
    let contents = live.iter().map(|&h| a.get(h).unwrap().to_vec()).collect();
    (handles, contents)
}

#[test]
fn same_operations_give_same_handles_and_contents() {
    assert_eq!(run_sequence(5), run_sequence(5));
}

#[test]
fn freed_blocks_are_reused_lifo_per_bin() {
    let mut a = BinnedAllocator::new();
    let hs: Vec<_> = (0..4).map(|_| a.alloc(24)).collect();
    let addr = |a: &BinnedAllocator, h| a.get(h).unwrap().as_ptr() as usize;
    let (p1, p2) = (addr(&a, hs[1]), addr(&a, hs[2]));
    a.free(hs[1]);
    a.free(hs[2]);
    let x = a.alloc(20); // class 24 bins with 24: no; 20 has its own class
    let y = a.alloc(24);
    let z = a.alloc(24);
    assert_eq!(addr(&a, y), p2); // last freed, first reused
    assert_eq!(addr(&a, z), p1);
    assert_ne!(addr(&a, x), p1);
}

#[test]
fn contents_survive_growth_and_never_overlap() {
    let mut a = BinnedAllocator::new();
    let hs: Vec<_> = (0..N)
        .map(|i| {
            let h = a.alloc(size_at(i));
            let len = a.len(h).unwrap();
            a.write(h, &vec![i as u8; len]).unwrap();
            h
        })
        .collect();
    for (i, &h) in hs.iter().enumerate() {
        assert!(a.get(h).unwrap().iter().all(|&b| b == i as u8), "block {i}");
    }
    let mut ranges: Vec<(usize, usize)> = hs
        .iter()
        .map(|&h| {
            let p = a.get(h).unwrap().as_ptr() as usize;
            (p, p + a.block_size(h).unwrap())
        })
        .collect();
    ranges.sort();
    assert!(ranges.windows(2).all(|w| w[0].1 <= w[1].0));
}

#[test]
fn bad_input_gets_clear_errors() {
    let mut a = BinnedAllocator::new();
    assert_eq!(a.try_alloc_aligned(0, 8192), Err(BinnedError::ZeroSize));
    assert_eq!(a.try_alloc_layout(0, 1 << 20), Err(BinnedError::ZeroSize));
    assert_eq!(
        a.stats().allocations,
        0,
        "a refused request changes nothing"
    );
    assert_eq!(a.try_alloc(usize::MAX), Err(BinnedError::SizeOverflow));
    assert_eq!(
        a.try_alloc(isize::MAX as usize),
        Err(BinnedError::SizeOverflow)
    );
    #[cfg(not(miri))] // Miri stops at impossible allocations instead of failing them
    assert_eq!(a.try_alloc(1 << 60), Err(BinnedError::AllocFailed));
    assert_eq!(a.try_alloc_layout(8, 0), Err(BinnedError::BadAlign));
    assert_eq!(a.try_alloc_layout(8, 24), Err(BinnedError::BadAlign));
    assert_eq!(
        a.try_alloc_layout(usize::MAX - 100, 4096),
        Err(BinnedError::SizeOverflow)
    );
    let h = a.alloc(4);
    assert_eq!(
        a.write(h, &[0; 5]),
        Err(BinnedError::TooLong {
            len: 5,
            capacity: 4
        })
    );
    assert!(a.free(h));
    assert_eq!(a.write(h, &[0; 1]), Err(BinnedError::Stale));
    assert!(!a.free(h));
    assert_eq!(a.get(h), None);
    assert_eq!(a.get_mut(h), None);
    assert_eq!(a.len(h), None);
    // Forged and foreign handles.
    let mut other = BinnedAllocator::new();
    let foreign = other.alloc(4);
    let live = a.alloc(4);
    assert_eq!(foreign.index(), live.index());
    assert_eq!(a.get(foreign), None);
    assert!(!a.free(foreign));
    for bits in [0u64, 1, u64::MAX, (3 << 32) | 1, live.to_bits() ^ (1 << 33)] {
        if let Some(f) = Handle::from_bits(bits) {
            assert!(f == live || a.get(f).is_none());
        }
    }
    assert_eq!(a.stats().rejected_frees, 2);
    assert_eq!(a.stats().allocations, 2);
}

/// `alloc(0)`, like `malloc(0)`, gives a block: an empty payload needs no special case.
#[test]
fn empty_blocks_are_ordinary_blocks() {
    let mut a = BinnedAllocator::builder().id(5).build();
    let full = a.alloc(3);
    let empty = a.alloc(0);
    let zeroed = a.alloc_zeroed(0);
    let aligned = a.alloc_aligned(0, 4096);
    let pod = a.alloc_pod(());
    for h in [empty, zeroed, aligned, pod.block()] {
        assert_eq!(a.get(h), Some(&[][..]));
        assert_eq!(a.len(h), Some(0));
        assert_eq!(a.get_mut(h).map(|b| b.len()), Some(0));
        assert_eq!(a.write(h, &[]), Ok(()));
        assert_eq!(
            a.write(h, &[1]),
            Err(BinnedError::TooLong {
                len: 1,
                capacity: 0
            })
        );
        // No byte belongs to an empty block, so no address leads back to it.
        let p = a.get(h).unwrap().as_ptr();
        assert_eq!(a.handle_of(p), None);
    }
    assert_eq!(a.get(aligned).unwrap().as_ptr() as usize % 4096, 0);
    assert_eq!(a.get_as::<()>(pod.block()), Ok(&()));
    let distinct: std::collections::HashSet<_> = [full, empty, zeroed, aligned].into();
    assert_eq!(distinct.len(), 4, "each empty block has its own handle");

    let s = a.stats();
    assert_eq!((s.live_blocks, s.live_bytes), (5, 3));
    assert_eq!(
        s.size_histogram[0], 4,
        "empty blocks count in the first bucket"
    );
    assert_eq!(s.size_histogram[1], 1);

    // Through a snapshot and back, and freed like any other block.
    let snap = a.snapshot();
    let mut b = BinnedAllocator::builder().id(5).build();
    b.restore(&snap).unwrap();
    assert_eq!(b.get(empty), Some(&[][..]));
    assert_eq!(b.stats(), a.stats());
    assert!(a.free(empty));
    assert!(!a.free(empty));
    assert_eq!(a.get(empty), None);
    let again = a.alloc(0);
    assert_ne!(again, empty, "a new block, under a new generation");
    assert_eq!(a.get(again), Some(&[][..]));

    // A table with no class aligned enough sends an empty block to the overflow list.
    let table = SizeClassTable::custom(&[16, 64]).unwrap();
    let mut c = BinnedAllocator::builder()
        .table(table)
        .zero_freed(true)
        .build();
    let h = c.alloc_aligned(0, 256);
    assert_eq!(c.get(h), Some(&[][..]));
    assert_eq!(c.get(h).unwrap().as_ptr() as usize % 256, 0);
    assert_eq!(c.stats().overflow_live, 1);
    let snap = c.snapshot();
    assert!(c.free(h));
    c.restore(&snap).unwrap();
    assert_eq!(c.len(h), Some(0));
    assert!(c.free(h));
}

#[test]
fn storage_limit_is_all_or_nothing() {
    let mut a = BinnedAllocator::builder().limit(8192).build();
    let h = a.alloc(16); // one 4 KiB slab
    let before = a.stats();
    assert_eq!(
        a.try_alloc(10_000),
        Err(BinnedError::LimitExceeded { limit: 8192 })
    );
    assert_eq!(a.stats(), before);
    assert!(a.contains(h));
    // Free blocks of an existing slab need no new storage.
    for _ in 0..100 {
        a.alloc(16);
    }
    assert_eq!(a.stats().storage_bytes, 4096);
}

#[test]
fn overflow_blocks_are_reused_best_fit() {
    let mut a = BinnedAllocator::new();
    let big = a.alloc(300_000);
    let mid = a.alloc(100_000);
    let small = a.alloc(70_000);
    let (pb, pm) = (
        a.get(big).unwrap().as_ptr() as usize,
        a.get(mid).unwrap().as_ptr() as usize,
    );
    a.free(big);
    a.free(mid);
    a.free(small);
    assert_eq!(a.stats().overflow_blocks, 3);
    // 90 KB fits 100 KB and 300 KB; the best fit is 100 KB, though 70 KB was freed last.
    let h = a.alloc(90_000);
    assert_eq!(a.get(h).unwrap().as_ptr() as usize, pm);
    let h2 = a.alloc(200_000);
    assert_eq!(a.get(h2).unwrap().as_ptr() as usize, pb);
    assert_eq!(a.stats().overflow_blocks, 3);
    assert_eq!(a.stats().overflow_live, 2);
}

#[test]
fn a_reused_overflow_block_has_its_new_length() {
    // The length is kept beside the overflow block, not in its table entry: it must follow
    // reuse, clones and snapshots. (Small blocks: a snapshot checksums every byte, which
    // is slow under Miri.)
    let mut a = BinnedAllocator::new();
    let first = a.alloc(70_000);
    a.free(first);
    let h = a.alloc(66_000);
    assert_eq!(a.stats().overflow_blocks, 1);
    for a in [
        a.clone(),
        BinnedAllocator::from_snapshot(&a.snapshot()).unwrap(),
    ] {
        assert_eq!((a.len(h), a.block_size(h)), (Some(66_000), Some(70_000)));
        let p = a.get(h).unwrap().as_ptr();
        assert_eq!(a.get(h).unwrap().len(), 66_000);
        assert_eq!(a.handle_of(p.wrapping_add(65_999)), Some(h));
        assert_eq!(a.handle_of(p.wrapping_add(66_000)), None);
        assert_eq!(a.stats().live_bytes, 66_000);
    }
    assert!(a.free(h));
    assert_eq!(a.stats().live_bytes, 0);
}

#[test]
fn over_aligned_blocks_come_from_the_global_allocator() {
    let mut a = BinnedAllocator::new();
    let h = a.try_alloc_layout(100, 8192).unwrap();
    assert_eq!(a.get(h).unwrap().as_ptr() as usize % 8192, 0);
    assert_eq!(a.get(h).unwrap(), &[0u8; 100][..]);
    assert_eq!(a.stats().direct_live, 1);
    let storage = a.stats().storage_bytes;
    a.free(h);
    assert_eq!(a.stats().storage_bytes, storage - 100);
    for align in [1usize, 2, 8, 64, 512, 4096] {
        let h = a.try_alloc_layout(align + 1, align).unwrap();
        assert_eq!(
            a.get(h).unwrap().as_ptr() as usize % align,
            0,
            "align {align}"
        );
    }
}

#[test]
fn pod_views_check_size_and_alignment() {
    #[derive(Clone, Copy, Debug, PartialEq, bytemuck::Pod, bytemuck::Zeroable)]
    #[repr(C)]
    struct Snap {
        tick: u64,
        pos: [f32; 2],
    }
    let mut a = BinnedAllocator::new();
    let h = a.alloc_pod(Snap {
        tick: 9,
        pos: [1.0, 2.0],
    });
    assert_eq!(a.get_pod(h).unwrap().tick, 9);
    a.get_pod_mut(h).unwrap().pos[1] = 5.0;
    assert_eq!(a.get_as::<Snap>(h.block()).unwrap().pos, [1.0, 5.0]);
    assert_eq!(
        a.get_as::<u64>(h.block()),
        Err(ViewError::Size { block: 16, view: 8 })
    );
    // A 16-byte block of the 20-byte class is only 4-aligned at odd positions.
    let mut unaligned = None;
    for _ in 0..4 {
        let b = a.alloc(20);
        if a.get(b).unwrap().as_ptr() as usize % 8 != 0 {
            unaligned = Some(b);
        }
    }
    let b = unaligned.expect("a 20-byte block at an odd position");
    assert!(matches!(
        a.get_as::<[u64; 2]>(b),
        Err(ViewError::Size { .. }) | Err(ViewError::Align { .. })
    ));
    a.free(h.block());
    assert_eq!(a.get_pod(h), None);
    assert_eq!(a.get_as::<Snap>(h.block()), Err(ViewError::Stale));
}

#[test]
fn stats_add_up() {
    let mut a = BinnedAllocator::new();
    let hs: Vec<_> = (0..N).map(|i| a.alloc(size_at(i))).collect();
    for &h in hs.iter().step_by(2) {
        a.free(h);
    }
    let s = a.stats();
    assert_eq!(s.live_blocks, s.allocations - s.frees);
    assert_eq!(s.live_blocks as usize, N / 2);
    let live_bytes: usize = hs
        .iter()
        .skip(1)
        .step_by(2)
        .map(|&h| a.len(h).unwrap())
        .sum();
    let block_bytes: usize = hs
        .iter()
        .skip(1)
        .step_by(2)
        .map(|&h| a.block_size(h).unwrap())
        .sum();
    assert_eq!(s.live_bytes as usize, live_bytes);
    assert_eq!(s.block_bytes as usize, block_bytes);
    assert_eq!(s.size_histogram.iter().sum::<u64>(), N as u64);
    let bins: usize = (0..a.table().len())
        .map(|c| a.bin_stats(c).unwrap().live)
        .sum();
    assert_eq!(bins as u64 + s.overflow_live + s.direct_live, s.live_blocks);
}

#[test]
fn trim_releases_only_unused_storage() {
    let mut a = BinnedAllocator::new();
    let hs: Vec<_> = (0..300).map(|_| a.alloc(64)).collect();
    let keep = hs[10];
    a.write(keep, &[7; 64]).unwrap();
    for &h in &hs {
        if h != keep {
            a.free(h);
        }
    }
    let before = a.stats().storage_bytes;
    let released = a.trim();
    assert!(released > 0);
    assert_eq!(a.stats().storage_bytes, before - released as u64);
    assert_eq!(a.get(keep), Some(&[7u8; 64][..]));
    let again = a.alloc(64);
    assert_ne!(again, keep);
}

#[test]
fn custom_table_for_exact_compatibility() {
    let coarse = SizeClassTable::custom(&[
        16, 32, 48, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 65536,
    ])
    .unwrap();
    let mut a = BinnedAllocator::builder().table(coarse).build();
    let h = a.alloc(16_385);
    assert_eq!(a.block_size(h), Some(65_536));
    let snap = a.snapshot();
    let b = BinnedAllocator::from_snapshot(&snap).unwrap();
    assert_eq!(b.block_size(h), Some(65_536));
    assert!(!b.table().is_default());
}

#[test]
fn size_class_of_types() {
    assert_eq!(SizeClass::of::<u8>().unwrap().size(), 16);
    assert_eq!(SizeClass::of::<[u8; 17]>().unwrap().size(), 20);
    assert_eq!(SizeClass::of::<[u64; 3]>().unwrap().size(), 24);
    assert!(SizeClass::of::<[u8; MAX_CLASS_SIZE + 1]>().is_none());
}

// === snapshot and restore ===

use common::reseal as fix_checksum;

/// Blocks in `busy_allocator` (one more is over-aligned).
const BUSY: usize = if cfg!(miri) { 5 } else { 24 };

fn busy_allocator() -> (BinnedAllocator, Vec<BlockHandle>) {
    let mut a = BinnedAllocator::builder().id(77).build();
    let mut hs = Vec::new();
    for i in 0..BUSY {
        let size = if i == 5 { 70_000 } else { 1 + i * 7 };
        let h = a.alloc(size);
        a.write(h, &vec![i as u8; size]).unwrap();
        hs.push(h);
    }
    hs.push(a.try_alloc_layout(100, 8192).unwrap());
    for &h in hs.iter().step_by(4) {
        a.free(h);
    }
    (a, hs)
}

#[test]
fn restore_reproduces_handles_and_contents() {
    let (mut a, hs) = busy_allocator();
    let snap = a.snapshot();
    let mut after = Vec::new();
    let n = if cfg!(miri) { 6 } else { 20 };
    for i in 0..n {
        let h = a.alloc(1 + i * 11);
        a.write(h, &[i as u8]).unwrap();
        after.push((h, a.get(h).unwrap().to_vec()));
        if i % 3 == 0 {
            a.free(h);
        }
    }
    a.restore(&snap).unwrap();
    for &h in &hs {
        assert_eq!(a.contains(h), !hs.iter().step_by(4).any(|&f| f == h));
    }
    for (i, (h, contents)) in after.iter().enumerate() {
        let again = a.alloc(1 + i * 11);
        a.write(again, &[i as u8]).unwrap();
        assert_eq!(again, *h);
        assert_eq!(a.get(again).unwrap(), &contents[..]);
        if i % 3 == 0 {
            a.free(again);
        }
    }
    assert_eq!(a.snapshot(), {
        let mut b = BinnedAllocator::from_snapshot(&snap).unwrap();
        for i in 0..n {
            let h = b.alloc(1 + i * 11);
            b.write(h, &[i as u8]).unwrap();
            if i % 3 == 0 {
                b.free(h);
            }
        }
        b.snapshot()
    });
}

#[test]
fn corrupted_snapshots_are_rejected_and_change_nothing() {
    let (mut a, _) = busy_allocator();
    let snap = a.snapshot();
    let before = a.snapshot();
    assert_eq!(a.restore(&[]), Err(SnapshotError::BadMagic));
    assert_eq!(
        a.restore(&snap[..snap.len() - 1]),
        Err(SnapshotError::Checksum)
    );
    let mut v = snap.clone();
    v[4] = 9;
    assert_eq!(a.restore(&v), Err(SnapshotError::UnsupportedVersion(9)));
    let step = if cfg!(miri) { 4_001 } else { 7 };
    for i in (6..snap.len()).step_by(step) {
        let mut bad = snap.clone();
        bad[i] ^= 0x5a;
        assert!(a.restore(&bad).is_err(), "flip at {i} accepted");
    }
    let mut truncated = snap[..snap.len() / 2].to_vec();
    truncated.extend_from_slice(&[0; 8]);
    fix_checksum(&mut truncated);
    assert!(a.restore(&truncated).is_err());
    assert_eq!(a.snapshot(), before);
}

#[test]
fn forged_snapshots_with_valid_checksums_never_break_the_allocator() {
    let (a, _) = busy_allocator();
    let snap = a.snapshot();
    // The handle table starts after the table tag, limit, flags, five counters and the
    // size histogram (free-form numbers): a 32-byte header and 21 bytes per slot. Forge
    // bytes there and re-sign them.
    let start = 6 + 1 + 8 + 1 + 5 * 8 + 64 * 8;
    let end = start + 32 + (BUSY + 1) * 21;
    let step = if cfg!(miri) { 29 } else { 1 };
    let (mut accepted, mut tried) = (0, 0);
    for i in (start..end).step_by(step) {
        // Under Miri two flips per byte: each forgery costs the interpreter seconds.
        let flips: &[u8] = if cfg!(miri) {
            &[0x01, 0xff]
        } else {
            &[0x01, 0x80, 0xff]
        };
        for &flip in flips {
            tried += 1;
            let mut bad = snap.clone();
            bad[i] ^= flip;
            fix_checksum(&mut bad);
            if let Ok(mut b) = BinnedAllocator::from_snapshot(&bad) {
                accepted += 1;
                // Whatever was accepted is a consistent allocator: use it hard.
                let s = b.stats();
                assert_eq!(s.live_blocks, s.allocations - s.frees);
                for bits in 0..if cfg!(miri) { 8 } else { 64u64 } {
                    for g in [1u64, 3, 5] {
                        if let Some(h) = Handle::from_bits((g << 32) | bits) {
                            if let Some(len) = b.len(h) {
                                assert_eq!(b.get(h).unwrap().len(), len);
                                b.write(h, &vec![1; len]).unwrap();
                            }
                        }
                    }
                }
                for i in 0..if cfg!(miri) { 3 } else { 10 } {
                    let h = b.alloc(1 + i * 100);
                    b.write(h, &[3; 1]).unwrap();
                }
            }
        }
    }
    // Some forgeries are consistent (the id, a vacant slot's version, free-block bytes);
    // most must be caught.
    assert!(
        accepted * 2 < tried,
        "accepted {accepted} of {tried} forged snapshots"
    );
}

#[test]
fn aligned_blocks_are_aligned_and_not_zeroed() {
    let mut a = BinnedAllocator::new();
    let sizes: &[usize] = if cfg!(miri) {
        &[1, 17, 100]
    } else {
        &[1, 17, 100, 1000, 5000, 70_000]
    };
    for &size in sizes {
        for shift in 0..=13 {
            let align = 1usize << shift;
            let h = a.try_alloc_aligned(size, align).unwrap();
            let block = a.get_mut(h).unwrap();
            assert_eq!(block.len(), size);
            assert_eq!(
                block.as_ptr() as usize % align,
                0,
                "size {size} align {align}"
            );
            block.fill(0xAB);
            assert!(a.free(h));
            // The same class hands the block back with its old bytes: no zeroing.
            let again = a.alloc_aligned(size, align);
            if align <= 4096 {
                assert!(a.get(again).unwrap().iter().all(|&b| b == 0xAB));
            }
            let z = a.try_alloc_layout(size, align).unwrap();
            assert!(a.get(z).unwrap().iter().all(|&b| b == 0));
            a.free(again);
            a.free(z);
        }
    }
    // Every class is aligned to the largest power of two dividing its size (at most 4 KiB).
    for size in [17, 20, 24, 48, 64, 96, 4096] {
        let h = a.alloc(size);
        let class = a.block_size(h).unwrap();
        let align = (1usize << class.trailing_zeros()).min(4096);
        assert_eq!(a.get(h).unwrap().as_ptr() as usize % align, 0);
        assert_eq!(
            pool_core::size_class::SizeClass::for_layout(size, 1)
                .unwrap()
                .align(),
            align
        );
    }
    assert!(matches!(
        a.try_alloc_aligned(8, 3),
        Err(pool_core::BinnedError::BadAlign)
    ));
}

// === pointer to handle ===

/// Every byte of a block (up to its length) leads back to its handle, for every kind of
/// storage: bins of several classes, an overflow block and an over-aligned block.
#[test]
fn every_byte_of_a_block_leads_back_to_its_handle() {
    let mut a = BinnedAllocator::new();
    let blocks = [
        a.alloc(1),
        a.alloc(17),
        a.alloc(4000),
        a.alloc(70_000),
        a.alloc_aligned(300, 8192),
    ];
    for h in blocks {
        let bytes = a.get(h).unwrap();
        let (p, len) = (bytes.as_ptr(), bytes.len());
        let step = if cfg!(miri) { len / 3 + 1 } else { 1 };
        for i in (0..len).step_by(step).chain([len - 1]) {
            assert_eq!(a.handle_of(p.wrapping_add(i)), Some(h), "byte {i} of {len}");
        }
        // Past the length (the rest of the 20-byte class, of the slab, of the page):
        // nothing, or the next block.
        let past = a.handle_of(p.wrapping_add(len));
        assert!(past.is_none() || past.is_some_and(|o| o != h));
    }
    // 17 bytes in a 20-byte class: bytes 17..20 belong to no block.
    let p = a.get(blocks[1]).unwrap().as_ptr();
    assert_eq!(a.handle_of(p.wrapping_add(18)), None);
}

#[test]
fn freed_reused_and_foreign_addresses_give_no_stale_handle() {
    let mut a = BinnedAllocator::new();
    let h = a.alloc(64);
    let p = a.get(h).unwrap().as_ptr();
    assert!(a.free(h));
    assert_eq!(a.handle_of(p), None);
    // LIFO reuse: the same bytes, a new handle, and only the new one comes back.
    let h2 = a.alloc(64);
    assert_eq!(a.get(h2).unwrap().as_ptr(), p);
    assert_eq!(a.handle_of(p), Some(h2));
    // Addresses that are not this allocator's storage.
    let on_stack = 0u8;
    let mut other = BinnedAllocator::new();
    let elsewhere = other.alloc(64);
    let q = other.get(elsewhere).unwrap().as_ptr();
    for foreign in [
        core::ptr::null(),
        &on_stack as *const u8,
        q,
        core::ptr::without_provenance(usize::MAX),
    ] {
        assert_eq!(a.handle_of(foreign), None);
    }
    assert_eq!(other.handle_of(q), Some(elsewhere));
    // An over-aligned block freed gives its memory back: its address is unknown again.
    let d = a.alloc_aligned(100, 1 << 14);
    let pd = a.get(d).unwrap().as_ptr();
    assert_eq!(a.handle_of(pd), Some(d));
    a.free(d);
    assert_eq!(a.handle_of(pd), None);
}

#[test]
fn lookups_follow_trim_restore_and_clone() {
    let mut a = BinnedAllocator::new();
    let keep = a.alloc(32);
    let many: Vec<_> = (0..200).map(|_| a.alloc(32)).collect();
    let big = a.alloc(100_000);
    let far = a.get(*many.last().unwrap()).unwrap().as_ptr();
    let big_p = a.get(big).unwrap().as_ptr();
    for h in many {
        a.free(h);
    }
    a.free(big);
    assert!(a.trim() > 0);
    // Released storage: its addresses name nothing (only compared, never read).
    assert_eq!((a.handle_of(far), a.handle_of(big_p)), (None, None));
    let kp = a.get(keep).unwrap().as_ptr();
    assert_eq!(a.handle_of(kp), Some(keep));

    // A restore lays storage out anew: the same handles, found from the new addresses.
    let snap = a.snapshot();
    let extra = a.alloc(32);
    a.restore(&snap).unwrap();
    assert!(!a.contains(extra));
    let kp2 = a.get(keep).unwrap().as_ptr();
    assert_eq!(a.handle_of(kp2), Some(keep));
    let b = a.clone();
    let bp = b.get(keep).unwrap().as_ptr();
    assert_ne!(bp, kp2);
    assert_eq!((b.handle_of(bp), b.handle_of(kp2)), (Some(keep), None));
    assert_eq!(a.handle_of(bp), None);
}

#[test]
fn bookkeeping_bytes_count_the_tables_not_the_storage() {
    let mut a = BinnedAllocator::new();
    let empty = a.bookkeeping_bytes();
    let hs: Vec<_> = (0..10_000).map(|i| a.alloc(16 + i % 200)).collect();
    let (s, book) = (a.stats(), a.bookkeeping_bytes());
    // At least a handle-table slot and an owner-map entry per block, and the page map.
    assert!(book >= empty + 10_000 * 12);
    assert!((book as u64) < s.storage_bytes);
    for h in hs {
        a.free(h);
    }
    // Freeing keeps the tables (they are reused); the storage stays too until `trim`.
    assert!(a.bookkeeping_bytes() >= book);
    assert_eq!(a.stats().storage_bytes, s.storage_bytes);
}

#[test]
#[cfg_attr(
    miri,
    ignore = "the page map's size depends on where Miri places the slabs"
)]
fn small_blocks_cost_at_most_27_bookkeeping_bytes_each() {
    // A 16-byte table slot (a one-word entry, its generation and link), a 4-byte owner,
    // 4 bytes of free-list room, an occupancy bit and the page map: about 25.6 bytes. A
    // two-word entry made it 33.4.
    let n = 16_384;
    let mut a = BinnedAllocator::new();
    let empty = a.bookkeeping_bytes();
    for _ in 0..n {
        a.alloc(16);
    }
    let per_block = (a.bookkeeping_bytes() - empty) as f64 / n as f64;
    assert!(per_block <= 27.0, "{per_block} bytes of tables a block");
}
