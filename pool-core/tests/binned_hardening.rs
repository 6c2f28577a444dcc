//! BinnedAllocator regressions: forged counters, restore in linear time, portable
//! snapshots, zeroing freed blocks, custom tables with overflow blocks, and limits on
//! over-aligned blocks.

mod common;

use common::reseal;
use pool_core::size_class::{SizeClass, SizeClassTable};
use pool_core::{BinnedAllocator, BinnedError, BlockHandle, Handle};

/// Byte offsets in a snapshot of the default table: magic, version, table tag, limit and
/// flags come first.
const COUNTERS: usize = 4 + 2 + 1 + 8 + 1;
const ALLOCATIONS: usize = COUNTERS;
const FREES: usize = COUNTERS + 8;
const REJECTED: usize = COUNTERS + 16;
const HISTOGRAM: usize = COUNTERS + 5 * 8;
const TABLE: usize = HISTOGRAM + 64 * 8;
const INSERTS: usize = TABLE + 8;
const REMOVES: usize = TABLE + 16;

fn put(bytes: &mut [u8], at: usize, v: u64) {
    bytes[at..at + 8].copy_from_slice(&v.to_le_bytes());
}

fn get(bytes: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap())
}

fn small_allocator() -> (BinnedAllocator, Vec<BlockHandle>) {
    let mut a = BinnedAllocator::builder().id(5).build();
    let hs: Vec<_> = (0..6).map(|i| a.alloc(1 + i * 3)).collect();
    a.free(hs[1]);
    (a, hs)
}

#[test]
fn the_offsets_above_match_the_format() {
    let (a, _) = small_allocator();
    let snap = a.snapshot();
    assert_eq!((get(&snap, ALLOCATIONS), get(&snap, FREES)), (6, 1));
    assert_eq!((get(&snap, INSERTS), get(&snap, REMOVES)), (6, 1));
}

#[test]
fn forged_counters_near_the_top_are_rejected() {
    let (a, _) = small_allocator();
    let snap = a.snapshot();
    let forgeries: [&[(usize, u64)]; 5] = [
        &[(ALLOCATIONS, u64::MAX), (FREES, u64::MAX - 5)],
        &[(REJECTED, u64::MAX)],
        &[(HISTOGRAM + 3 * 8, u64::MAX)],
        &[(INSERTS, u64::MAX), (REMOVES, u64::MAX - 5)],
        &[(ALLOCATIONS, (1 << 62) + 6), (FREES, (1 << 62) + 1)],
    ];
    for forged in forgeries {
        let mut bad = snap.clone();
        for &(at, v) in forged {
            put(&mut bad, at, v);
        }
        reseal(&mut bad);
        assert!(BinnedAllocator::from_snapshot(&bad).is_err(), "{forged:?}");
    }
}

#[test]
fn counters_at_the_ceiling_keep_counting_without_panicking() {
    let (a, hs) = small_allocator();
    let mut snap = a.snapshot();
    let top = 1u64 << 62;
    put(&mut snap, ALLOCATIONS, top);
    put(&mut snap, FREES, top - 5);
    put(&mut snap, REJECTED, top);
    put(&mut snap, HISTOGRAM + 4 * 8, top);
    put(&mut snap, INSERTS, top);
    put(&mut snap, REMOVES, top - 5);
    reseal(&mut snap);
    let mut b = BinnedAllocator::from_snapshot(&snap).unwrap();
    for i in 0..100 {
        let h = b.alloc(16 + i);
        assert!(b.free(h));
        assert!(!b.free(h));
        assert!(!b.free(hs[1]));
    }
    let s = b.stats();
    assert_eq!(s.live_blocks, 5);
    assert!(s.rejected_frees >= top);
}

#[test]
fn restoring_many_blocks_is_linear() {
    // 80k live and 80k free 16-byte blocks took seconds when every live block searched
    // the free list; the restore is one pass now.
    let n = if cfg!(miri) { 100 } else { 80_000 };
    let mut a = BinnedAllocator::new();
    let hs: Vec<_> = (0..2 * n).map(|_| a.alloc(16)).collect();
    for h in hs.iter().step_by(2) {
        a.free(*h);
    }
    let snap = a.snapshot();
    let b = BinnedAllocator::from_snapshot(&snap).unwrap();
    assert_eq!(b.stats().live_blocks, n as u64);
    assert_eq!(b.snapshot(), snap);
}

/// The operations whose snapshot is kept in `tests/data`.
/// A custom table keeps it small: two classes (one slab each), blocks past 64 bytes in
/// the overflow list, and one over-aligned block.
fn portable_sequence() -> (BinnedAllocator, Vec<BlockHandle>) {
    let table = SizeClassTable::custom(&[16, 64]).unwrap();
    let mut a = BinnedAllocator::builder()
        .id(42)
        .limit(1 << 24)
        .table(table)
        .build();
    let mut hs = Vec::new();
    for i in 0..24usize {
        let size = [1, 17, 100, 300][i % 4] + i;
        let h = a.alloc(size);
        let fill: Vec<u8> = (0..size).map(|j| (i * 31 + j) as u8).collect();
        a.write(h, &fill).unwrap();
        hs.push(h);
    }
    hs.push(a.try_alloc_layout(64, 8192).unwrap());
    for h in hs.iter().skip(3).step_by(3) {
        a.free(*h);
    }
    (a, hs)
}

const GOLDEN: &[u8] = include_bytes!("data/binned_v2.snap");

#[test]
fn snapshots_are_the_same_bytes_on_every_target() {
    // Taken on x86_64; this test runs under Miri on a 32-bit and a big-endian target too.
    let (a, hs) = portable_sequence();
    let snap = a.snapshot();
    if std::env::var_os("TYPED_POOL_BLESS").is_some() {
        std::fs::write(
            concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/binned_v2.snap"),
            &snap,
        )
        .unwrap();
    }
    assert!(
        snap == GOLDEN,
        "this target writes different snapshot bytes"
    );
    let b = BinnedAllocator::from_snapshot(GOLDEN).unwrap();
    for (i, &h) in hs.iter().enumerate() {
        assert_eq!(b.get(h), a.get(h), "block {i}");
    }
    assert_eq!(b.stats(), a.stats());
}

#[test]
fn freed_blocks_travel_in_snapshots_unless_zeroed() {
    let secret = b"hunter2-hunter2-";
    for zero in [false, true] {
        let mut a = BinnedAllocator::builder().zero_freed(zero).build();
        let h = a.alloc(secret.len());
        a.write(h, secret).unwrap();
        a.free(h);
        // An overflow block too (its bytes make the snapshot large: not under Miri).
        if !cfg!(miri) {
            let big = a.alloc(70_000);
            a.get_mut(big).unwrap()[..secret.len()].copy_from_slice(secret);
            a.free(big);
        }
        let snap = a.snapshot();
        let found = snap.windows(secret.len()).any(|w| w == secret);
        assert_eq!(found, !zero, "zero_freed({zero})");
        // The setting survives a restore.
        let mut b = BinnedAllocator::from_snapshot(&snap).unwrap();
        let h = b.alloc(4);
        b.write(h, b"abcd").unwrap();
        b.free(h);
        let again = b.alloc(4);
        assert_eq!(b.get(again) == Some(&[0u8; 4][..]), zero);
    }
}

#[test]
fn a_custom_table_with_overflow_blocks_can_roll_back() {
    let table = SizeClassTable::custom(&[64, 4096]).unwrap();
    let mut a = BinnedAllocator::builder().table(table).build();
    let mid = a.alloc(5000); // no class fits: an overflow block within 64 KiB
    let small = a.try_alloc_layout(8, 4096).unwrap();
    a.write(mid, &[7; 5000]).unwrap();
    let snap = a.snapshot();
    let later = a.alloc(6000);
    a.restore(&snap).unwrap();
    assert_eq!(a.get(mid), Some(&[7u8; 5000][..]));
    assert!(a.contains(small));
    assert_eq!(a.alloc(6000), later);
}

#[test]
fn the_limit_counts_the_alignment_of_over_aligned_blocks() {
    let mut a = BinnedAllocator::builder().limit(1 << 20).build();
    for align in [1usize << 21, 1 << 30, 1 << (usize::BITS - 2)] {
        assert_eq!(
            a.try_alloc_layout(1, align),
            Err(BinnedError::LimitExceeded { limit: 1 << 20 })
        );
    }
    let h = a.try_alloc_layout(1, 8192).unwrap();
    assert_eq!(a.get(h).unwrap().as_ptr() as usize % 8192, 0);
    assert_eq!(a.stats().live_blocks, 1);
}

#[test]
fn zero_sized_layouts_keep_their_alignment() {
    for align in [1usize, 2, 16, 64, 512, 4096] {
        let c = SizeClass::for_layout(0, align).unwrap();
        assert!(c.align() >= align && c.size() >= align, "{align}");
        assert_eq!(c, SizeClass::for_layout(1, align).unwrap());
    }
    #[repr(align(4096))]
    struct Page;
    assert_eq!(SizeClass::of::<Page>().unwrap().align(), 4096);
    let t = SizeClassTable::custom(&[16, 64, 4096]).unwrap();
    assert_eq!(t.class_for(0, 64).map(|c| t.size_of(c)), Some(64));
}

#[test]
fn foreign_and_forged_block_handles_are_rejected() {
    let (mut a, hs) = small_allocator();
    let (mut other, _) = {
        let mut o = BinnedAllocator::builder().id(6).build();
        let h = o.alloc(10);
        (o, h)
    };
    for &h in &hs {
        assert!(other.get(h).is_none());
        assert!(!other.free(h));
    }
    for bits in [0u64, 1, u64::MAX, (3 << 32) | 7] {
        if let Some(h) = Handle::from_bits(bits) {
            assert!(a.get(h).is_none() || a.contains(h));
        }
    }
    assert!(a.free(hs[0]));
}

#[test]
fn version_one_snapshots_are_still_read() {
    let (a, hs) = small_allocator();
    let v2 = a.snapshot();
    // Version 1: no flags byte, a byte-wise FNV-1a checksum.
    let mut v1 = v2[..COUNTERS - 1].to_vec();
    v1[4..6].copy_from_slice(&1u16.to_le_bytes());
    v1.extend_from_slice(&v2[COUNTERS..v2.len() - 8]);
    let sum = v1.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
        (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3)
    });
    v1.extend_from_slice(&sum.to_le_bytes());
    let b = BinnedAllocator::from_snapshot(&v1).unwrap();
    for &h in &hs {
        assert_eq!(b.get(h), a.get(h));
    }
    assert_eq!(b.snapshot(), v2);
}
