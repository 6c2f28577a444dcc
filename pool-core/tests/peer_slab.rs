//! slab's own test suite, carried over to `Pool`: each test checks the behaviour a slab
//! user relies on, with handles where slab has `usize` keys. Where the two stores differ
//! by design (a removed handle is refused, never reused; `remove` returns an `Option`
//! instead of panicking), the test checks our side of the difference.

use std::panic::{catch_unwind, AssertUnwindSafe};

use pool_core::{Handle, Pool};

#[test]
fn insert_get_remove_one() {
    let mut pool = Pool::new();
    assert!(pool.is_empty());
    let h = pool.insert(10);
    assert_eq!(pool[h], 10);
    assert_eq!(pool.get(h), Some(&10));
    assert_eq!(pool.len(), 1);
    assert_eq!(pool.remove(h), Some(10));
    assert!(pool.is_empty());
    assert_eq!(pool.get(h), None);
}

#[test]
fn insert_get_many() {
    let mut pool = Pool::with_capacity(10);
    let hs: Vec<_> = (0..10).map(|i| pool.insert(i + 10)).collect();
    for (i, &h) in hs.iter().enumerate() {
        assert_eq!(pool[h], i + 10);
    }
    let h = pool.insert(20);
    assert_eq!(pool[h], 20);
    assert_eq!(pool.len(), 11);
    assert!(pool.capacity() >= 11);
}

#[test]
fn insert_get_remove_many() {
    let mut pool = Pool::with_capacity(10);
    for round in 0..3 {
        let hs: Vec<_> = (0..10).map(|i| (pool.insert(i * 10 + round), i)).collect();
        for &(h, i) in &hs {
            assert_eq!(pool[h], i * 10 + round);
        }
        for &(h, i) in &hs {
            assert_eq!(pool.remove(h), Some(i * 10 + round));
        }
        assert!(pool.is_empty());
    }
    // Slots were reused: no growth past the first ten.
    assert_eq!(pool.capacity(), 10);
}

#[test]
fn insert_with_vacant_entry() {
    let mut pool = Pool::with_capacity(1);
    let h;
    {
        let entry = pool.vacant_entry();
        h = entry.handle();
        entry.insert(123);
    }
    assert_eq!(pool[h], 123);
}

#[test]
fn get_vacant_entry_without_using() {
    let mut pool = Pool::<usize>::with_capacity(1);
    let h = pool.vacant_entry().handle();
    // The entry was never filled: its handle names nothing, and the slot is still the
    // next one handed out.
    assert_eq!(pool.get(h), None);
    assert_eq!(pool.len(), 0);
    assert_eq!(pool.vacant_entry().handle(), h);
}

#[test]
#[should_panic(expected = "invalid handle")]
fn invalid_get_panics() {
    let mut pool = Pool::<usize>::with_capacity(1);
    let h = pool.insert(1);
    pool.remove(h);
    let _ = &pool[h];
}

#[test]
#[should_panic(expected = "invalid handle")]
fn invalid_get_mut_panics() {
    let mut pool = Pool::<usize>::new();
    let h = pool.insert(1);
    pool.remove(h);
    pool[h] = 2;
}

#[test]
fn double_remove_is_refused() {
    let mut pool = Pool::<usize>::with_capacity(1);
    let h = pool.insert(1);
    assert_eq!(pool.remove(h), Some(1));
    assert_eq!(pool.remove(h), None);
    // The slot is reused, but the old handle stays refused.
    let h2 = pool.insert(2);
    assert_eq!(h2.index(), h.index());
    assert_eq!(pool.remove(h), None);
    assert_eq!(pool[h2], 2);
}

#[test]
fn remove_of_a_foreign_handle_is_refused() {
    let mut a = Pool::<usize>::new();
    let mut b = Pool::<usize>::new();
    let ha = a.insert(1);
    b.insert(2);
    assert_eq!(b.remove(ha), None);
    assert_eq!(b.len(), 1);
    assert_eq!(a[ha], 1);
}

#[test]
fn pool_get_mut() {
    let mut pool = Pool::new();
    let h = pool.insert(1);
    *pool.get_mut(h).unwrap() = 2;
    assert_eq!(pool[h], 2);
    pool[h] = 3;
    assert_eq!(pool[h], 3);
}

#[test]
fn handle_of_each_value() {
    let mut pool = Pool::new();
    let hs: Vec<_> = (0..4u8).map(|i| pool.insert(i)).collect();
    for &h in &hs {
        assert_eq!(pool.handle_of(&pool[h]), Some(h));
    }
}

#[test]
fn handle_of_an_option_of_nonzero() {
    // A value whose layout leaves no room for a tag in slab's `Entry`.
    let mut pool = Pool::new();
    let hs: Vec<_> = (1..5)
        .map(|i| pool.insert(core::num::NonZeroU32::new(i)))
        .collect();
    for &h in &hs {
        assert_eq!(pool.handle_of(&pool[h]), Some(h));
    }
}

#[test]
fn handle_of_zero_sized_values() {
    let mut pool = Pool::new();
    pool.insert(());
    let second = pool.insert(());
    pool.insert(());
    assert_eq!(pool.handle_of(&pool[second]), Some(second));
}

#[test]
fn reserve_does_not_allocate_if_available() {
    let mut pool = Pool::with_capacity(10);
    let hs: Vec<_> = (0..6).map(|i| pool.insert(i)).collect();
    for &h in &hs[..4] {
        pool.remove(h);
    }
    assert_eq!(pool.capacity() - pool.len(), 8);
    pool.reserve(8);
    assert_eq!(pool.capacity(), 10);
}

#[test]
fn reserve_exact_does_not_allocate_if_available() {
    let mut pool = Pool::with_capacity(10);
    let hs: Vec<_> = (0..6).map(|i| pool.insert(i)).collect();
    for &h in &hs[..4] {
        pool.remove(h);
    }
    assert_eq!(pool.capacity() - pool.len(), 8);
    pool.reserve_exact(8);
    assert_eq!(pool.capacity(), 10);
}

#[test]
#[should_panic(expected = "capacity overflow")]
fn reserve_panics_with_capacity_overflow() {
    let mut pool = Pool::with_capacity(10);
    pool.insert(true);
    pool.reserve(isize::MAX as usize);
}

#[test]
#[should_panic(expected = "capacity overflow")]
fn reserve_panics_with_capacity_overflow_in_bytes() {
    let mut pool = Pool::with_capacity(10);
    pool.insert(1u16);
    pool.reserve(isize::MAX as usize / 2);
}

#[test]
#[should_panic(expected = "capacity overflow")]
fn reserve_exact_panics_with_capacity_overflow() {
    let mut pool = Pool::with_capacity(10);
    pool.insert(true);
    pool.reserve_exact(isize::MAX as usize);
}

#[test]
fn retain() {
    let mut pool = Pool::with_capacity(2);
    let h1 = pool.insert(0);
    let h2 = pool.insert(1);
    pool.retain(|h, x| {
        assert_eq!(h, if *x == 0 { h1 } else { h2 });
        *x % 2 == 0
    });
    assert_eq!(pool.len(), 1);
    assert_eq!(pool[h1], 0);
    assert!(!pool.contains(h2));

    // The freed slot is the next one used, under a new handle.
    let h = pool.insert(123);
    assert_eq!(h.index(), h2.index());
    assert_ne!(h, h2);
    assert_eq!((pool.len(), pool.capacity()), (2, 2));

    // The next insert grows.
    pool.insert(345);
    assert!(pool.capacity() >= 3);
}

/// A pool of `0..8` with the values 0, 4 and 5 removed.
fn with_holes() -> (Pool<usize>, Vec<Handle<usize>>) {
    let mut pool = Pool::new();
    let hs: Vec<_> = (0..8).map(|i| pool.insert(i)).collect();
    for i in [0, 4, 5] {
        pool.remove(hs[i]);
    }
    (pool, hs)
}

#[test]
fn into_iter() {
    let (pool, hs) = with_holes();
    let got: Vec<_> = pool.into_iter().collect();
    let want: Vec<_> = [1, 2, 3, 6, 7].iter().map(|&i| (hs[i], i)).collect();
    assert_eq!(got, want);
}

#[test]
fn into_iter_rev() {
    let (pool, hs) = with_holes();
    let mut it = pool.into_iter();
    assert_eq!(it.next_back(), Some((hs[7], 7)));
    let rest: Vec<_> = it.rev().collect();
    let want: Vec<_> = [6, 3, 2, 1].iter().map(|&i| (hs[i], i)).collect();
    assert_eq!(rest, want);
}

#[test]
fn iter() {
    let (pool, hs) = with_holes();
    let got: Vec<_> = pool.iter().map(|(h, &v)| (h, v)).collect();
    let want: Vec<_> = [1, 2, 3, 6, 7].iter().map(|&i| (hs[i], i)).collect();
    assert_eq!(got, want);
    assert_eq!(pool.iter().len(), 5);
}

#[test]
fn iter_rev() {
    let (pool, hs) = with_holes();
    let got: Vec<_> = pool.iter().rev().map(|(h, &v)| (h, v)).collect();
    let want: Vec<_> = [7, 6, 3, 2, 1].iter().map(|&i| (hs[i], i)).collect();
    assert_eq!(got, want);
}

#[test]
fn iter_mut() {
    let (mut pool, hs) = with_holes();
    for (_, v) in pool.iter_mut() {
        *v += 1;
    }
    for (i, &h) in hs.iter().enumerate() {
        assert_eq!(
            pool.get(h).copied(),
            (![0, 4, 5].contains(&i)).then_some(i + 1)
        );
    }
}

#[test]
fn iter_mut_rev() {
    let (mut pool, hs) = with_holes();
    let order: Vec<_> = pool
        .iter_mut()
        .rev()
        .map(|(h, v)| {
            *v *= 10;
            h
        })
        .collect();
    let want: Vec<_> = [7, 6, 3, 2, 1].iter().map(|&i| hs[i]).collect();
    assert_eq!(order, want);
    assert_eq!(pool[hs[3]], 30);
}

#[test]
fn from_iterator_hands_out_slots_in_order() {
    let pool: Pool<usize> = (0..5).collect();
    let got: Vec<_> = pool.iter().map(|(h, &v)| (h.index(), v)).collect();
    assert_eq!(got, (0..5).map(|i| (i as u32, i)).collect::<Vec<_>>());
}

#[test]
fn clear() {
    let mut pool = Pool::new();
    let old: Vec<_> = (0..4).map(|i| pool.insert(i)).collect();
    pool.clear();
    assert!(pool.is_empty());
    assert_eq!(pool.len(), 0);
    assert!(pool.capacity() >= 4);
    for &h in &old {
        assert!(!pool.contains(h));
    }
    for i in 0..2 {
        pool.insert(i);
    }
    let vals: Vec<_> = pool.values().copied().collect();
    assert_eq!(vals, [0, 1]);
    pool.clear();
    assert!(pool.is_empty());
}

#[test]
fn shrink_to_fit_empty() {
    let mut pool = Pool::<bool>::with_capacity(20);
    pool.shrink_to_fit();
    assert_eq!(pool.capacity(), 0);
}

#[test]
fn shrink_to_fit_no_vacant() {
    let mut pool = Pool::with_capacity(20);
    pool.insert(String::new());
    pool.shrink_to_fit();
    assert!(pool.capacity() < 10);
}

#[test]
fn shrink_to_fit_does_not_move_values() {
    let mut pool = Pool::with_capacity(8);
    let foo = pool.insert("foo");
    let bar = pool.insert("bar");
    let baz = pool.insert("baz");
    let quux = pool.insert("quux");
    pool.remove(quux);
    pool.remove(bar);
    pool.shrink_to_fit();
    assert_eq!(pool.len(), 2);
    assert!(pool.capacity() >= 3);
    assert_eq!(pool.get(foo), Some(&"foo"));
    assert_eq!(pool.get(baz), Some(&"baz"));
    assert!(!pool.contains(bar) && !pool.contains(quux));
    assert_eq!(pool.vacant_entry().handle().index(), bar.index());
}

#[test]
fn shrink_to_fit_keeps_the_free_order_when_nothing_can_go() {
    let mut pool = Pool::with_capacity(16);
    let hs: Vec<_> = (0..4).map(|i| pool.insert(Box::new(i))).collect();
    for i in [0, 2, 1] {
        pool.remove(hs[i]);
    }
    assert_eq!(pool.vacant_entry().handle().index(), 1);
    pool.shrink_to_fit();
    assert_eq!(pool.len(), 1);
    assert!(pool.capacity() >= 4);
    assert_eq!(pool.vacant_entry().handle().index(), 1);
    assert_eq!(*pool[hs[3]], 3);
}

#[test]
fn fully_consumed_drain() {
    let mut pool = Pool::new();
    for i in 0..3 {
        pool.insert(i);
    }
    {
        let mut drain = pool.drain().map(|(_, v)| v);
        assert_eq!(drain.next(), Some(0));
        assert_eq!(drain.next(), Some(1));
        assert_eq!(drain.next(), Some(2));
        assert_eq!(drain.next(), None);
    }
    assert!(pool.is_empty());
}

#[test]
fn partially_consumed_drain() {
    let mut pool = Pool::new();
    let hs: Vec<_> = (0..3).map(|i| pool.insert(i)).collect();
    {
        let mut drain = pool.drain();
        assert_eq!(drain.next(), Some((hs[0], 0)));
    }
    assert!(pool.is_empty());
    assert!(hs.iter().all(|&h| !pool.contains(h)));
}

#[test]
fn leaked_drain_leaves_a_consistent_pool() {
    let mut pool = Pool::new();
    let hs: Vec<_> = (0..5).map(|i| pool.insert(i.to_string())).collect();
    let mut drain = pool.drain();
    drain.next();
    core::mem::forget(drain);
    // Whatever the leaked drain left behind, the pool agrees with itself.
    assert_eq!(pool.iter().count(), pool.len());
    for &h in &hs[1..] {
        assert_eq!(pool.contains(h), pool.get(h).is_some());
    }
    let h = pool.insert(String::from("after"));
    assert_eq!(pool[h], "after");
}

#[test]
fn drain_rev() {
    let mut pool = Pool::new();
    let hs: Vec<_> = (0..10u64).map(|i| pool.insert(i)).collect();
    pool.remove(hs[9]);
    let vals: Vec<u64> = pool.drain().rev().map(|(_, v)| v).collect();
    assert_eq!(vals, (0..9).rev().collect::<Vec<u64>>());
}

#[test]
fn const_new() {
    static _POOL: std::sync::Mutex<Pool<()>> = std::sync::Mutex::new(Pool::new());
    let h = _POOL.lock().unwrap().insert(());
    assert!(_POOL.lock().unwrap().contains(h));
}

#[test]
fn clone_from() {
    let mut p1 = Pool::new();
    let mut p2 = Pool::new();
    let mut h1 = Vec::new();
    for i in 0..5 {
        h1.push(p1.insert(i));
        p2.insert(2 * i);
        p2.insert(2 * i + 1);
    }
    p1.remove(h1[1]);
    p1.remove(h1[3]);
    p2.clone_from(&p1);
    let got: Vec<_> = p2.iter().map(|(h, &v)| (h, v)).collect();
    assert_eq!(got, [(h1[0], 0), (h1[2], 2), (h1[4], 4)]);
    assert_eq!(p2.len(), 3);
}

#[test]
fn get_disjoint_mut() {
    let mut pool: Pool<usize> = (0..5).collect();
    let hs: Vec<_> = pool.keys().collect();
    pool.remove(hs[1]);
    pool.remove(hs[3]);

    assert_eq!(pool.get_disjoint_mut([]), Some([]));
    assert_eq!(
        pool.get_disjoint_mut([hs[4], hs[2], hs[0]])
            .unwrap()
            .map(|x| *x),
        [4, 2, 0]
    );
    // The same value twice, a removed value, a handle past the end: refused.
    assert!(pool.get_disjoint_mut([hs[2], hs[0], hs[2]]).is_none());
    assert!(pool.get_disjoint_mut([hs[1], hs[0]]).is_none());
    let mut other: Pool<usize> = (0..10).collect();
    let far = other.keys().last().unwrap();
    other.clear();
    assert!(pool.get_disjoint_mut([far, hs[0]]).is_none());

    let [a, b] = pool.get_disjoint_mut([hs[0], hs[4]]).unwrap();
    core::mem::swap(a, b);
    assert_eq!((pool[hs[0]], pool[hs[4]]), (4, 0));
}

#[test]
fn retain_with_a_panicking_closure_keeps_the_pool_consistent() {
    let mut pool: Pool<String> = (0..10).map(|i| i.to_string()).collect();
    let r = catch_unwind(AssertUnwindSafe(|| {
        pool.retain(|_, v| {
            if v == "7" {
                panic!("test");
            }
            v.len() > 5
        })
    }));
    assert!(r.is_err());
    // Values before the panic were removed, the rest stay.
    assert_eq!(pool.iter().count(), pool.len());
    let left: Vec<_> = pool.values().cloned().collect();
    assert_eq!(left, ["7", "8", "9"]);
}
