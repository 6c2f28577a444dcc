//! Pool regressions: bounded spares, a panicking factory, clear order, `clone_from`,
//! re-entrant drops and zero-sized values.

mod common;

use common::{check_consistent, expect_panic, DropCounter};
use pool_core::{Pool, PoolError};

#[test]
fn spares_of_a_bounded_pool_are_bounded() {
    let mut pool: Pool<Vec<u8>> = Pool::bounded(2);
    for _ in 0..1000 {
        let h = pool.insert(vec![1; 8]);
        pool.release(h);
    }
    assert_eq!(pool.stats().spares, 2);
    assert_eq!(pool.stats().max_spares, 2);
    // Spares are still used first.
    let h = pool.acquire();
    assert!(pool[h].is_empty() && pool[h].capacity() >= 8);
    assert_eq!(pool.stats().spares, 1);
}

#[test]
fn spare_limits_and_shrinking_drop_each_spare_once() {
    let counter = DropCounter::new();
    let mut pool = Pool::builder().max_spares(3).build();
    let hs: Vec<_> = (0..10).map(|i| pool.insert(counter.make(i))).collect();
    for h in hs {
        assert!(pool.release(h));
    }
    assert_eq!(pool.stats().spares, 3);
    assert_eq!(counter.dropped(), 7);
    pool.shrink_spares(1);
    assert_eq!((pool.stats().spares, counter.dropped()), (1, 9));
    pool.shrink_spares(5); // more than there are: nothing to drop
    assert_eq!(counter.dropped(), 9);
    pool.set_max_spares(0);
    assert_eq!((pool.stats().spares, counter.dropped()), (0, 10));
    let h = pool.acquire_with(|| counter.make(11));
    pool.release(h); // no room for spares: dropped
    assert_eq!(counter.dropped(), 11);
    drop(pool);
    assert_eq!(counter.dropped(), counter.made());
}

#[test]
fn shrinking_spares_with_a_panicking_drop_drops_the_rest() {
    let counter = DropCounter::new();
    let mut pool = Pool::new();
    let hs: Vec<_> = (0..6)
        .map(|i| {
            if i == 1 {
                pool.insert(counter.make_panicking(i))
            } else {
                pool.insert(counter.make(i))
            }
        })
        .collect();
    for h in hs {
        pool.release(h);
    }
    expect_panic(|| pool.shrink_spares(2));
    assert_eq!(counter.dropped(), 4);
    assert_eq!(pool.stats().spares, 2);
    drop(pool);
    assert_eq!(counter.dropped(), counter.made());
}

#[test]
fn a_panicking_factory_changes_nothing() {
    let mut pool: Pool<String> = Pool::new();
    expect_panic(|| pool.acquire_with(|| panic!("factory fails")));
    // Room may have been reserved; nothing was counted or inserted.
    let s = pool.stats();
    assert_eq!(
        (s.len, s.inserts, s.acquire_misses, s.acquire_hits),
        (0, 0, 0, 0)
    );
    let h = pool.acquire_with(String::new);
    assert_eq!(pool.stats().acquire_misses, 1);
    pool.release(h);
    expect_panic(|| {
        pool.acquire_with(|| unreachable!("a spare is used"));
        panic!("after")
    });
    assert_eq!(pool.stats().acquire_hits, 1);
}

#[test]
fn clear_hands_out_indices_like_a_fresh_pool() {
    let mut pool = Pool::new();
    let fresh: Vec<u32> = (0..8).map(|i| pool.insert(i).index()).collect();
    pool.clear();
    let again: Vec<u32> = (0..8).map(|i| pool.insert(i).index()).collect();
    assert_eq!(again, fresh);
    // Also after removes in a scattered order.
    let hs: Vec<_> = pool.keys().collect();
    for h in [hs[5], hs[0], hs[7], hs[2]] {
        pool.remove(h);
    }
    pool.clear();
    let third: Vec<u32> = (0..8).map(|i| pool.insert(i).index()).collect();
    assert_eq!(third, fresh);
    check_consistent(&mut pool);
}

#[test]
fn clone_from_copies_handles_and_drops_the_old_values() {
    let counter = DropCounter::new();
    let mut src = Pool::new();
    let hs: Vec<_> = (0..5).map(|i| src.insert(counter.make(i))).collect();
    src.remove(hs[2]);
    let mut dst = Pool::new();
    for i in 0..20 {
        dst.insert(counter.make(100 + i));
    }
    dst.clone_from(&src);
    assert_eq!(counter.dropped(), 21);
    assert_eq!(dst.len(), 4);
    for &h in &hs {
        assert_eq!(dst.get(h).map(|c| c.id), src.get(h).map(|c| c.id));
    }
    assert_eq!(dst.id(), src.id());
    check_consistent(&mut dst);
    drop((src, dst));
    assert_eq!(counter.dropped(), counter.made());
}

#[test]
fn clone_from_with_a_panicking_clone_leaves_an_empty_pool() {
    #[derive(Debug)]
    struct Fussy(u32);
    impl Clone for Fussy {
        fn clone(&self) -> Self {
            if self.0 == 3 {
                panic!("clone fails");
            }
            Fussy(self.0)
        }
    }
    let mut src = Pool::new();
    let hs: Vec<_> = (0..5).map(|i| src.insert(Fussy(i))).collect();
    let mut dst = Pool::new();
    dst.insert(Fussy(9));
    expect_panic(|| dst.clone_from(&src));
    assert!(dst.is_empty());
    check_consistent(&mut dst);
    assert!(hs.iter().all(|&h| dst.get(h).is_none()));
    let h = dst.insert(Fussy(1));
    assert_eq!(dst[h].0, 1);
}

#[test]
fn try_reserve_at_the_limits() {
    let mut pool: Pool<u64> = Pool::bounded(3);
    assert!(pool.try_reserve(3).is_ok());
    assert_eq!(pool.try_reserve(4), Err(PoolError::Full { capacity: 3 }));
    let mut big: Pool<[u8; 1 << 20]> = Pool::new();
    assert_eq!(
        big.try_reserve(usize::MAX),
        Err(PoolError::CapacityOverflow)
    );
    assert!(matches!(
        big.try_reserve(usize::MAX >> 24),
        Err(PoolError::CapacityOverflow | PoolError::AllocFailed)
    ));
    assert_eq!(big.capacity(), 0);
    let mut zst: Pool<()> = Pool::new();
    assert!(zst.try_reserve(1000).is_ok());
    for _ in 0..1000 {
        zst.insert(());
    }
    assert_eq!(zst.len(), 1000);
}

#[test]
fn drops_during_clear_run_once_each() {
    use std::cell::RefCell;
    use std::rc::Rc;
    struct Reenter(Rc<RefCell<Vec<usize>>>);
    impl Drop for Reenter {
        fn drop(&mut self) {
            self.0.borrow_mut().push(1);
        }
    }
    let seen = Rc::new(RefCell::new(Vec::new()));
    let mut pool = Pool::new();
    for _ in 0..4 {
        pool.insert(Reenter(seen.clone()));
    }
    pool.clear();
    assert_eq!(seen.borrow().len(), 4);
}

#[test]
fn a_pool_of_large_values_grows_by_one_slot_first() {
    let mut pool: Pool<[u8; 1 << 16]> = Pool::new();
    pool.insert([1; 1 << 16]);
    assert_eq!(pool.capacity(), 1);
    pool.insert([2; 1 << 16]);
    assert!(pool.capacity() >= 2);
    let mut small: Pool<u32> = Pool::new();
    small.insert(1);
    assert_eq!(small.capacity(), 4);
}
