//! `Clone` and iterator conveniences of `Shuffler` and `BinnedAllocator`, as `Pool` has
//! them.

mod common;

use common::{expect_panic, DropCounter};
use pool_core::{BinnedAllocator, Shuffler};

#[test]
fn shuffler_clone_keeps_handles_and_drops_each_element_once() {
    let counter = DropCounter::new();
    {
        let s = Shuffler::with_id(3);
        let a = s.alloc_with(3, |i| counter.make(i as u64));
        let b = s.create(counter.make(10));
        let c = s.alloc_with(2, |i| counter.make(20 + i as u64));
        s.free(b);
        let mut copy = s.clone();
        assert_eq!(copy.get(a).map(|b| b.len()), Some(3));
        assert!(copy.get(b).is_none());
        assert_eq!(copy.get(c).map(|b| b[1].id), Some(21));
        let d = copy.create(counter.make(30));
        assert_ne!(d, b, "a freed handle stays stale in the copy");
        // Iteration from both ends, and mutably.
        let fwd: Vec<_> = copy.iter().map(|(h, _)| h).collect();
        let mut back: Vec<_> = copy.iter().rev().map(|(h, _)| h).collect();
        back.reverse();
        assert_eq!(fwd, back);
        assert_eq!(copy.iter().len(), 3);
        for (_, block) in copy.iter_mut() {
            for e in block {
                e.id += 1000;
            }
        }
        assert_eq!(copy.get(a).map(|b| b[0].id), Some(1000));
        assert_eq!(s.rent(a).unwrap()[0].id, 0, "the original is independent");
        // An exclusively rented block cannot be read, so cloning refuses.
        let _w = s.rent_mut(c).unwrap();
        expect_panic(|| s.clone());
    }
    assert_eq!(counter.dropped(), counter.made());
}

#[test]
fn binned_iteration_and_clone() {
    let mut a = BinnedAllocator::builder()
        .limit(1 << 20)
        .zero_freed(true)
        .build();
    // Smaller blocks under Miri: each class's slab is 64 blocks, and the snapshots below
    // go through every byte of them.
    let step = if cfg!(miri) { 12 } else { 100 };
    let hs: Vec<_> = (0..10).map(|i| a.alloc(i * step + 1)).collect();
    for (i, &h) in hs.iter().enumerate() {
        a.get_mut(h).unwrap()[0] = i as u8;
    }
    a.free(hs[3]);
    let handles: Vec<_> = a.handles().collect();
    assert_eq!(handles.len(), 9);
    assert!(!handles.contains(&hs[3]));
    let firsts: Vec<u8> = a.iter().map(|(_, b)| b[0]).collect();
    assert_eq!(firsts, [0, 1, 2, 4, 5, 6, 7, 8, 9]);
    let mut back: Vec<_> = a.handles().rev().collect();
    back.reverse();
    assert_eq!(back, handles);
    let b = a.clone();
    for (h, bytes) in a.iter() {
        assert_eq!(b.get(h), Some(bytes));
    }
    assert_eq!(b.stats().live_blocks, 9);
    assert!(b.get(hs[3]).is_none());
    assert_eq!(b.snapshot(), a.snapshot(), "same limit, flags and contents");
}
