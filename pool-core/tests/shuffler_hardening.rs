//! Shuffler regressions: panicking `Drop`s inside budget steps and at drop, chunk reuse,
//! byte-sized chunks, lying size hints and zero-length blocks.

mod common;

use common::{expect_panic, DropCounter};
use pool_core::{RentError, Shuffler};

/// A shuffler with a budget and one freed block whose element panics in `Drop`.
fn with_panicking_pending(
    counter: &DropCounter,
) -> (
    Shuffler<common::Counted>,
    pool_core::ShuffleHandle<common::Counted>,
) {
    let s = Shuffler::new();
    let keep = s.create(counter.make(1));
    let doomed = s.create(counter.make_panicking(2));
    s.free(doomed);
    s.set_budget(Some(1 << 20));
    (s, keep)
}

#[test]
fn rents_run_no_budget_step_and_no_user_code() {
    let counter = DropCounter::new();
    let (s, keep) = with_panicking_pending(&counter);
    // The panicking element stays pending: no rent and no guard return drops it.
    for _ in 0..3 {
        drop(s.rent(keep).unwrap());
        drop(s.rent_mut(keep).unwrap());
    }
    assert_eq!(s.stats().pending_frees, 1);
    assert_eq!(counter.dropped(), 0);
    expect_panic(|| s.shuffle());
    drop(s);
    assert_eq!(counter.dropped(), counter.made());
}

#[test]
fn a_panicking_drop_in_an_alloc_budget_step_creates_nothing() {
    let counter = DropCounter::new();
    let (s, keep) = with_panicking_pending(&counter);
    let before = s.len();
    expect_panic(|| s.create(counter.make(3)));
    // The step ran before anything was reserved: no new block, no pin, the value the
    // caller passed was dropped with the closure.
    assert_eq!(s.len(), before);
    assert_eq!(s.stats().pinned_blocks, 0);
    assert!(s.rent_mut(keep).is_ok());
    // The panicking block counts as dropped: the next step goes on.
    let h = s.create(counter.make(4));
    assert_eq!(s.rent(h).unwrap()[0].id, 4);
    drop(s);
    assert_eq!(counter.dropped(), counter.made());
}

#[test]
fn a_panicking_drop_in_a_free_budget_step_still_frees() {
    let counter = DropCounter::new();
    let s = Shuffler::new();
    let doomed = s.create(counter.make_panicking(1));
    let keep = s.create(counter.make(2));
    s.set_budget(Some(1 << 20));
    // The free is done before its step drops the panicking element.
    expect_panic(|| s.free(doomed));
    assert!(!s.contains(doomed));
    assert_eq!(s.rent(doomed).unwrap_err(), RentError::Stale);
    assert!(!s.free(doomed));
    assert_eq!(s.stats().pinned_blocks, 0);
    assert_eq!(s.stats().pending_frees, 0); // counted as dropped, never dropped again
                                            // The store goes on: the next free steps as usual.
    assert!(s.free(keep));
    assert_eq!((s.len(), s.stats().pending_frees), (0, 0));
    drop(s);
    assert_eq!(counter.dropped(), counter.made());
}

#[test]
fn a_free_in_a_drop_while_unwinding_does_not_abort() {
    let counter = DropCounter::new();
    let s = Shuffler::new();
    let keep = s.create(counter.make(1));
    let doomed = s.create(counter.make_panicking(2));
    let victim = s.create(counter.make(3));
    s.free(doomed);
    s.set_budget(Some(1 << 20));
    /// Frees its block when dropped, as a user type owning a handle would.
    struct FreeOnDrop<'a>(
        &'a Shuffler<common::Counted>,
        pool_core::ShuffleHandle<common::Counted>,
    );
    impl Drop for FreeOnDrop<'_> {
        fn drop(&mut self) {
            assert!(self.0.free(self.1));
        }
    }
    // The free runs while the thread unwinds: its step (which would drop the panicking
    // element) is skipped.
    expect_panic(|| {
        let _owner = FreeOnDrop(&s, victim);
        panic!("user code panics while the owner is alive");
    });
    assert!(!s.contains(victim));
    assert_eq!(s.stats().pending_frees, 2);
    expect_panic(|| s.shuffle());
    assert!(s.contains(keep));
    drop(s);
    assert_eq!(counter.dropped(), counter.made());
}

#[test]
fn dropping_a_shuffler_drops_everything_after_a_panicking_element() {
    let counter = DropCounter::new();
    let s = Shuffler::new();
    for i in 0..10 {
        if i == 3 {
            s.create(counter.make_panicking(i));
        } else {
            s.alloc_with(3, |_| counter.make(i));
        }
    }
    let pending = s.alloc_with(2, |_| counter.make(99));
    s.free(pending);
    expect_panic(move || drop(s));
    assert_eq!(counter.dropped(), counter.made());
}

#[test]
fn chunks_emptied_in_the_middle_are_reused() {
    let s: Shuffler<u64> = Shuffler::new();
    // Three chunks' worth of big blocks.
    let per = 16 * 1024 / 8;
    let hs: Vec<_> = (0..3).map(|i| s.alloc_with(per, |_| i)).collect();
    let rented_last = s.rent(hs[2]).unwrap();
    let rented_first = s.rent(hs[0]).unwrap();
    assert_eq!(s.stats().chunks, 3);
    s.free(hs[1]);
    s.shuffle(); // the middle chunk is empty; pinned blocks keep the others
    assert_eq!(s.stats().chunks, 2);
    let resident = s.stats().resident_bytes;
    let again = s.alloc_with(per, |_| 7);
    assert_eq!(s.stats().chunks, 3);
    assert_eq!(s.stats().resident_bytes, resident + per * 8);
    assert_eq!(s.rent(again).unwrap()[0], 7);
    drop((rented_last, rented_first));
}

#[test]
fn room_above_an_earlier_chunk_is_used_before_new_memory() {
    let s: Shuffler<u64> = Shuffler::new();
    let per = 16 * 1024 / 8;
    let half = s.alloc_with(per / 2, |_| 1);
    let full = s.alloc_with(per, |_| 2); // does not fit the first chunk's rest
    assert_eq!(s.stats().chunks, 2);
    let resident = s.stats().resident_bytes;
    let quarter = s.alloc_with(per / 4, |_| 3); // fits above the first chunk's top
    assert_eq!((s.stats().chunks, s.stats().resident_bytes), (2, resident));
    for (h, v) in [(half, 1), (full, 2), (quarter, 3)] {
        assert!(s.rent(h).unwrap().iter().all(|&x| x == v));
    }
}

#[test]
fn chunks_are_sized_in_bytes() {
    let s: Shuffler<[u8; 1 << 20]> = Shuffler::new();
    let h = s.alloc_with(1, |_| [1; 1 << 20]);
    // One element of 1 MiB takes 1 MiB, not 64 of them.
    assert_eq!(s.stats().resident_bytes, 1 << 20);
    assert_eq!(s.rent(h).unwrap()[0][5], 1);
    let small: Shuffler<u8> = Shuffler::new();
    small.create(1);
    assert_eq!(small.stats().resident_bytes, 16 * 1024);
}

/// An iterator whose size hint lies.
struct Liar {
    left: usize,
    claim: usize,
}

impl Iterator for Liar {
    type Item = u32;
    fn next(&mut self) -> Option<u32> {
        self.left = self.left.checked_sub(1)?;
        Some(self.left as u32)
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.claim, None)
    }
}

#[test]
fn alloc_from_iter_treats_the_size_hint_as_a_hint() {
    let s = Shuffler::new();
    for claim in [0, 3, 7, usize::MAX >> 24, usize::MAX] {
        let h = s.alloc_from_iter(Liar { left: 7, claim });
        assert_eq!(&*s.rent(h).unwrap(), &[6, 5, 4, 3, 2, 1, 0]);
    }
}

#[test]
fn zero_length_blocks_and_a_fresh_shuffler() {
    let s: Shuffler<String> = Shuffler::new();
    let empty = s.try_alloc_with(0, |_| unreachable!()).unwrap();
    assert_eq!(s.len_of(empty), Some(0));
    assert_eq!(&*s.rent(empty).unwrap(), &[] as &[String]);
    assert!(s.free(empty));
    assert_eq!(s.rent(empty).unwrap_err(), RentError::Stale);
    let h = s.try_alloc_with(1, |_| String::from("x")).unwrap();
    assert_eq!(s.rent(h).unwrap()[0], "x");
}

#[test]
fn block_lengths_at_the_boundaries() {
    use pool_core::shuffler::ShuffleError;
    let s: Shuffler<u8> = Shuffler::new();
    for n in [0usize, 1, 16 * 1024 - 1, 16 * 1024, 16 * 1024 + 1] {
        let h = s.alloc_with(n, |i| i as u8);
        assert_eq!(s.len_of(h), Some(n));
    }
    assert_eq!(
        s.try_alloc_with(u32::MAX as usize + 1, |_| 0).unwrap_err(),
        ShuffleError::SizeOverflow
    );
    let wide: Shuffler<u64> = Shuffler::new();
    assert_eq!(
        wide.try_alloc_with(usize::MAX / 4, |_| 0).unwrap_err(),
        ShuffleError::SizeOverflow
    );
    assert!(wide.is_empty());
}

#[test]
fn a_panicking_builder_gives_its_space_back_at_once() {
    let s: Shuffler<u64> = Shuffler::new();
    let a = s.alloc_with(10, |i| i as u64);
    let before = s.storage_map(usize::MAX);
    expect_panic(|| s.alloc_with(10, |i| if i == 5 { panic!("builder fails") } else { 0 }));
    assert_eq!(s.storage_map(usize::MAX), before);
    let b = s.alloc_with(10, |i| i as u64 + 100);
    // `b` sits right after `a`: no hole was left behind.
    assert!(s.storage_map(usize::MAX).starts_with(&"#".repeat(20)));
    assert_eq!(s.rent(a).unwrap()[9], 9);
    assert_eq!(s.rent(b).unwrap()[0], 100);
}
