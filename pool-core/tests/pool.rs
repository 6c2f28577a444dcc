//! Public-API tests of `Pool<T>` and `Handle<T>`.

mod common;

use std::cell::RefCell;
use std::collections::HashSet;
use std::rc::Rc;

use common::{check_consistent, expect_panic, DropCounter};
use pool_core::{Handle, Pool, PoolError, RentError};

#[cfg(miri)]
const N: usize = 64;
#[cfg(not(miri))]
const N: usize = 5_000;

#[test]
fn insert_get_remove() {
    let mut pool = Pool::new();
    let a = pool.insert(String::from("a"));
    let b = pool.insert(String::from("b"));
    assert_eq!(pool.len(), 2);
    assert_eq!(pool.get(a).map(String::as_str), Some("a"));
    pool.get_mut(b).unwrap().push('!');
    assert_eq!(pool[b], "b!");
    assert_eq!(pool.remove(a).as_deref(), Some("a"));
    assert_eq!(pool.remove(a), None);
    assert!(pool.get(a).is_none() && pool.get_mut(a).is_none() && !pool.contains(a));
    // The slot is reused with a new generation: the old handle stays stale.
    let c = pool.insert(String::from("c"));
    assert_eq!(c.index(), a.index());
    assert_ne!(c, a);
    assert!(pool.get(a).is_none());
    assert_eq!(pool[c], "c");
}

#[test]
fn free_slots_are_reused_lifo_and_runs_are_deterministic() {
    fn run() -> Vec<u64> {
        let mut pool = Pool::builder().id(42).build();
        let mut out = Vec::new();
        let hs: Vec<_> = (0..10).map(|i| pool.insert(i)).collect();
        for &h in hs.iter().step_by(3) {
            pool.remove(h);
        }
        for i in 0..5 {
            out.push(pool.insert(100 + i).to_bits());
        }
        out.extend(hs.iter().map(|h| h.to_bits()));
        out
    }
    let first = run();
    assert_eq!(first, run());
    // LIFO: the last freed slot (index 9) is reused first.
    let reused: Vec<u32> = first[..4].iter().map(|&b| b as u32).collect();
    assert_eq!(reused, [9, 6, 3, 0]);
}

#[test]
fn pools_get_distinct_ids_and_foreign_handles_are_caught() {
    let mut a = Pool::new();
    let mut b = Pool::new();
    let ha: Vec<_> = (0..N as u64).map(|i| a.insert(i)).collect();
    let hb: Vec<_> = (0..N as u64).map(|i| b.insert(i + 1_000_000)).collect();
    assert_ne!(a.id(), b.id());
    for (&x, &y) in ha.iter().zip(&hb) {
        assert_eq!(x.index(), y.index());
        assert!(b.get(x).is_none() && !b.contains(x));
        assert_eq!(b.rent(x).unwrap_err(), RentError::Stale);
        assert!(a.get(y).is_none());
    }
    for &x in &ha {
        assert!(b.remove(x).is_none());
        assert!(b.get_mut(x).is_none());
    }
    assert_eq!(b.len(), N);
}

#[test]
fn forged_handles_never_reach_a_wrong_value() {
    let mut pool = Pool::builder().id(9).build();
    let live: Vec<_> = (0..64u64).map(|i| pool.insert(i)).collect();
    let live_bits: HashSet<u64> = live.iter().map(|h| h.to_bits()).collect();
    // Deterministic xorshift over many bit patterns, including near-miss ones.
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    for i in 0..(N as u64 * 4) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let bits = match i % 3 {
            0 => x,
            1 => live[(x % 64) as usize].to_bits() ^ (1 << (x % 64)),
            _ => x & 0xFFFF_FFFF_0000_00FF,
        };
        let Some(h) = Handle::<u64>::from_bits(bits) else {
            assert_eq!((bits >> 32) & 1, 0);
            continue;
        };
        match pool.get(h) {
            Some(v) => {
                assert!(live_bits.contains(&bits));
                assert_eq!(live[*v as usize], h);
            }
            None => assert!(!live_bits.contains(&bits)),
        }
    }
}

#[test]
fn handles_are_small_and_thread_safe_for_any_t() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Handle<Rc<RefCell<u8>>>>();
    send_sync::<Handle<*mut u8>>();
    assert_eq!(std::mem::size_of::<Handle<[u8; 4096]>>(), 8);
    assert_eq!(std::mem::size_of::<Option<Handle<String>>>(), 8);
    fn send<T: Send>() {}
    send::<Pool<String>>();
    send::<pool_core::InsertError<String>>();
    let h = Handle::<u32>::from_raw_parts(3, 7).unwrap();
    assert_eq!(format!("{h:?}"), "Handle<u32>(3v7)");
}

#[test]
fn bounded_pool_hands_the_value_back_and_never_grows() {
    let counter = DropCounter::new();
    let mut pool = Pool::bounded(2);
    let cap = pool.capacity();
    pool.insert(counter.make(1));
    pool.insert(counter.make(2));
    let err = pool.try_insert(counter.make(3)).unwrap_err();
    assert_eq!(err.reason(), PoolError::Full { capacity: 2 });
    assert_eq!(
        err.to_string(),
        "insert failed: pool is full (bounded to 2 values)"
    );
    assert_eq!(err.into_value().id, 3);
    assert_eq!(counter.dropped(), 1);
    let mut called = false;
    assert!(pool
        .try_insert_with(|_| {
            called = true;
            Ok::<_, ()>(counter.make(4))
        })
        .is_err());
    assert!(!called);
    assert_eq!(pool.try_reserve(1), Err(PoolError::Full { capacity: 2 }));
    assert_eq!(pool.capacity(), cap);
    expect_panic(|| pool.insert(counter.make(5)));
    assert_eq!(pool.len(), 2);
}

#[test]
fn capacity_overflow_is_an_error_not_a_crash() {
    let mut pool: Pool<u64> = Pool::new();
    assert_eq!(
        pool.try_reserve(usize::MAX),
        Err(PoolError::CapacityOverflow)
    );
    assert_eq!(
        pool.try_reserve(u32::MAX as usize + 1),
        Err(PoolError::CapacityOverflow)
    );
    let mut big: Pool<[u8; 1 << 20]> = Pool::new();
    assert_eq!(big.try_reserve(1 << 44), Err(PoolError::CapacityOverflow));
    expect_panic(|| Pool::<u64>::with_capacity(usize::MAX));
    assert!(pool.is_empty());
}

#[test]
fn zero_sized_values() {
    let mut pool = Pool::new();
    let hs: Vec<_> = (0..N).map(|_| pool.insert(())).collect();
    assert_eq!(pool.len(), N);
    for &h in hs.iter().step_by(2) {
        assert_eq!(pool.remove(h), Some(()));
    }
    assert_eq!(pool.iter().count(), N / 2);
    let rentals = pool.rentals();
    let g = rentals.rent_mut(hs[1]).unwrap();
    assert_eq!(*g, ());
    assert_eq!(rentals.rent(hs[1]).unwrap_err(), RentError::Busy);
    drop(g);
    check_consistent(&mut pool);
}

#[repr(align(128))]
#[derive(Clone, Debug, PartialEq)]
struct Aligned([u8; 3]);

#[test]
fn over_aligned_values_stay_aligned() {
    let mut pool = Pool::new();
    let hs: Vec<_> = (0..100u8).map(|i| pool.insert(Aligned([i; 3]))).collect();
    for &h in &hs {
        assert_eq!(pool.get(h).unwrap() as *const Aligned as usize % 128, 0);
    }
    let rentals = pool.rentals();
    let g = rentals.rent_mut(hs[7]).unwrap();
    assert_eq!(&*g as *const Aligned as usize % 128, 0);
    drop(g);
    for (_, v) in pool.iter_mut() {
        assert_eq!(v as *mut Aligned as usize % 128, 0);
    }
    let clone = pool.clone();
    assert_eq!(clone[hs[99]], Aligned([99; 3]));
}

#[test]
fn get_disjoint_mut_rejects_duplicates_and_stale() {
    let mut pool = Pool::new();
    let hs: Vec<_> = (0..4).map(|i| pool.insert(i)).collect();
    let [a, b, c] = pool.get_disjoint_mut([hs[0], hs[2], hs[3]]).unwrap();
    *a += 10;
    *b += 10;
    *c += 10;
    assert_eq!(pool.values().copied().collect::<Vec<_>>(), [10, 1, 12, 13]);
    assert!(pool.get_disjoint_mut([hs[1], hs[1]]).is_none());
    pool.remove(hs[1]);
    assert!(pool.get_disjoint_mut([hs[0], hs[1]]).is_none());
    assert!(pool.get_disjoint_mut::<0>([]).is_some());
}

#[test]
fn index_panics_name_the_handle() {
    let mut pool = Pool::new();
    let h = pool.insert(1u16);
    pool.remove(h);
    let err = std::panic::catch_unwind(|| pool[h]).unwrap_err();
    let msg = err.downcast_ref::<String>().unwrap();
    assert!(
        msg.contains("Handle<u16>(0v") && msg.contains("stale"),
        "{msg}"
    );
    let err = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| pool[h] += 1)).unwrap_err();
    let msg = err.downcast_ref::<String>().unwrap();
    assert!(msg.contains("no live value"), "{msg}");
}

#[test]
fn clone_keeps_handles_valid() {
    let counter = DropCounter::new();
    let mut pool = Pool::new();
    let hs: Vec<_> = (0..10).map(|i| pool.insert(counter.make(i))).collect();
    pool.remove(hs[3]);
    let mut copy = pool.clone();
    for &h in &hs {
        assert_eq!(copy.get(h).map(|c| c.id), pool.get(h).map(|c| c.id));
    }
    // Same key: the next insert gets the same handle in both.
    assert_eq!(copy.insert(counter.make(99)), pool.insert(counter.make(98)));
    {
        let _shared = pool.rent(hs[0]).unwrap();
        let _ = pool.clone();
    }
    // A leaked exclusive guard does not stop a clone: nothing references the value.
    std::mem::forget(pool.rentals().rent_mut(hs[1]).unwrap());
    let again = pool.clone();
    assert_eq!(again[hs[1]].id, 1);
    assert!(again.rent(hs[1]).is_ok()); // the clone's slots start unrented
    drop((pool, copy, again));
    assert_eq!(counter.made(), counter.dropped());
}

#[test]
fn debug_lists_handles_and_values() {
    let mut pool = Pool::builder().id(0).build();
    pool.insert(5u8);
    let s = format!("{pool:?}");
    assert!(
        s.starts_with("{Handle<u8>(0v") && s.ends_with(": 5}"),
        "{s}"
    );
}

#[test]
fn iterators_agree() {
    let counter = DropCounter::new();
    let mut pool: Pool<_> = (0..20).map(|i| counter.make(i)).collect();
    let hs: Vec<_> = pool.keys().collect();
    for &h in hs.iter().filter(|h| h.index() % 3 == 0) {
        pool.remove(h);
    }
    let ids: Vec<u64> = pool.values().map(|c| c.id).collect();
    let expect: Vec<u64> = (0..20).filter(|i| i % 3 != 0).collect();
    assert_eq!(ids, expect);
    assert!(pool.iter().all(|(h, c)| h.index() as u64 == c.id));
    assert_eq!((&pool).into_iter().count(), 13);
    for (_, c) in &mut pool {
        c.id *= 2;
    }
    pool.values_mut().for_each(|c| c.id += 1);
    pool.extend((100..103).map(|i| counter.make(i)));
    assert_eq!(pool.len(), 16);
    pool.retain(|h, c| h.index() % 2 == 0 || c.id >= 100);
    check_consistent(&mut pool);
    let mut drained = pool.drain();
    let first = drained.next().unwrap();
    drop(drained);
    assert!(pool.is_empty());
    drop(first);
    let h = pool.insert(counter.make(7));
    let owned: Vec<_> = pool.into_iter().collect();
    assert_eq!(owned.len(), 1);
    assert_eq!(owned[0].0, h);
    drop(owned);
    assert_eq!(counter.made(), counter.dropped());
}

#[test]
fn into_iter_drops_what_it_does_not_yield() {
    let counter = DropCounter::new();
    let mut pool = Pool::new();
    for i in 0..10 {
        pool.insert(counter.make(i));
    }
    let mut it = pool.into_iter();
    drop(it.next());
    drop(it);
    assert_eq!(counter.dropped(), 10);
}

#[test]
fn rent_guards() {
    let mut pool = Pool::new();
    let a = pool.insert(1);
    let b = pool.insert(2);
    {
        let rentals = pool.rentals();
        let mut ga = rentals.rent_mut(a).unwrap();
        let gb = rentals.rent_mut(b).unwrap();
        assert_eq!(rentals.rent(a).unwrap_err(), RentError::Busy);
        assert_eq!(rentals.rent_mut(a).unwrap_err(), RentError::Busy);
        assert!(rentals.contains(a));
        assert_eq!(rentals.len(), 2);
        *ga += *gb;
        drop(ga);
        // Given back: rentable again at once.
        assert_eq!(*rentals.rent_mut(a).unwrap(), 3);
    }
    {
        // Shared rents coexist with each other but not with `rent_mut`.
        let rentals = pool.rentals();
        let s1 = rentals.rent(a).unwrap();
        let s2 = rentals.rent(a).unwrap();
        assert_eq!(rentals.rent_mut(a).unwrap_err(), RentError::Busy);
        assert_eq!(*s1 + *s2, 6);
        drop(s1);
        assert_eq!(rentals.rent_mut(a).unwrap_err(), RentError::Busy);
        drop(s2);
        assert!(rentals.rent_mut(a).is_ok());
    }
    // Plain shared guards through `&Pool` sit beside `get` and iterators.
    let g = pool.rent(a).unwrap();
    assert_eq!(pool.get(a), Some(&3));
    assert_eq!(pool.iter().count(), 2);
    assert_eq!(pool_core::Rent::handle(&g), a);
    drop(g);
    pool.remove(b);
    assert_eq!(pool.rent(b).unwrap_err(), RentError::Stale);
    let rentals = pool.rentals();
    assert_eq!(rentals.rent(b).unwrap_err(), RentError::Stale);
    assert_eq!(rentals.rent_mut(b).unwrap_err(), RentError::Stale);
}

#[test]
fn send_and_sync_follow_the_element_type() {
    fn send<T: Send>() {}
    fn sync<T: Sync>() {}
    fn both<T: Send + Sync>() {}
    both::<Pool<String>>();
    both::<pool_core::pool::Iter<'static, String>>();
    both::<pool_core::pool::Keys<'static, String>>();
    both::<pool_core::pool::Values<'static, String>>();
    both::<pool_core::pool::IterMut<'static, String>>();
    both::<pool_core::pool::Drain<'static, String>>();
    both::<pool_core::pool::IntoIter<String>>();
    both::<pool_core::BinnedAllocator>();
    both::<pool_core::BlockHandle>();
    send::<pool_core::Rentals<'static, String>>();
    send::<pool_core::Arena<'static>>();
    both::<pool_core::ArenaBox<'static, String>>();
    sync::<pool_core::InsertError<String>>();
    // `Send` but not `Sync` elements: the pool moves, it is not shared.
    send::<Pool<std::cell::Cell<u8>>>();
}

#[test]
fn pool_is_sync_and_shares_reads_across_threads() {
    fn sync<T: Sync>() {}
    sync::<Pool<String>>();
    let mut pool = Pool::new();
    let hs: Vec<_> = (0..64u64).map(|i| pool.insert(i)).collect();
    let total: u64 = std::thread::scope(|s| {
        let pool = &pool;
        let hs = &hs;
        let a = s.spawn(move || hs.iter().map(|&h| pool[h]).sum::<u64>());
        let b = s.spawn(move || hs.iter().map(|&h| *pool.rent(h).unwrap()).sum::<u64>());
        a.join().unwrap() + b.join().unwrap()
    });
    assert_eq!(total, 2 * (0..64).sum::<u64>());
}

#[test]
fn leaked_guards_leave_the_value_rented_never_freed() {
    let counter = DropCounter::new();
    let mut pool = Pool::new();
    let a = pool.insert(counter.make(1));
    let b = pool.insert(counter.make(2));
    {
        let rentals = pool.rentals();
        std::mem::forget(rentals.rent_mut(a).unwrap());
        std::mem::forget(rentals.rent(b).unwrap());
        assert_eq!(rentals.rent(a).unwrap_err(), RentError::Busy);
        assert_eq!(rentals.rent_mut(b).unwrap_err(), RentError::Busy);
        assert!(rentals.rent(b).is_ok()); // shared beside a leaked shared rent
    }
    // Still rented in the next session, and through `&Pool`.
    assert_eq!(pool.rentals().rent_mut(a).unwrap_err(), RentError::Busy);
    assert_eq!(pool.rent(a).unwrap_err(), RentError::Busy);
    assert_eq!(pool.rentals().rent_mut(b).unwrap_err(), RentError::Busy);
    // `&mut self` proves no guard is alive, so these still work.
    assert_eq!(pool.get_mut(a).unwrap().id, 1);
    assert_eq!(pool.remove(a).unwrap().id, 1);
    let c = pool.insert(counter.make(3));
    assert_eq!(c.index(), a.index());
    assert!(pool.rentals().rent_mut(c).is_ok()); // the reused slot starts unrented
    drop(pool);
    assert_eq!(counter.made(), counter.dropped());
}

#[test]
fn drop_that_reenters_the_pool_owner() {
    struct Node {
        owner: Rc<RefCell<Pool<Node>>>,
        saw_pool: Rc<RefCell<Vec<bool>>>,
    }
    impl Drop for Node {
        fn drop(&mut self) {
            // Re-enter: whoever holds the pool may be mid-operation.
            let ok = match self.owner.try_borrow_mut() {
                Ok(mut pool) => {
                    let n = pool.len();
                    pool.retain(|_, _| true);
                    pool.len() == n
                }
                Err(_) => false,
            };
            self.saw_pool.borrow_mut().push(ok);
        }
    }
    let owner = Rc::new(RefCell::new(Pool::new()));
    let saw = Rc::new(RefCell::new(Vec::new()));
    let hs: Vec<_> = (0..4)
        .map(|_| {
            let node = Node {
                owner: owner.clone(),
                saw_pool: saw.clone(),
            };
            owner.borrow_mut().insert(node)
        })
        .collect();
    // Removed and dropped after the borrow ends: Drop can use the pool.
    let v = owner.borrow_mut().remove(hs[0]);
    drop(v);
    // Dropped while the pool is borrowed: Drop sees it busy, nothing breaks.
    owner.borrow_mut().clear();
    assert_eq!(*saw.borrow(), [true, false, false, false]);
    assert!(owner.borrow().is_empty());
    // Break the Rc cycle's last link.
    owner.borrow_mut().clear();
}

#[test]
fn recycling_reuses_objects_and_their_allocations() {
    let mut pool: Pool<Vec<u8>> = Pool::new();
    let h = pool.acquire();
    pool[h].extend_from_slice(&[1, 2, 3, 4]);
    let ptr = pool[h].as_ptr();
    assert!(pool.release(h));
    assert!(!pool.release(h));
    assert!(pool.get(h).is_none());
    let h2 = pool.acquire();
    assert!(pool[h2].is_empty());
    assert_eq!(pool[h2].as_ptr(), ptr);
    let s = pool.stats();
    assert_eq!((s.acquire_hits, s.acquire_misses, s.spares), (1, 1, 0));

    let mut fact = Pool::builder().factory(|| vec![7u8; 2]).build();
    let h = fact.acquire();
    assert_eq!(fact[h], [7, 7]);
    let h = fact.acquire_with(Vec::new);
    assert_eq!(fact[h], [7, 7]); // the factory wins over the fallback

    let mut bounded: Pool<Vec<u8>> = Pool::bounded(1);
    let h = bounded.acquire();
    bounded.release(h);
    bounded.acquire();
    assert_eq!(bounded.stats().spares, 0);
    assert_eq!(bounded.stats().acquire_hits, 1);
}

#[test]
fn spares_live_in_slots_and_give_them_up_when_the_pool_is_full() {
    // A spare keeps its slot: a bounded pool of one holds one live value or one spare.
    let mut pool: Pool<String> = Pool::bounded(1);
    let h = pool.acquire();
    pool.release(h);
    assert_eq!(pool.stats().spares, 1);
    // An insert into the full pool drops the spare and takes its slot.
    let x = pool.insert(String::from("x"));
    assert_eq!(pool.stats().spares, 0);
    assert_eq!(pool.try_acquire(), Err(PoolError::Full { capacity: 1 }));
    assert_eq!(
        pool.try_insert(String::from("y")).unwrap_err().into_value(),
        "y"
    );
    assert_eq!(pool[x], "x");
    assert!(pool.get(h).is_none());
}

#[test]
fn recycling_does_not_move_the_value() {
    let mut pool: Pool<Vec<u8>> = Pool::new();
    let h = pool.acquire_with(|| Vec::with_capacity(64));
    pool[h].extend_from_slice(b"abc");
    let slot_addr = &pool[h] as *const Vec<u8> as usize;
    let buf_addr = pool[h].as_ptr() as usize;
    assert!(pool.release(h));
    assert!(pool.get(h).is_none());
    let h2 = pool.acquire();
    assert_ne!(h, h2);
    assert_eq!(h.index(), h2.index()); // same slot, new generation
    assert_eq!(&pool[h2] as *const Vec<u8> as usize, slot_addr);
    assert_eq!(pool[h2].as_ptr() as usize, buf_addr);
    assert!(pool[h2].is_empty());
    // LIFO: the most recently released spare comes back first.
    let a = pool.acquire();
    let b = pool.acquire();
    let (ia, ib) = (a.index(), b.index());
    pool.release(a);
    pool.release(b);
    assert_eq!(pool.acquire().index(), ib);
    assert_eq!(pool.acquire().index(), ia);
}

#[test]
fn recycled_guard_releases_on_drop_and_into_handle_keeps() {
    use pool_core::Recycled;
    let mut pool: Pool<String> = Pool::new();
    let h = {
        let mut g = pool.acquire_guard();
        g.push_str("temp");
        Recycled::handle(&g)
    };
    assert!(!pool.contains(h));
    assert_eq!(pool.stats().spares, 1);
    let mut g = pool.acquire_guard();
    assert_eq!(*g, "");
    g.push_str("kept");
    let kept = Recycled::into_handle(g);
    assert_eq!(pool[kept], "kept");
    assert_eq!((pool.len(), pool.stats().spares), (1, 0));
    // Leaking a guard leaves the value live, like an unreleased handle.
    let leaked = Recycled::handle(&pool.acquire_guard());
    let g = pool.acquire_guard();
    let lh = Recycled::handle(&g);
    core::mem::forget(g);
    assert!(pool.contains(lh) && !pool.contains(leaked));
    assert_eq!(pool.len(), 2);
}

#[test]
fn spares_survive_clear_and_stay_out_of_iteration_and_reserve() {
    let mut pool: Pool<Vec<u32>> = Pool::new();
    let hs: Vec<_> = (0..6).map(|_| pool.acquire()).collect();
    for &h in &hs[..3] {
        pool[h].push(1);
        pool.release(h);
    }
    assert_eq!(pool.iter().count(), 3);
    let copy = pool.clone();
    assert_eq!((copy.len(), copy.stats().spares), (3, 3));
    pool.clear();
    assert_eq!((pool.len(), pool.stats().spares), (0, 3));
    // Inserts after `clear` use free slots, never a spare's.
    let others: Vec<_> = (0..3).map(|_| pool.insert(vec![9])).collect();
    assert_eq!(pool.stats().spares, 3);
    for _ in 0..3 {
        let h = pool.acquire();
        assert!(pool[h].is_empty());
        assert!(!others.contains(&h));
    }
    assert_eq!(pool.stats().acquire_hits, 3);
    // `reserve` counts spare slots as taken.
    let mut p: Pool<u8> = Pool::new();
    let hs: Vec<_> = (0..4).map(|_| p.acquire()).collect();
    for h in hs {
        p.release(h);
    }
    p.reserve(4);
    let cap = p.capacity();
    for _ in 0..4 {
        p.insert(1);
    }
    assert_eq!(p.capacity(), cap);
    assert_eq!(p.stats().spares, 4);
    // `shrink_spares` drops the oldest; `shrink_to_fit` stops at a spare.
    p.shrink_spares(1);
    assert_eq!(p.stats().spares, 1);
}

#[test]
fn stats_track_everything() {
    let mut pool = Pool::with_capacity(4);
    let hs: Vec<_> = (0..6).map(|i| pool.insert(i)).collect();
    pool.remove(hs[0]);
    pool.remove(hs[1]);
    let s = pool.stats();
    assert_eq!((s.len, s.high_water, s.inserts, s.removes), (4, 6, 6, 2));
    assert!(s.capacity >= 6);
    pool.clear();
    assert_eq!(pool.stats().removes, 6);
}
