//! SyncPool: the API, bad handles, guards across threads, pins, shards, bounds, panics,
//! zero-sized and over-aligned types, leaked guards, and a multi-threaded stress with drop
//! counting. Sizes shrink under Miri, which runs these too (it finds data races).

use std::collections::HashSet;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};

use pool_core::{Handle, PoolError, RentError, Reset, SyncPool};

/// A value that counts its drops in a shared counter.
#[derive(Debug)]
struct Counted {
    id: u64,
    drops: Arc<AtomicUsize>,
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.drops.fetch_add(1, SeqCst);
    }
}

fn counted(drops: &Arc<AtomicUsize>, id: u64) -> Counted {
    Counted {
        id,
        drops: Arc::clone(drops),
    }
}

#[test]
fn insert_get_remove_take() {
    let pool = SyncPool::new();
    let a = pool.insert(1);
    let b = pool.insert(2);
    assert_ne!(a, b);
    assert_eq!(*pool.get(a).unwrap(), 1);
    assert_eq!(pool.len(), 2);
    assert!(pool.remove(a));
    assert!(!pool.remove(a));
    assert!(pool.get(a).is_none());
    assert_eq!(pool.take(b), Ok(2));
    assert_eq!(pool.take(b), Err(RentError::Stale));
    assert!(pool.is_empty());
    // Reuse gives a new generation: old handles stay stale.
    let c = pool.insert(3);
    assert!(!pool.contains(a) && !pool.contains(b) && pool.contains(c));
}

#[test]
fn forged_and_foreign_handles_get_none() {
    let p1 = SyncPool::new();
    let p2 = SyncPool::new();
    let h1 = p1.insert(1u32);
    let h2 = p2.insert(2u32);
    assert!(p2.get(h1).is_none() || p2.get(h1).map(|r| *r) == Some(2));
    assert!(p1.get(h2).is_none());
    for bits in [
        0u64,
        u64::MAX,
        (1u64 << 32) | 0xFF00_0000,
        (3u64 << 32) | 0x00FF_FFFF,
        (7u64 << 32) | 5,
    ] {
        if let Some(h) = Handle::<u32>::from_bits(bits) {
            assert!(p1.get(h).is_none() || h == h1);
            assert!(p1.rent_mut(h).is_err() || h == h1);
            assert!(!p1.remove(h) || h == h1);
        }
    }
    assert_eq!(*p1.get(h1).unwrap(), 1);
}

#[test]
fn guards_exclude_each_other() {
    let pool = SyncPool::new();
    let h = pool.insert(String::from("a"));
    let r1 = pool.get(h).unwrap();
    let r2 = pool.rent(h).unwrap();
    assert_eq!(pool.rent_mut(h).unwrap_err(), RentError::Busy);
    assert_eq!(pool.take(h).unwrap_err(), RentError::Busy);
    drop((r1, r2));
    let mut w = pool.rent_mut(h).unwrap();
    w.push('b');
    assert_eq!(pool.rent(h).unwrap_err(), RentError::Busy);
    assert!(pool.get(h).is_none());
    drop(w);
    assert_eq!(*pool.get(h).unwrap(), "ab");
}

#[test]
fn remove_while_guarded_drops_when_the_last_guard_goes() {
    let drops = Arc::new(AtomicUsize::new(0));
    let pool = SyncPool::new();
    let h = pool.insert(counted(&drops, 1));
    let r = pool.get(h).unwrap();
    std::thread::scope(|s| {
        s.spawn(|| assert!(pool.remove(h)));
    });
    assert!(!pool.contains(h));
    assert_eq!(r.id, 1);
    assert_eq!(drops.load(SeqCst), 0);
    drop(r);
    assert_eq!(drops.load(SeqCst), 1);
    // The same through an exclusive guard, and through a take that lost the race.
    let h = pool.insert(counted(&drops, 2));
    let w = pool.rent_mut(h).unwrap();
    assert!(pool.remove(h));
    assert_eq!(drops.load(SeqCst), 1);
    drop(w);
    assert_eq!(drops.load(SeqCst), 2);
    drop(pool);
    assert_eq!(drops.load(SeqCst), 2);
}

#[test]
fn a_pin_keeps_removed_values_alive() {
    let drops = Arc::new(AtomicUsize::new(0));
    let pool = SyncPool::new();
    let h = pool.insert(counted(&drops, 7));
    let g = pool.pin();
    let v = pool.get_pinned(&g, h).unwrap();
    std::thread::scope(|s| {
        s.spawn(|| {
            assert!(pool.remove(h));
            assert_eq!(pool.collect(), 0); // the pin may still see it
        });
    });
    assert_eq!(v.id, 7);
    assert_eq!(drops.load(SeqCst), 0);
    assert!(pool.get_pinned(&g, h).is_none());
    let stats = pool.stats();
    assert_eq!((stats.waiting(), stats.pinned), (1, 1));
    // Exclusive access waits for the pin too.
    let h2 = pool.insert(counted(&drops, 8));
    assert_eq!(pool.rent_mut(h2).unwrap_err(), RentError::Busy);
    assert_eq!(pool.take(h2).unwrap_err(), RentError::Busy);
    drop(g); // the last pin reclaims what waited for it
    assert_eq!(drops.load(SeqCst), 1);
    assert_eq!(pool.stats().waiting(), 0);
    assert_eq!(pool.collect(), 0);
    assert_eq!(pool.take(h2).unwrap().id, 8);
}

#[test]
#[should_panic(expected = "another pool")]
fn a_guard_of_another_pool_is_refused() {
    let a = SyncPool::new();
    let b = SyncPool::<u8>::new();
    let h = a.insert(1u8);
    let g = b.pin();
    let _ = a.get_pinned(&g, h);
}

#[test]
fn release_while_pinned_recycles_later() {
    let pool: SyncPool<Vec<u8>> = SyncPool::new();
    let h = pool.acquire();
    pool.rent_mut(h).unwrap().extend_from_slice(b"abc");
    let g = pool.pin();
    assert_eq!(pool.get_pinned(&g, h).map(|v| v.len()), Some(3));
    pool.release(h).unwrap();
    assert_eq!(pool.stats().waiting(), 1);
    drop(g);
    assert_eq!(pool.stats().waiting(), 0);
    let h = pool.acquire();
    let r = pool.get(h).unwrap();
    assert!(
        r.is_empty() && r.capacity() >= 3,
        "reset by the acquire that took it"
    );
    assert_eq!(pool.stats().total.acquire_hits, 1);
}

#[test]
fn threads_past_the_limit_share_a_shard() {
    let pool = SyncPool::builder().shards(1).build();
    let n = if cfg!(miri) { 3 } else { 6 };
    // All alive at once, so they cannot take each other's ids.
    let barrier = std::sync::Barrier::new(n);
    std::thread::scope(|s| {
        for t in 0..n {
            let (pool, barrier) = (&pool, &barrier);
            s.spawn(move || {
                barrier.wait();
                let hs: Vec<_> = (0..50).map(|i| pool.insert(t * 1000 + i)).collect();
                for (i, h) in hs.iter().enumerate() {
                    assert_eq!(*pool.get(*h).unwrap(), t * 1000 + i);
                }
                for h in hs {
                    assert!(pool.remove(h));
                }
                barrier.wait();
            });
        }
    });
    let stats = pool.stats();
    assert_eq!(stats.shards.len(), 2, "one owned shard and the shared one");
    assert!(stats.shared_lock.acquisitions > 0);
    assert!(
        stats.thread_ids.acquisitions >= n as u64,
        "each thread took an id"
    );
    assert!(stats.to_string().contains("thread id lock"));
    assert_eq!(stats.total.live, 0);
}

#[test]
fn a_bound_holds_over_all_shards() {
    let pool = SyncPool::bounded(10);
    let inserted = AtomicUsize::new(0);
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                for i in 0..10 {
                    match pool.try_insert(i) {
                        Ok(_) => {
                            inserted.fetch_add(1, SeqCst);
                        }
                        Err(e) => {
                            assert_eq!(e.reason(), PoolError::Full { capacity: 10 });
                            assert_eq!(e.into_value(), i);
                        }
                    }
                }
            });
        }
    });
    assert_eq!(inserted.load(SeqCst), 10);
    assert_eq!(pool.len(), 10);
}

#[test]
fn recycled_guards_release_on_another_thread() {
    let pool: SyncPool<Vec<u8>> = SyncPool::builder()
        .factory(|| Vec::with_capacity(1500))
        .build();
    let rounds = if cfg!(miri) { 5 } else { 200 };
    let (tx, rx) = std::sync::mpsc::sync_channel(4);
    std::thread::scope(|s| {
        s.spawn(|| {
            for i in 0..rounds {
                let mut buf = pool.acquire_guard();
                assert!(buf.is_empty() && buf.capacity() >= 1500);
                buf.push(i as u8);
                tx.send(buf).unwrap();
            }
            drop(tx);
        });
        s.spawn(|| {
            for buf in rx {
                assert_eq!(buf.len(), 1);
                drop(buf); // released here, on the consumer
            }
        });
    });
    let t = pool.stats().total;
    assert_eq!(t.live, 0);
    assert_eq!(t.acquire_hits + t.acquire_misses, rounds);
    assert!(t.acquire_misses <= 6, "buffers are reused: {t:?}");
    assert_eq!(t.remote_frees + t.local_frees, 0, "recycling frees no slot");
}

#[test]
fn into_handle_keeps_the_value() {
    let pool: SyncPool<String> = SyncPool::new();
    let mut g = pool.acquire_guard();
    g.push_str("kept");
    let h = g.handle();
    assert!(pool.get(h).is_none());
    let h2 = g.into_handle();
    assert_eq!(h, h2);
    assert_eq!(*pool.get(h).unwrap(), "kept");
    pool.release(h).unwrap();
    // A guard whose value is removed through its handle drops it instead.
    let g = pool.acquire_guard();
    let h = g.handle();
    assert!(pool.remove(h));
    drop(g);
    let t = pool.stats().total;
    assert_eq!(
        (t.spares, t.live, t.remote_frees + t.local_frees),
        (0, 0, 1)
    );
}

struct PanicReset {
    panic: bool,
    drops: Arc<AtomicUsize>,
}

impl Reset for PanicReset {
    fn reset(&mut self) {
        if self.panic {
            panic!("reset failed");
        }
    }
}

impl Drop for PanicReset {
    fn drop(&mut self) {
        self.drops.fetch_add(1, SeqCst);
    }
}

#[test]
fn a_panicking_reset_drops_the_value_and_keeps_the_pool_consistent() {
    let drops = Arc::new(AtomicUsize::new(0));
    let pool = SyncPool::new();
    let h = pool.insert(PanicReset {
        panic: true,
        drops: drops.clone(),
    });
    let other = pool.insert(PanicReset {
        panic: false,
        drops: drops.clone(),
    });
    assert!(catch_unwind(AssertUnwindSafe(|| pool.release(h))).is_err());
    assert_eq!(drops.load(SeqCst), 1);
    assert!(!pool.contains(h));
    assert_eq!(pool.len(), 1);
    pool.release(other).unwrap();
    let again = pool.acquire_with(|| unreachable!("a spare exists"));
    assert!(pool.contains(again));
    drop(pool);
    assert_eq!(drops.load(SeqCst), 2);
}

struct PanicDrop(Arc<AtomicUsize>, bool);

impl Drop for PanicDrop {
    fn drop(&mut self) {
        self.0.fetch_add(1, SeqCst);
        if self.1 {
            panic!("drop failed");
        }
    }
}

#[test]
fn a_panicking_drop_leaves_the_pool_consistent() {
    let drops = Arc::new(AtomicUsize::new(0));
    let mut pool = SyncPool::new();
    let bad = pool.insert(PanicDrop(drops.clone(), true));
    let good = pool.insert(PanicDrop(drops.clone(), false));
    assert!(catch_unwind(AssertUnwindSafe(|| pool.remove(bad))).is_err());
    assert_eq!(drops.load(SeqCst), 1);
    assert!(!pool.contains(bad) && pool.contains(good));
    // clear keeps dropping past a panic and leaves an empty, usable pool.
    pool.insert(PanicDrop(drops.clone(), true));
    assert!(catch_unwind(AssertUnwindSafe(|| pool.clear())).is_err());
    assert_eq!(drops.load(SeqCst), 3);
    assert!(pool.is_empty());
    let h = pool.insert(PanicDrop(drops.clone(), false));
    assert!(pool.contains(h));
    drop(pool);
    assert_eq!(drops.load(SeqCst), 4);
}

#[test]
fn a_panicking_closure_changes_nothing() {
    let pool: SyncPool<u32> = SyncPool::bounded(1);
    assert!(catch_unwind(AssertUnwindSafe(|| pool.insert_with(|_| panic!("no")))).is_err());
    assert!(catch_unwind(AssertUnwindSafe(|| pool.acquire_with(|| panic!("no")))).is_err());
    assert_eq!(pool.len(), 0);
    let h = pool.insert(1); // the bound was given back
    assert_eq!(*pool.get(h).unwrap(), 1);
    assert_eq!(h.index(), 0, "and the slot");
}

#[test]
fn user_code_may_reenter_the_pool() {
    // Values whose `Drop` uses their own pool: the pool lives in a static.
    static POOL: std::sync::LazyLock<SyncPool<Reenter>> =
        std::sync::LazyLock::new(|| SyncPool::builder().shards(1).build());
    struct Reenter(bool);
    impl Drop for Reenter {
        fn drop(&mut self) {
            if self.0 {
                let h = POOL.insert(Reenter(false));
                assert!(POOL.remove(h));
            }
        }
    }
    let pool = &*POOL;
    std::thread::scope(|s| {
        // The shared shard too: its lock is never held across user code.
        for _ in 0..2 {
            s.spawn(|| {
                let h = pool.insert_with(|me| {
                    assert!(!pool.contains(me));
                    let inner = pool.insert(Reenter(false));
                    pool.remove(inner);
                    Reenter(true)
                });
                assert!(pool.remove(h));
            });
        }
    });
    assert!(pool.is_empty());
}

#[test]
fn zero_sized_and_over_aligned_values() {
    #[derive(Debug, Default, PartialEq)]
    #[repr(align(128))]
    struct Aligned(u8);
    let pool = SyncPool::new();
    let hs: Vec<_> = (0..100).map(|i| pool.insert(Aligned(i))).collect();
    for (i, h) in hs.iter().enumerate() {
        let r = pool.get(*h).unwrap();
        assert_eq!(&*r as *const Aligned as usize % 128, 0);
        assert_eq!(r.0, i as u8);
    }
    let zst = SyncPool::new();
    let a = zst.insert(());
    let b = zst.insert(());
    assert_ne!(a, b);
    assert!(zst.remove(a));
    assert!(zst.get(a).is_none() && zst.get(b).is_some());
}

#[test]
fn leaked_guards_leak_nothing_at_drop() {
    let drops = Arc::new(AtomicUsize::new(0));
    let mut pool = SyncPool::new();
    let a = pool.insert(counted(&drops, 1));
    let b = pool.insert(counted(&drops, 2));
    std::mem::forget(pool.get(a).unwrap());
    std::mem::forget(pool.rent_mut(b).unwrap());
    assert_eq!(pool.rent_mut(a).unwrap_err(), RentError::Busy);
    assert!(pool.remove(a)); // stale now; the leaked guard holds the value
    assert_eq!(drops.load(SeqCst), 0);
    // Exclusive access ignores the leaked locks.
    assert_eq!(pool.get_mut(b).unwrap().id, 2);
    assert_eq!(pool.iter().count(), 1);
    let c = pool.insert(counted(&drops, 3));
    std::mem::forget(pool.pin());
    assert!(pool.remove(c)); // deferred forever: a pin leaked
    drop(pool);
    assert_eq!(drops.load(SeqCst), 3);
}

#[test]
fn exclusive_phase_iterates_and_drains() {
    let drops = Arc::new(AtomicUsize::new(0));
    let mut pool = SyncPool::new();
    let hs: Vec<_> = (0..20).map(|i| pool.insert(counted(&drops, i))).collect();
    std::thread::scope(|s| {
        let (pool, hs, drops) = (&pool, &hs, &drops);
        s.spawn(move || {
            for h in &hs[10..] {
                pool.insert(counted(drops, 100 + h.index() as u64));
            }
        });
    });
    for h in &hs[..5] {
        pool.remove(*h);
    }
    for (_, v) in pool.iter_mut() {
        v.id += 1000;
    }
    let seen: HashSet<_> = pool.iter().map(|(h, v)| (h, v.id)).collect();
    assert_eq!(seen.len(), 25);
    assert!(hs[5..].iter().all(|h| pool.contains(*h)));
    let mut drain = pool.drain();
    let first = drain.next().unwrap();
    assert!(first.1.id >= 1000);
    drop(drain); // drops the rest
    assert_eq!(drops.load(SeqCst), 5 + 24);
    drop(first);
    assert!(pool.is_empty());
    assert_eq!(drops.load(SeqCst), 30);
}

#[test]
fn a_thread_that_exits_hands_its_shard_back() {
    // Threads come and go one after another: each takes the id (and so the shard) the
    // previous one gave back, so the pool does not run through its shards.
    let pool = SyncPool::builder().shards(4).build();
    let n = if cfg!(miri) { 4 } else { 40 };
    let shards = Mutex::new(HashSet::new());
    for i in 0..n {
        std::thread::scope(|s| {
            s.spawn(|| {
                let h = pool.insert(i);
                shards.lock().unwrap().insert(h.index() >> 24);
                assert!(pool.remove(h));
            });
        });
    }
    let used = shards.into_inner().unwrap();
    // Other tests' threads may take ids meanwhile, so allow a few shards, never one each.
    assert!(used.len() < n as usize, "{used:?}");
    assert_eq!(pool.len(), 0);
}

#[test]
fn stress_mixed_operations_drop_every_value_once() {
    let threads = if cfg!(miri) { 3 } else { 4 };
    let ops = if cfg!(miri) { 150 } else { 60_000 };
    let drops = Arc::new(AtomicUsize::new(0));
    let made = AtomicUsize::new(0);
    let pool: SyncPool<Counted> = SyncPool::builder().shards(3).build();
    let shared: Mutex<Vec<Handle<Counted>>> = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for t in 0..threads {
            let (pool, shared, made, drops) = (&pool, &shared, &made, &drops);
            s.spawn(move || {
                let mut rng = 0x9E37_79B9_7F4A_7C15u64 ^ (t as u64 + 1);
                let mut mine = Vec::new();
                for i in 0..ops {
                    rng ^= rng << 13;
                    rng ^= rng >> 7;
                    rng ^= rng << 17;
                    match rng % 10 {
                        0..=3 => {
                            made.fetch_add(1, SeqCst);
                            mine.push(pool.insert(counted(drops, (t * ops + i) as u64)));
                        }
                        4 => {
                            if let Some(h) = mine.pop() {
                                shared.lock().unwrap().push(h); // removed elsewhere
                            }
                        }
                        5 => {
                            let h = shared.lock().unwrap().pop();
                            if let Some(h) = h {
                                assert!(pool.remove(h), "a handle on the queue is live");
                            }
                        }
                        6 => {
                            if let Some(h) = mine.pop() {
                                match pool.take(h) {
                                    Ok(v) => drop(v),
                                    // Another thread is pinned: the value stays.
                                    Err(RentError::Busy) => assert!(pool.remove(h)),
                                    Err(e) => panic!("{e}"),
                                }
                            }
                        }
                        7 => {
                            let g = pool.pin();
                            for h in mine.iter().rev().take(4) {
                                assert!(pool.get_pinned(&g, *h).is_some());
                            }
                        }
                        8 => {
                            if let Some(h) = mine.last() {
                                let r = pool.get(*h).unwrap();
                                assert!(r.id < (threads * ops) as u64);
                            }
                        }
                        _ => {
                            if let Some(h) = mine.pop() {
                                assert!(pool.remove(h));
                            }
                            if i % 64 == 0 {
                                pool.collect();
                            }
                        }
                    }
                }
                for h in mine {
                    assert!(pool.remove(h));
                }
            });
        }
    });
    for h in shared.into_inner().unwrap() {
        assert!(pool.remove(h));
    }
    pool.collect();
    assert_eq!(pool.len(), 0);
    assert_eq!(
        drops.load(SeqCst),
        made.load(SeqCst),
        "every removed value dropped once"
    );
    drop(pool);
    assert_eq!(drops.load(SeqCst), made.load(SeqCst));
}

#[test]
fn stress_producer_consumer_recycling() {
    let rounds = if cfg!(miri) { 100 } else { 100_000 };
    let pool: SyncPool<Vec<u8>> = SyncPool::builder()
        .factory(|| Vec::with_capacity(64))
        .build();
    let (tx, rx) = std::sync::mpsc::sync_channel::<Handle<Vec<u8>>>(64);
    std::thread::scope(|s| {
        s.spawn(|| {
            for i in 0..rounds {
                let h = pool.acquire();
                pool.rent_mut(h)
                    .unwrap()
                    .extend_from_slice(&(i as u32).to_le_bytes());
                tx.send(h).unwrap();
            }
            drop(tx);
        });
        s.spawn(|| {
            for (expect, h) in rx.into_iter().enumerate() {
                assert_eq!(*pool.get(h).unwrap(), (expect as u32).to_le_bytes());
                pool.release(h).unwrap();
            }
        });
    });
    let t = pool.stats().total;
    assert_eq!(t.live, 0);
    assert!(t.acquire_misses < 200, "{t:?}");
}

#[test]
fn send_and_sync_bounds() {
    fn send_sync<T: Send + Sync>() {}
    fn send<T: Send>() {}
    send_sync::<SyncPool<String>>();
    send_sync::<SyncPool<Vec<u8>>>();
    send::<SyncPool<std::cell::Cell<u8>>>();
    send_sync::<pool_core::sync_pool::Ref<'static, String>>();
    send::<pool_core::sync_pool::Recycled<'static, String>>();
    send_sync::<Handle<std::rc::Rc<u8>>>();
}

#[test]
fn releases_from_other_threads_keep_len_and_bound_exact() {
    let pool: SyncPool<String> = SyncPool::bounded(4);
    let hs: Vec<_> = (0..4).map(|_| pool.acquire()).collect();
    assert!(pool.try_acquire().is_err());
    std::thread::scope(|s| {
        s.spawn(|| {
            for h in &hs {
                pool.release(*h).unwrap();
            }
            let g = pool.acquire_guard(); // this thread's own shard
            drop(g);
        });
    });
    assert_eq!(pool.len(), 0);
    let t = pool.stats().total;
    assert_eq!((t.live, t.remote_releases), (0, 4));
    let again: Vec<_> = (0..4).map(|_| pool.try_acquire().unwrap()).collect();
    assert_eq!(pool.len(), 4);
    assert!(pool.try_acquire().is_err(), "the bound holds");
    assert_eq!(pool.stats().total.acquire_hits, 4);
    // A guard released on another thread, and a release whose `Reset` panics there.
    let drops = Arc::new(AtomicUsize::new(0));
    let panicky = SyncPool::new();
    let h = panicky.insert(PanicReset {
        panic: true,
        drops: drops.clone(),
    });
    std::thread::scope(|s| {
        s.spawn(|| {
            assert!(catch_unwind(AssertUnwindSafe(|| panicky.release(h))).is_err());
        });
    });
    assert_eq!((panicky.len(), drops.load(SeqCst)), (0, 1));
    drop(again);
}

#[test]
fn prefill_builds_spares_for_the_calling_thread() {
    let made = AtomicUsize::new(0);
    let make = || {
        made.fetch_add(1, SeqCst);
        Vec::<u8>::with_capacity(64)
    };
    let pool = SyncPool::new();
    pool.prefill_with(5, make);
    assert_eq!(made.load(SeqCst), 5);
    let stats = pool.stats();
    assert_eq!((stats.total.spares, stats.total.live), (5, 0));
    assert!(pool.is_empty());
    // Tops up to `n`: five wait already.
    pool.prefill_with(3, make);
    assert_eq!(made.load(SeqCst), 5);
    let hs: Vec<_> = (0..5)
        .map(|_| pool.acquire_with(|| unreachable!("a spare waits")))
        .collect();
    assert!(hs.iter().all(|h| pool.get(*h).unwrap().capacity() >= 64));
    assert_eq!(pool.stats().total.acquire_hits, 5);
    assert_eq!(pool.stats().total.spares, 0);
    assert_eq!(pool.len(), 5);
    // The next acquire builds.
    let h = pool.acquire_with(make);
    assert_eq!(made.load(SeqCst), 6);
    assert_eq!(pool.stats().total.acquire_misses, 1);
    // Another thread prefills its own shard.
    std::thread::scope(|s| {
        s.spawn(|| {
            pool.prefill(2);
            let h = pool.acquire_with(|| unreachable!("this thread's spare"));
            pool.release(h).unwrap();
        });
    });
    let stats = pool.stats();
    assert_eq!(stats.total.spares, 2);
    assert_eq!(stats.shards.iter().filter(|s| s.spares == 2).count(), 1);
    for h in hs.into_iter().chain([h]) {
        pool.release(h).unwrap();
    }
    assert_eq!(pool.stats().total.spares, 8);
}

#[test]
fn prefill_uses_the_factory_and_a_bound_caps_it() {
    let pool: SyncPool<Vec<u8>> = SyncPool::builder()
        .bounded(3)
        .factory(|| vec![7; 4])
        .build();
    pool.prefill_with(10, || unreachable!("the factory builds"));
    assert_eq!(pool.stats().total.spares, 3, "no more can be live at once");
    let hs: Vec<_> = (0..3).map(|_| pool.try_acquire().unwrap()).collect();
    assert!(hs.iter().all(|h| *pool.get(*h).unwrap() == [7; 4]));
    assert_eq!(pool.stats().total.acquire_hits, 3);
    assert!(matches!(
        pool.try_acquire(),
        Err(PoolError::Full { capacity: 3 })
    ));
}

#[test]
fn a_panicking_maker_keeps_the_spares_built_and_loses_no_slot() {
    let drops = Arc::new(AtomicUsize::new(0));
    let pool = SyncPool::new();
    let mut calls = 0;
    let r = catch_unwind(AssertUnwindSafe(|| {
        pool.prefill_with(5, || {
            calls += 1;
            if calls == 3 {
                panic!("maker failed");
            }
            PanicReset {
                panic: false,
                drops: drops.clone(),
            }
        })
    }));
    assert!(r.is_err());
    let stats = pool.stats();
    assert_eq!((stats.total.spares, stats.total.live), (2, 0));
    let capacity = stats.total.capacity;
    // The slot taken for the third value went back: filling up to capacity allocates
    // nothing more.
    let hs: Vec<_> = (0..capacity)
        .map(|_| {
            pool.acquire_with(|| PanicReset {
                panic: false,
                drops: drops.clone(),
            })
        })
        .collect();
    assert_eq!(pool.stats().total.capacity, capacity);
    assert_eq!(pool.stats().total.acquire_hits, 2);
    drop(hs);
    drop(pool);
    assert_eq!(
        drops.load(SeqCst) as u64,
        capacity,
        "every value dropped once"
    );
}

#[test]
fn prefill_on_the_shared_shard_may_reenter_the_pool() {
    let pool: SyncPool<String> = SyncPool::builder().shards(1).build();
    let mine = pool.insert(String::from("owner")); // this thread takes the one shard
    std::thread::scope(|s| {
        s.spawn(|| {
            // The shared shard: its lock is not held while the maker runs.
            pool.prefill_with(2, || {
                let h = pool.insert(String::from("inner"));
                assert!(pool.remove(h));
                String::from("spare")
            });
            let stats = pool.stats();
            assert_eq!(stats.shards.last().unwrap().spares, 2);
            let h = pool.acquire_with(|| unreachable!("a spare waits"));
            assert_eq!(*pool.get(h).unwrap(), "spare");
            assert!(pool.remove(h));
        });
    });
    assert_eq!(pool.len(), 1);
    assert_eq!(*pool.get(mine).unwrap(), "owner");
}
