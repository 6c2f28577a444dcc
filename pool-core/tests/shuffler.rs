//! Public-API tests of `Shuffler`: handles, pinning, freeing rented blocks, leaked guards,
//! panicking drops during a shuffle, odd types and sizes, memory after compaction.

use std::cell::Cell;
use std::rc::Rc;

use pool_core::shuffler::ShuffleError;
use pool_core::{Handle, RentError, ShuffleHandle, Shuffler};

/// Counts its drops in a shared cell.
#[derive(Debug)]
struct Dropped(Rc<Cell<u32>>);

impl Drop for Dropped {
    fn drop(&mut self) {
        self.0.set(self.0.get() + 1);
    }
}

#[cfg(miri)]
const N: usize = 40;
#[cfg(not(miri))]
const N: usize = 10_000;

#[test]
fn stale_forged_and_foreign_handles_are_rejected() {
    let s: Shuffler<u32> = Shuffler::new();
    let other: Shuffler<u32> = Shuffler::new();
    let h = s.alloc_from_slice(&[1, 2, 3]);
    let foreign = other.create(9);
    assert_eq!(foreign.index(), h.index());
    assert!(!s.contains(foreign));
    assert_eq!(s.rent(foreign).unwrap_err(), RentError::Stale);
    assert!(!s.free(foreign));
    for bits in [0u64, 1, u64::MAX, h.to_bits() ^ (1 << 33), (7 << 32) | 3] {
        if let Some(f) = Handle::from_bits(bits) {
            assert!(f == h || (s.len_of(f).is_none() && s.rent_mut(f).is_err()));
        }
    }
    assert!(s.free(h));
    assert_eq!(s.len_of(h), None);
    let h2 = s.create(5);
    assert_eq!(h2.index(), h.index());
    assert_ne!(h2, h);
    assert_eq!(s.rent(h).unwrap_err(), RentError::Stale);
}

#[test]
fn freeing_a_rented_block_waits_for_its_guard() {
    let drops = Rc::new(Cell::new(0));
    let s = Shuffler::new();
    let h = s.alloc_with(3, |_| Dropped(drops.clone()));
    let g = s.rent(h).unwrap();
    let at = g.as_ptr();
    assert!(s.free(h)); // invalid at once...
    assert!(!s.contains(h));
    assert_eq!(s.rent(h).unwrap_err(), RentError::Stale);
    s.shuffle(); // ...but pinned, alive and unmoved while the guard lives
    assert_eq!((g.as_ptr(), g.len(), drops.get()), (at, 3, 0));
    drop(g);
    assert_eq!(s.stats().pending_frees, 1);
    s.shuffle();
    assert_eq!(drops.get(), 3);
    assert_eq!(s.stats().pending_frees, 0);
}

#[test]
fn a_block_freed_under_several_guards_is_dropped_once_after_the_last() {
    let drops = Rc::new(Cell::new(0));
    let s = Shuffler::new();
    let h = s.alloc_with(2, |_| Dropped(drops.clone()));
    let (g1, g2) = (s.rent(h).unwrap(), s.rent(h).unwrap());
    assert!(s.free(h));
    assert!(!s.free(h));
    assert_eq!(s.stats().pending_frees, 1);
    assert_eq!(s.stats().pinned_blocks, 1);
    drop(g1);
    s.shuffle(); // one guard still out: nothing dropped, nothing reused
    assert_eq!(drops.get(), 0);
    let other = s.create(Dropped(drops.clone()));
    assert_ne!(other.index(), h.index());
    drop(g2);
    assert_eq!((s.stats().pinned_blocks, s.stats().pending_frees), (0, 1));
    s.shuffle();
    assert_eq!((drops.get(), s.stats().pending_frees), (2, 0));
    // The slot is free again, under a new generation; the old handle stays stale.
    let again = s.create(Dropped(drops.clone()));
    assert_eq!(again.index(), h.index());
    assert_ne!(again, h);
    assert_eq!(s.rent(h).unwrap_err(), RentError::Stale);
    drop(s);
    assert_eq!(drops.get(), 4);
}

#[test]
fn a_plain_data_block_freed_while_rented_is_reclaimed_after_its_guard() {
    let s: Shuffler<u64> = Shuffler::new();
    let a = s.alloc_with(8, |i| i as u64);
    let b = s.alloc_with(8, |i| 100 + i as u64);
    let g = s.rent_mut(a).unwrap();
    s.free(a);
    s.shuffle(); // `a` is pinned: `b` stays behind it
    assert_eq!(s.stats().pending_frees, 1);
    drop(g);
    s.shuffle(); // now `a`'s space is free and `b` slides to the front
    assert_eq!(s.stats().pending_frees, 0);
    assert_eq!(s.stats().moved_last, 64);
    assert_eq!(s.rent(b).unwrap()[7], 107);
    assert_eq!(s.create(5).index(), a.index());
}

#[test]
fn leaked_guards_pin_forever_never_dangle() {
    let s: Shuffler<u64> = Shuffler::new();
    let a = s.alloc_with(4, |i| i as u64);
    let b = s.alloc_with(4, |i| 10 + i as u64);
    std::mem::forget(s.rent_mut(a).unwrap());
    assert_eq!(s.rent(a).unwrap_err(), RentError::Busy);
    s.free(a);
    s.shuffle();
    assert_eq!(s.stats().pinned_blocks, 1);
    assert_eq!(&*s.rent(b).unwrap(), &[10, 11, 12, 13]);
    drop(s); // the leaked block's elements are still dropped with the store
}

#[test]
fn a_panicking_drop_during_a_shuffle_never_drops_twice() {
    let drops = Rc::new(Cell::new(0u32));
    #[derive(Debug)]
    struct D(Rc<Cell<u32>>, bool);
    impl Drop for D {
        fn drop(&mut self) {
            self.0.set(self.0.get() + 1);
            if self.1 && !std::thread::panicking() {
                panic!("drop fails");
            }
        }
    }
    let s = Shuffler::new();
    let a = s.alloc_with(3, |i| D(drops.clone(), i == 1));
    let b = s.alloc_with(2, |_| D(drops.clone(), false));
    let c = s.alloc_with(2, |_| D(drops.clone(), false));
    // Pending blocks are dropped newest first: `a` (whose second element panics) first.
    s.free(b);
    s.free(a);
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| s.shuffle()));
    assert!(r.is_err());
    // The panicking block counts as dropped (all three elements were), b is still pending.
    assert_eq!(drops.get(), 3);
    assert_eq!(s.stats().pending_frees, 1);
    s.shuffle();
    assert_eq!(drops.get(), 5);
    assert!(s.contains(c));
    drop(s);
    assert_eq!(drops.get(), 7);
}

#[test]
fn a_panicking_builder_drops_what_it_made() {
    let drops = Rc::new(Cell::new(0u32));
    let s = Shuffler::new();
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        s.alloc_with(5, |i| {
            assert!(i < 3, "builder fails");
            Dropped(drops.clone())
        })
    }));
    assert!(r.is_err());
    assert_eq!((drops.get(), s.len()), (3, 0));
    let h = s.alloc_with(2, |_| Dropped(drops.clone()));
    assert_eq!(s.len_of(h), Some(2));
}

#[test]
fn zero_sized_elements_and_zero_length_blocks() {
    let s: Shuffler<()> = Shuffler::new();
    let h = s.alloc(1000);
    let empty = s.alloc(0);
    assert_eq!((s.len_of(h), s.len_of(empty)), (Some(1000), Some(0)));
    s.free(h);
    s.shuffle();
    assert_eq!(s.rent(empty).unwrap().len(), 0);
    let t: Shuffler<String> = Shuffler::new();
    let z = t.alloc_from_iter(std::iter::empty());
    assert!(t.rent_mut(z).unwrap().is_empty());
}

#[repr(align(64))]
#[derive(Clone, Debug, PartialEq, Default)]
struct Wide(u8);

#[test]
fn over_aligned_elements_stay_aligned_across_shuffles() {
    let s: Shuffler<Wide> = Shuffler::new();
    let n = if cfg!(miri) { 12u8 } else { 50 };
    let hs: Vec<_> = (0..n).map(|i| s.alloc_with(3, |_| Wide(i))).collect();
    for h in hs.iter().step_by(3) {
        s.free(*h);
    }
    s.shuffle();
    for (i, h) in hs.iter().enumerate().filter(|(i, _)| i % 3 != 0) {
        let g = s.rent(*h).unwrap();
        assert_eq!(g.as_ptr() as usize % 64, 0);
        assert_eq!(g[2], Wide(i as u8));
    }
}

#[test]
fn counts_whose_size_overflows_are_errors() {
    let s: Shuffler<u64> = Shuffler::new();
    assert_eq!(
        s.try_alloc_with(usize::MAX / 4, |_| 0).unwrap_err(),
        ShuffleError::SizeOverflow
    );
    assert_eq!(
        s.try_alloc_with(u32::MAX as usize + 1, |_| 0).unwrap_err(),
        ShuffleError::SizeOverflow
    );
    assert!(s.is_empty());
}

#[test]
fn plain_references_and_iteration_follow_storage_order() {
    let mut s: Shuffler<u16> = Shuffler::new();
    let a = s.alloc_from_slice(&[1, 2]);
    let b = s.create(3);
    let c = s.alloc_from_slice(&[4, 5, 6]);
    s.get_mut(b).unwrap()[0] = 30;
    s.free(a);
    s.shuffle();
    let order: Vec<ShuffleHandle<u16>> = s.iter().map(|(h, _)| h).collect();
    assert_eq!(order, [b, c]);
    assert_eq!(s.get(c), Some(&[4, 5, 6][..]));
    assert_eq!(s.get(a), None);
}

#[test]
fn empty_blocks_iterate_last_in_slot_order() {
    let mut s: Shuffler<u16> = Shuffler::new();
    let hs: Vec<ShuffleHandle<u16>> = (0..40).map(|i| s.alloc_with(i % 3, |_| i as u16)).collect();
    // Slots freed and reused, so slot order is not creation order.
    for h in hs.iter().step_by(4) {
        s.free(*h);
    }
    let again: Vec<_> = (0..10).map(|i| s.alloc_with(i % 2, |_| 7)).collect();
    s.shuffle();
    let listed: Vec<(ShuffleHandle<u16>, usize)> = s.iter().map(|(h, b)| (h, b.len())).collect();
    let split = listed.iter().position(|&(_, n)| n == 0).unwrap();
    assert!(
        listed[split..].iter().all(|&(_, n)| n == 0),
        "empty blocks come last"
    );
    let empties: Vec<u32> = listed[split..].iter().map(|(h, _)| h.index()).collect();
    assert!(
        empties.windows(2).all(|w| w[0] < w[1]),
        "by slot: {empties:?}"
    );
    let live = hs.len() - hs.len().div_ceil(4) + again.len();
    assert_eq!(listed.len(), live);
}

#[test]
fn incremental_mode_bounds_each_step() {
    let s: Shuffler<u64> = Shuffler::new();
    let blocks = if cfg!(miri) { 24 } else { 200 };
    let hs: Vec<_> = (0..blocks).map(|i| s.alloc_with(16, |_| i)).collect();
    for h in hs.iter().step_by(2) {
        s.free(*h);
    }
    // Four blocks of work per call.
    s.set_budget(Some(16 * 8 * 4));
    // Rents never compact: the freed blocks stay pending, nothing moves.
    let before = s.stats();
    for _ in 0..blocks {
        drop(s.rent(hs[1]).unwrap());
        drop(s.rent_mut(hs[1]).unwrap());
    }
    assert_eq!(s.stats(), before);
    // Creating and freeing blocks pays for compaction, a bounded step each.
    for _ in 0..blocks {
        let scratch = s.create(0);
        assert!(s.stats().moved_last <= 16 * 8 * 4);
        s.free(scratch);
        assert!(s.stats().moved_last <= 16 * 8 * 4);
    }
    for (i, h) in hs.iter().enumerate().skip(1).step_by(2) {
        assert_eq!(s.rent(*h).unwrap()[15], i as u64);
    }
    // The small steps finished the job: a full shuffle finds nothing left to move.
    s.set_budget(None);
    s.shuffle();
    assert_eq!(s.stats().moved_last, 0);
}

#[test]
fn one_shuffle_brings_resident_close_to_live() {
    let s: Shuffler<u8> = Shuffler::new();
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    let hs: Vec<_> = (0..N)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            s.alloc((x % 200) as usize + 1)
        })
        .collect();
    for (i, h) in hs.iter().enumerate() {
        if (i * 7919) % 2 == 0 {
            s.free(*h);
        }
    }
    s.shuffle();
    let st = s.stats();
    // The last chunk's tail is the only slack left.
    assert!(
        st.resident_bytes as f64 <= st.live_bytes as f64 * 1.10 + 16384.0,
        "{st:?}"
    );
    assert_eq!(st.pending_frees, 0);
}

#[test]
fn a_builder_that_shuffles_re_entrantly_keeps_its_block() {
    let s: Shuffler<u64> = Shuffler::new();
    let old = s.alloc_with(64, |i| i as u64);
    s.free(old);
    // The builder frees, allocates and shuffles while its own block is half built.
    let h = s.alloc_with(100, |i| {
        if i == 50 {
            let tmp = s.alloc_with(10, |j| j as u64);
            s.free(tmp);
            s.shuffle();
        }
        1000 + i as u64
    });
    let g = s.rent(h).unwrap();
    assert!(g.iter().enumerate().all(|(i, &v)| v == 1000 + i as u64));
    drop(g);
    s.shuffle();
    let g = s.rent(h).unwrap();
    assert!(g.iter().enumerate().all(|(i, &v)| v == 1000 + i as u64));
}

#[test]
fn a_step_after_a_complete_compaction_finds_the_holes_made_since() {
    let s: Shuffler<u32> = Shuffler::new();
    let hs: Vec<_> = (0..8).map(|i| s.alloc_with(4, |_| i)).collect();
    s.free(hs[0]);
    s.shuffle();
    assert_eq!(s.stats().moved_last, 7 * 16);
    assert_eq!(s.shuffle_step(usize::MAX), 0); // complete: nothing to move
                                               // A free opens a hole: the next step fills it, also after a step that only had the
                                               // budget to reclaim the freed space.
    s.free(hs[1]);
    assert_eq!(s.shuffle_step(1), 0);
    assert_eq!(s.stats().pending_frees, 0);
    assert_eq!(s.shuffle_step(usize::MAX), 6 * 16);
    // A rented block is in the way: that step is not complete, and once the guard is
    // back the next one moves it (and what follows) into the hole before it.
    let t: Shuffler<u32> = Shuffler::new();
    let (a, b, c) = (t.alloc(4), t.alloc_with(8, |_| 1), t.alloc_with(8, |_| 2));
    t.free(a);
    let g = t.rent(b).unwrap();
    // b is pinned, c does not fit before it.
    assert_eq!(t.shuffle_step(usize::MAX), 0);
    drop(g);
    assert_eq!(t.shuffle_step(usize::MAX), 2 * 8 * 4);
    assert_eq!((t.rent(b).unwrap()[7], t.rent(c).unwrap()[7]), (1, 2));
    // Allocating fills the end: nothing to move, and a budget step stays idle.
    s.set_budget(Some(1024));
    let more: Vec<_> = (0..4).map(|i| s.alloc_with(4, |_| 100 + i)).collect();
    assert_eq!(s.stats().moved_last, 0);
    for (i, h) in hs.iter().enumerate().skip(2) {
        assert_eq!(&*s.rent(*h).unwrap(), &[i as u32; 4]);
    }
    for (i, h) in more.iter().enumerate() {
        assert_eq!(s.rent(*h).unwrap()[0], 100 + i as u32);
    }
}

#[test]
fn a_chunk_made_again_in_a_released_place_is_filled_by_the_next_step() {
    // 16 KiB chunks: 4096 `u32`s each.
    let s: Shuffler<u32> = Shuffler::new();
    let _a = s.alloc(4096); // chunk 0, full
    let b = s.alloc(4096); // chunk 1, full
    let c = s.alloc_with(90, |_| 3); // chunk 2
    let e = s.alloc_with(4000, |_| 5); // chunk 2, 6 elements of room left
    let (gc, ge) = (s.rent(c).unwrap(), s.rent(e).unwrap());
    s.free(b);
    s.shuffle(); // c and e are pinned: chunk 1 is emptied and given back
    assert_eq!(s.stats().chunks, 2);
    drop((gc, ge));
    // Nothing fits before c and e: complete, nothing moved.
    assert_eq!(s.shuffle_step(usize::MAX), 0);
    // No chunk has room for 100: a new one takes chunk 1's place, and c now fits there.
    let d = s.alloc_with(100, |_| 4);
    assert_eq!(s.stats().chunks, 3);
    assert!(
        s.shuffle_step(usize::MAX) >= 90 * 4,
        "c moves into the new chunk's room"
    );
    assert_eq!(
        (
            s.rent(c).unwrap()[89],
            s.rent(d).unwrap()[99],
            s.rent(e).unwrap()[0]
        ),
        (3, 4, 5)
    );
}
