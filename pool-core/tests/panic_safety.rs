//! User code that panics (`Drop`, closures, `Clone`, `Pooled::reset`, factories) leaves
//! the pool consistent, and every value is dropped exactly once.

mod common;

use common::{check_consistent, expect_panic, Counted, DropCounter};
use pool_core::{Pool, Reset};

fn pool_with_panicker(counter: &DropCounter, at: u64) -> Pool<Counted> {
    let mut pool = Pool::new();
    for i in 0..8 {
        let v = if i == at {
            counter.make_panicking(i)
        } else {
            counter.make(i)
        };
        pool.insert(v);
    }
    pool
}

#[test]
fn drop_panics_during_clear() {
    let counter = DropCounter::new();
    let mut pool = pool_with_panicker(&counter, 3);
    expect_panic(|| pool.clear());
    // Values 0..=3 were settled; 4..8 are still live and reachable.
    assert_eq!(pool.len(), 4);
    check_consistent(&mut pool);
    pool.clear();
    assert!(pool.is_empty());
    assert_eq!(counter.dropped(), 8);
}

#[test]
fn drop_panics_during_drain() {
    let counter = DropCounter::new();
    let mut pool = pool_with_panicker(&counter, 5);
    expect_panic(|| {
        for (_, v) in pool.drain() {
            drop(v);
        }
    });
    check_consistent(&mut pool);
    drop(pool);
    assert_eq!(counter.dropped(), 8);
}

#[test]
fn drop_panics_during_pool_drop() {
    let counter = DropCounter::new();
    let pool = pool_with_panicker(&counter, 2);
    expect_panic(move || drop(pool));
    // The slot vector keeps dropping the rest while unwinding.
    assert_eq!(counter.dropped(), 8);
}

#[test]
fn drop_panics_during_retain() {
    let counter = DropCounter::new();
    let mut pool = pool_with_panicker(&counter, 4);
    expect_panic(|| pool.retain(|_, v| v.id % 2 == 1));
    check_consistent(&mut pool);
    assert!(pool.values().all(|v| v.id % 2 == 1 || v.id > 4));
    drop(pool);
    assert_eq!(counter.dropped(), 8);
}

#[test]
fn retain_closure_panics() {
    let counter = DropCounter::new();
    let mut pool = pool_with_panicker(&counter, 99);
    expect_panic(|| {
        pool.retain(|_, v| {
            assert!(v.id != 6, "closure panics at 6");
            v.id % 2 == 0
        })
    });
    check_consistent(&mut pool);
    assert_eq!(pool.len(), 5); // 0, 2, 4 kept; 6, 7 untouched
    drop(pool);
    assert_eq!(counter.dropped(), 8);
}

#[test]
fn insert_with_closure_panics() {
    let counter = DropCounter::new();
    let mut pool = Pool::new();
    let a = pool.insert(counter.make(1));
    pool.remove(a);
    expect_panic(|| pool.insert_with(|_| panic!("no value today")));
    assert!(pool.is_empty());
    // The free slot was not consumed: the next insert reuses it.
    let b = pool.insert(counter.make(2));
    assert_eq!(b.index(), a.index());
    expect_panic(|| pool.insert_with(|_| panic!("nor now")));
    assert_eq!(pool.len(), 1);
    check_consistent(&mut pool);
    drop(pool);
    assert_eq!(counter.dropped(), 2);
}

#[test]
fn remove_then_panicking_drop() {
    let counter = DropCounter::new();
    let mut pool = pool_with_panicker(&counter, 0);
    let h = pool.keys().next().unwrap();
    expect_panic(|| drop(pool.remove(h)));
    assert!(!pool.contains(h));
    assert_eq!(pool.len(), 7);
    drop(pool);
    assert_eq!(counter.dropped(), 8);
}

#[test]
fn clone_panics_midway() {
    #[derive(Debug)]
    struct Fragile(Counted, bool);
    impl Clone for Fragile {
        fn clone(&self) -> Self {
            assert!(!self.1, "clone fails");
            Fragile(self.0.clone(), false)
        }
    }
    let counter = DropCounter::new();
    let mut pool = Pool::new();
    for i in 0..6 {
        pool.insert(Fragile(counter.make(i), i == 4));
    }
    expect_panic(|| pool.clone());
    // The partial clone was dropped; the original is intact.
    assert_eq!(pool.len(), 6);
    check_consistent(&mut pool);
    drop(pool);
    assert_eq!(counter.made(), counter.dropped());
}

#[test]
fn reset_panics_during_release() {
    #[derive(Default)]
    struct Bad(bool);
    impl Reset for Bad {
        fn reset(&mut self) {
            assert!(!self.0, "reset fails");
        }
    }
    let mut pool = Pool::new();
    let h = pool.insert(Bad(true));
    let k = pool.insert(Bad(false));
    expect_panic(|| pool.release(h));
    assert!(!pool.contains(h));
    assert_eq!(pool.stats().spares, 0);
    assert!(pool.release(k));
    assert_eq!(pool.stats().spares, 1);
}

#[test]
fn factory_panics_during_acquire() {
    let counter = DropCounter::new();
    let mut pool: Pool<Counted> = Pool::new();
    expect_panic(|| pool.acquire_with(|| panic!("factory fails")));
    assert!(pool.is_empty());
    let h = pool.acquire_with(|| counter.make(1));
    assert_eq!(pool[h].id, 1);
    check_consistent(&mut pool);
}

#[test]
fn panicking_spare_drops_in_clear_spares() {
    let counter = DropCounter::new();
    let mut pool = Pool::new();
    let h = pool.insert(counter.make_panicking(1));
    let k = pool.insert(counter.make(2));
    pool.release(h);
    pool.release(k);
    expect_panic(|| pool.clear_spares());
    assert_eq!(pool.stats().spares, 0);
    assert_eq!(counter.dropped(), 2);
}
