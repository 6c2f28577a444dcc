//! The pieces of `Pool`'s API that slab and slotmap users expect: shrinking, exact
//! reservations, iteration from both ends, vacant entries, fallible initialisers, a
//! `const fn new`, unchecked access, and from a reference back to its handle (slab's
//! `key_of`).

mod common;

use common::{expect_panic, DropCounter};
use pool_core::{Handle, Pool, PoolError, TryInsertError};

#[test]
fn shrink_drops_trailing_vacant_slots_and_old_handles_stay_stale() {
    let mut pool = Pool::new();
    let mut hs: Vec<_> = (0..64u32).map(|i| pool.insert(i)).collect();
    // Churn the tail so its slots carry high versions.
    for _ in 0..5 {
        for h in &mut hs[40..] {
            let v = pool.remove(*h).unwrap();
            let again = pool.insert(v);
            pool.remove(again);
            *h = pool.insert(v);
        }
    }
    let live: Vec<_> = pool.keys().collect();
    for &h in &live {
        if h.index() >= 8 {
            pool.remove(h);
        }
    }
    pool.shrink_to_fit();
    assert_eq!(pool.capacity(), 8);
    // Every slot comes back, and no old handle of a dropped slot names the new values.
    let new: Vec<_> = (0..64u32).map(|i| pool.insert(1000 + i)).collect();
    for &old in hs.iter().chain(&live) {
        if old.index() >= 8 {
            assert!(pool.get(old).is_none(), "{old:?} aliases a new value");
        }
    }
    for (i, &h) in new.iter().enumerate() {
        assert_eq!(pool[h], 1000 + i as u32);
    }
}

#[test]
fn shrink_stops_at_the_highest_live_slot_and_keeps_the_free_list() {
    let mut pool = Pool::new();
    let hs: Vec<_> = (0..10).map(|i| pool.insert(i)).collect();
    for &i in &[2usize, 9, 8, 5] {
        pool.remove(hs[i]);
    }
    pool.shrink_to(0);
    assert_eq!(pool.capacity(), 8);
    // Slots 5 and 2 are still free (LIFO: 5 was freed last among them).
    let a = pool.insert(50);
    let b = pool.insert(20);
    assert_eq!((a.index(), b.index()), (5, 2));
    // `shrink_to` never drops below its argument.
    let mut big: Pool<u8> = Pool::with_capacity(100);
    big.shrink_to(40);
    assert!(big.capacity() >= 40);
    big.shrink_to(0);
    assert_eq!(big.capacity(), 0);
    let h = big.insert(1);
    assert_eq!(big[h], 1);
}

#[test]
fn reserve_is_amortised_and_reserve_exact_is_exact() {
    let mut pool: Pool<u64> = Pool::new();
    pool.reserve_exact(5);
    assert_eq!(pool.capacity(), 5);
    for i in 0..5 {
        pool.insert(i);
    }
    pool.reserve(1);
    assert!(pool.capacity() >= 10, "reserve doubles");
    let mut exact: Pool<u64> = Pool::new();
    exact.reserve_exact(5);
    for i in 0..5 {
        exact.insert(i);
    }
    exact.reserve_exact(1);
    assert_eq!(exact.capacity(), 6);
    let mut bounded: Pool<u8> = Pool::bounded(3);
    assert_eq!(
        bounded.try_reserve_exact(4),
        Err(PoolError::Full { capacity: 3 })
    );
}

#[test]
fn const_new_takes_its_id_on_first_use() {
    static POOL: std::sync::Mutex<Pool<&str>> = std::sync::Mutex::new(Pool::new());
    const EMPTY: Pool<u8> = Pool::new();
    let mut a = EMPTY;
    let mut b = EMPTY;
    assert_eq!(a.id(), 0);
    let ha = a.insert(1);
    let hb = b.insert(2);
    assert_ne!(a.id(), 0);
    assert_ne!(a.id(), b.id());
    assert_eq!(ha.index(), hb.index());
    assert!(
        b.get(ha).is_none(),
        "a handle of one lazily named pool is foreign to another"
    );
    let h = POOL.lock().unwrap().insert("static");
    assert_eq!(POOL.lock().unwrap()[h], "static");
    // A reservation takes the id too.
    let mut c: Pool<u8> = Pool::new();
    c.reserve(1);
    assert_ne!(c.id(), 0);
}

#[test]
fn every_iterator_runs_from_both_ends() {
    let mut pool = Pool::new();
    let hs: Vec<_> = (0..200u32).map(|i| pool.insert(i)).collect();
    for h in hs.iter().step_by(3) {
        pool.remove(*h);
    }
    let fwd: Vec<u32> = pool.values().copied().collect();
    let mut rev: Vec<u32> = pool.values().rev().copied().collect();
    rev.reverse();
    assert_eq!(fwd, rev);
    let mut vm: Vec<u32> = pool.values_mut().rev().map(|v| *v).collect();
    vm.reverse();
    assert_eq!(vm, fwd);
    // Keys and Values are Clone, like Iter.
    let keys = pool.keys();
    assert_eq!(keys.clone().count(), keys.count());
    let values = pool.values();
    assert_eq!(values.clone().next_back(), values.last());
    // Owning and draining iterators.
    let mut copy = pool.clone();
    let into: Vec<u32> = pool.into_iter().rev().map(|(_, v)| v).collect();
    let mut expect = fwd.clone();
    expect.reverse();
    assert_eq!(into, expect);
    let mut d = copy.drain();
    assert_eq!(d.next_back().map(|(_, v)| v), Some(199));
    assert_eq!(d.next().map(|(_, v)| v), Some(1));
    assert_eq!(d.len(), fwd.len() - 2);
    drop(d);
    assert!(copy.is_empty());
}

#[test]
fn drain_from_the_back_with_a_panicking_drop_drops_each_value_once() {
    let counter = DropCounter::new();
    let mut pool = Pool::new();
    for i in 0..10 {
        if i == 3 {
            pool.insert(counter.make_panicking(i));
        } else {
            pool.insert(counter.make(i));
        }
    }
    expect_panic(|| {
        let mut d = pool.drain();
        while let Some((_, v)) = d.next_back() {
            drop(v);
        }
    });
    // The panic came from dropping value 3; the rest were left in the pool or dropped.
    let left = pool.len();
    drop(pool);
    assert_eq!(counter.dropped(), 10);
    assert!(left <= 3);
}

#[test]
fn vacant_entry_dropped_changes_nothing() {
    let mut pool = Pool::new();
    let a = pool.insert(1);
    pool.remove(a);
    let before = pool.stats();
    let e = pool.vacant_entry();
    let promised = e.handle();
    let _ = e;
    assert_eq!(pool.stats(), before);
    let e = pool.vacant_entry();
    assert_eq!(e.handle(), promised);
    e.insert(2);
    assert_eq!(pool[promised], 2);
    assert!(pool.get(a).is_none());
    let mut full: Pool<u8> = Pool::bounded(0);
    assert_eq!(
        full.try_vacant_entry().unwrap_err(),
        PoolError::Full { capacity: 0 }
    );
    expect_panic(|| full.vacant_entry());
}

#[test]
fn try_insert_with_leaves_the_pool_alone_on_error_or_panic() {
    let counter = DropCounter::new();
    let mut pool = Pool::new();
    let keep = pool.insert(counter.make(1));
    let err = pool
        .try_insert_with(|h: Handle<_>| {
            assert_eq!(h.index(), 1);
            Err::<common::Counted, _>(std::fmt::Error)
        })
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "initialiser failed: an error occurred when formatting an argument"
    );
    expect_panic(|| pool.try_insert_with(|_| -> Result<_, ()> { panic!("boom") }));
    assert_eq!(pool.len(), 1);
    let h = pool
        .try_insert_with(|_| Ok::<_, ()>(counter.make(2)))
        .unwrap();
    assert_eq!(h.index(), 1);
    assert_eq!(pool[keep].id, 1);
    let mut bounded = Pool::bounded(1);
    bounded.insert(0u8);
    let mut called = false;
    let r = bounded.try_insert_with(|_| {
        called = true;
        Ok::<_, ()>(1)
    });
    assert_eq!(
        r,
        Err(TryInsertError::NoRoom(PoolError::Full { capacity: 1 }))
    );
    assert!(!called);
}

#[test]
fn a_failed_clone_from_leaves_old_handles_stale() {
    let counter = DropCounter::new();
    let mut dst = Pool::new();
    let old = dst.insert(counter.make(1));
    let mut src = Pool::new();
    src.insert(counter.make(2));
    src.insert(counter.make(3));
    #[derive(Debug)]
    struct Bomb;
    impl Clone for Bomb {
        fn clone(&self) -> Self {
            panic!("clone bomb")
        }
    }
    let mut d2 = Pool::new();
    let old2 = d2.insert(Bomb);
    let mut s2 = Pool::new();
    s2.insert(Bomb);
    expect_panic(|| d2.clone_from(&s2));
    assert!(d2.is_empty());
    let fresh = d2.insert(Bomb);
    assert!(d2.get(old2).is_none(), "an old handle names a new value");
    assert!(d2.get(fresh).is_some());
    dst.clone_from(&src);
    assert!(dst.get(old).is_none());
    drop((dst, src));
    assert_eq!(counter.dropped(), counter.made());
}

#[test]
fn clone_from_a_never_used_pool_keeps_handles_apart() {
    let mut dst: Pool<u32> = Pool::with_capacity(8);
    let old = dst.insert(1);
    dst.clone_from(&Pool::new());
    assert!(dst.is_empty());
    let a = dst.insert(2);
    for _ in 0..20 {
        dst.insert(3); // grows past the kept capacity
    }
    assert_eq!(dst[a], 2, "growing must not change the pool's key");
    assert!(dst.get(old).is_none());
}

#[test]
fn handle_of_leads_from_a_reference_back_to_its_handle() {
    let mut pool = Pool::new();
    let hs: Vec<_> = (0..100u64).map(|i| pool.insert(i)).collect();
    for &h in hs.iter().step_by(3) {
        pool.remove(h);
    }
    for (h, v) in pool.iter() {
        assert_eq!(pool.handle_of(v), Some(h));
    }
    // Equal values elsewhere, and another pool's values, are not this pool's.
    let copy = pool[hs[1]];
    assert_eq!(pool.handle_of(&copy), None);
    let mut other = Pool::new();
    let o = other.insert(1u64);
    assert_eq!(pool.handle_of(&other[o]), None);
    assert_eq!(other.handle_of(&other[o]), Some(o));
    // After growth (the values moved), fresh references still lead back.
    let more: Vec<_> = (0..1000u64).map(|i| pool.insert(i)).collect();
    assert!(more.iter().all(|&h| pool.handle_of(&pool[h]) == Some(h)));
}

#[test]
fn handle_of_gives_a_reused_slot_its_new_handle() {
    let mut pool: Pool<Vec<u8>> = Pool::new();
    let a = pool.acquire();
    let b = pool.acquire();
    let addr_a = &pool[a] as *const Vec<u8>;
    pool.release(a); // a spare now, in the same place
    pool.remove(b);
    // A reference to the spare's place cannot be made safely; compare through a live
    // value revived there instead: it gets the new handle, never the old one.
    let a2 = pool.acquire();
    assert_eq!(&pool[a2] as *const Vec<u8>, addr_a);
    assert_eq!(pool.handle_of(&pool[a2]), Some(a2));
    assert_ne!(Some(a), pool.handle_of(&pool[a2]));
    assert!(pool.handle_of(&Vec::new()).is_none());
}

#[test]
fn handle_of_zero_sized_and_over_aligned_values() {
    let mut units = Pool::new();
    let hs: Vec<_> = (0..10).map(|_| units.insert(())).collect();
    for &h in &hs {
        assert_eq!(units.handle_of(&units[h]), Some(h));
    }
    assert_eq!(units.handle_of(&()), None);

    #[repr(align(64))]
    struct Line(u8);
    let mut lines = Pool::new();
    let hs: Vec<_> = (0..10).map(|i| lines.insert(Line(i))).collect();
    for (i, &h) in hs.iter().enumerate() {
        assert_eq!(lines[h].0, i as u8);
        assert_eq!(lines.handle_of(&lines[h]), Some(h));
    }
}

#[test]
fn unchecked_access_reaches_live_values() {
    let mut pool = Pool::new();
    let hs: Vec<_> = (0..10u32).map(|i| pool.insert(i)).collect();
    for &h in &hs {
        assert!(pool.contains(h));
        // SAFETY: `h` is live (checked just above).
        unsafe { *pool.get_unchecked_mut(h) *= 2 };
    }
    for (i, &h) in hs.iter().enumerate() {
        // SAFETY: every handle in `hs` is live.
        assert_eq!(unsafe { *pool.get_unchecked(h) }, 2 * i as u32);
    }
}
