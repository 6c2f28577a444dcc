//! sharded-slab's own test suite, carried over to `SyncPool`.
//!
//! sharded-slab checks its `Slab` and `Pool` with loom models (`src/tests/loom_slab.rs`,
//! `src/tests/loom_pool.rs`), a property test that runs random actions under several
//! thread ids (`src/tests/properties.rs`, carried over in `peer_sharded_slab_properties.rs`),
//! a custom-configuration test and a memory-leak regression
//! (`tests/reserved_bits_leak.rs`). Here each model runs on real threads, many
//! times over natively and a few times under Miri (which checks every interleaving it
//! takes for data races); our own loom models of the pool's internals are in
//! `loom_sync_pool.rs`.
//!
//! Where sharded-slab and `SyncPool` differ, the test checks what we do instead:
//! - `take` does not wait for guards: it returns `RentError::Busy` and leaves the value.
//!   Two racing `take`s give one value and one error.
//! - sharded-slab's `Pool::clear` of a value others still read marks it and resets it
//!   later; `SyncPool::release` refuses with `Busy` and changes nothing.
//! - A `Recycled` guard (sharded-slab's `create` guard) releases its value when dropped;
//!   `into_handle` keeps it, which is what the `create` tests rely on.
//! - There are no `Arc`-owned guards: a `Ref` borrows the pool, so the "owned entry" tests
//!   send `Ref`s between scoped threads, and "owned entries outlive the slab" is the
//!   borrow checker's to reject.
//! - Not carried over: `max_refs` (our shared count holds 2³⁰ - 1 guards, too many to
//!   create in a test; past it `get` says `Busy`, see the unit tests of the state word),
//!   the `downgrade` tests (no such API), and the page-index layout checks (they test
//!   sharded-slab's own key layout; we check slot reuse through the handle's index).

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Condvar, Mutex};
use std::thread;

use pool_core::{Handle, PoolError, RentError, Reset, SyncPool};

/// How often each racy model runs: each run is one more interleaving.
const RUNS: usize = if cfg!(miri) { 2 } else { 200 };

/// A value that records that it was dropped (sharded-slab's `SetDropped`).
struct SetDropped {
    val: usize,
    dropped: Arc<AtomicBool>,
}

impl Drop for SetDropped {
    fn drop(&mut self) {
        assert!(!self.dropped.swap(true, SeqCst), "dropped twice");
    }
}

fn set_dropped(val: usize) -> (Arc<AtomicBool>, SetDropped) {
    let dropped = Arc::new(AtomicBool::new(false));
    let value = SetDropped {
        val,
        dropped: Arc::clone(&dropped),
    };
    (dropped, value)
}

// === loom_slab.rs ===

#[test]
fn take_local() {
    for _ in 0..RUNS {
        let pool = SyncPool::new();
        let own = |a: u32, b: u32| {
            let h = pool.insert(a);
            assert_eq!(*pool.get(h).unwrap(), a);
            assert_eq!(pool.take(h), Ok(a));
            assert!(pool.get(h).is_none());
            let h = pool.insert(b);
            assert_eq!(*pool.get(h).unwrap(), b);
            assert_eq!(pool.take(h), Ok(b));
            assert!(pool.get(h).is_none());
        };
        thread::scope(|s| {
            s.spawn(|| own(1, 2));
            s.spawn(|| own(3, 4));
            let h1 = pool.insert(5);
            let h2 = pool.insert(6);
            assert_eq!(*pool.get(h1).unwrap(), 5);
            assert_eq!(pool.take(h1), Ok(5));
            assert!(pool.get(h1).is_none());
            assert_eq!(*pool.get(h2).unwrap(), 6);
            assert_eq!(pool.take(h2), Ok(6));
            assert!(pool.get(h2).is_none());
        });
        assert!(pool.is_empty());
    }
}

#[test]
fn take_remote() {
    for _ in 0..RUNS {
        let pool = SyncPool::new();
        let h1 = pool.insert(1);
        let h2 = pool.insert(2);
        let h3 = pool.insert(3);
        thread::scope(|s| {
            s.spawn(|| {
                assert_eq!(*pool.get(h2).unwrap(), 2);
                assert_eq!(pool.take(h2), Ok(2));
            });
            s.spawn(|| {
                assert_eq!(*pool.get(h3).unwrap(), 3);
                assert_eq!(pool.take(h3), Ok(3));
            });
        });
        assert_eq!(*pool.get(h1).unwrap(), 1);
        assert!(pool.get(h2).is_none());
        assert!(pool.get(h3).is_none());
        assert_eq!(pool.len(), 1);
    }
}

/// Exactly one of two racing `take`s gets the value; the other is told it is stale, or
/// busy if it came while the winner held the slot.
fn one_take_wins(a: Result<u32, RentError>, b: Result<u32, RentError>) {
    match (a, b) {
        (Ok(1), Err(e)) | (Err(e), Ok(1)) => {
            assert!(matches!(e, RentError::Stale | RentError::Busy), "{e:?}")
        }
        other => panic!("both or neither took the value: {other:?}"),
    }
}

#[test]
fn racy_take() {
    for _ in 0..RUNS {
        let pool = SyncPool::new();
        let h = pool.insert(1);
        assert_eq!(*pool.get(h).unwrap(), 1);
        let (a, b) = thread::scope(|s| {
            let t1 = s.spawn(|| pool.take(h));
            let t2 = s.spawn(|| pool.take(h));
            (t1.join().unwrap(), t2.join().unwrap())
        });
        one_take_wins(a, b);
        assert!(pool.get(h).is_none());
        assert!(pool.is_empty());
    }
}

#[test]
fn racy_take_local() {
    for _ in 0..RUNS {
        let pool = SyncPool::new();
        let h = pool.insert(1);
        let (a, b) = thread::scope(|s| {
            let t2 = s.spawn(|| pool.take(h));
            let a = pool.take(h);
            (a, t2.join().unwrap())
        });
        one_take_wins(a, b);
        assert!(pool.get(h).is_none());
    }
}

#[test]
fn concurrent_insert_take() {
    let rounds = if cfg!(miri) { 3 } else { 100 };
    let pool = SyncPool::new();
    let pair = (Mutex::new(None::<Handle<u32>>), Condvar::new());
    thread::scope(|s| {
        s.spawn(|| {
            let (lock, cvar) = &pair;
            for i in 0..rounds {
                let mut next = lock.lock().unwrap();
                while next.is_none() {
                    next = cvar.wait(next).unwrap();
                }
                let h = next.take().unwrap();
                assert_eq!(pool.take(h), Ok(i));
                cvar.notify_one();
            }
        });
        let (lock, cvar) = &pair;
        for i in 0..rounds {
            let h = pool.insert(i);
            let mut next = lock.lock().unwrap();
            *next = Some(h);
            cvar.notify_one();
            while next.is_some() {
                next = cvar.wait(next).unwrap();
            }
            assert!(pool.get(h).is_none());
        }
    });
    assert!(pool.is_empty());
}

#[test]
fn take_remote_and_reuse() {
    for _ in 0..RUNS {
        let pool = SyncPool::with_capacity(2);
        let h1 = pool.insert(1);
        let h2 = pool.insert(2);
        let h3 = pool.insert(3);
        let h4 = pool.insert(4);
        let h5 = thread::scope(|s| {
            s.spawn(|| assert_eq!(pool.take(h1), Ok(1)));
            pool.insert(5)
        });
        assert!(pool.get(h1).is_none());
        assert_eq!(*pool.get(h5).unwrap(), 5);
        assert_eq!(*pool.get(h2).unwrap(), 2);
        assert_eq!(*pool.get(h3).unwrap(), 3);
        assert_eq!(*pool.get(h4).unwrap(), 4);
    }
}

/// A full bounded pool whose values another thread takes lets its inserter in again:
/// sharded-slab's `store_when_free` with a page of two slots.
#[test]
fn concurrent_remove_remote_and_reuse() {
    for _ in 0..RUNS {
        let pool = SyncPool::bounded(2);
        let h1 = pool.insert(1);
        let h2 = pool.insert(2);
        assert_eq!(
            pool.try_insert(9).unwrap_err().reason(),
            PoolError::Full { capacity: 2 }
        );
        let h3 = thread::scope(|s| {
            let t1 = s.spawn(|| pool.take(h1).expect("must remove"));
            let t2 = s.spawn(|| pool.take(h2).expect("must remove"));
            let mut value = 3;
            loop {
                let done = t1.is_finished() && t2.is_finished();
                match pool.try_insert(value) {
                    Ok(h) => break h,
                    // Once both takes have finished, the slots must be usable again.
                    Err(e) if !done => {
                        assert_eq!(e.reason(), PoolError::Full { capacity: 2 });
                        value = e.into_value();
                        thread::yield_now();
                    }
                    Err(e) => panic!("both values were taken, yet: {e}"),
                }
            }
        });
        assert!(pool.get(h1).is_none());
        assert!(pool.get(h2).is_none());
        assert_eq!(*pool.get(h3).unwrap(), 3);
        // The second slot is free too.
        let h4 = pool.try_insert(4).unwrap();
        assert_eq!(*pool.get(h4).unwrap(), 4);
        assert!(pool.try_insert(5).is_err());
    }
}

#[test]
fn remove_local() {
    for _ in 0..RUNS {
        let pool = SyncPool::new();
        let (dropped, item) = set_dropped(1);
        let h = pool.insert(item);
        let guard = pool.get(h).unwrap();
        assert!(pool.remove(h));
        thread::scope(|s| {
            s.spawn(|| assert!(pool.get(h).is_none()));
            assert!(pool.get(h).is_none());
        });
        assert!(!dropped.load(SeqCst), "dropped while a guard reads it");
        assert_eq!(guard.val, 1);
        drop(guard);
        assert!(pool.get(h).is_none());
        assert!(dropped.load(SeqCst));
    }
}

#[test]
fn remove_remote() {
    for _ in 0..RUNS {
        let pool = SyncPool::new();
        let (dropped, item) = set_dropped(1);
        let h = pool.insert(item);
        assert!(pool.remove(h));
        thread::scope(|s| {
            s.spawn(|| assert!(pool.get(h).is_none()));
        });
        assert!(pool.get(h).is_none());
        assert!(dropped.load(SeqCst));
    }
}

/// A reader of a handle that is removed while it looks, and whose slot is reused at once,
/// never sees the new value through the old handle.
#[test]
fn remove_remote_during_insert() {
    for _ in 0..RUNS {
        let pool = SyncPool::new();
        let (dropped, item) = set_dropped(1);
        let h = pool.insert(item);
        let (dropped2, item2) = set_dropped(2);
        let h2 = thread::scope(|s| {
            s.spawn(|| {
                let g = pool.get(h);
                assert_ne!(g.as_ref().map(|v| v.val), Some(2));
            });
            assert!(pool.remove(h));
            pool.insert(item2)
        });
        assert!(pool.get(h).is_none());
        assert_eq!(pool.get(h2).map(|v| v.val), Some(2));
        assert!(dropped.load(SeqCst));
        drop(pool);
        assert!(dropped2.load(SeqCst));
    }
}

#[test]
fn unique_iter() {
    for _ in 0..RUNS {
        let mut pool = SyncPool::new();
        thread::scope(|s| {
            s.spawn(|| {
                pool.insert(1);
                pool.insert(2);
            });
            s.spawn(|| {
                pool.insert(3);
                pool.insert(4);
            });
        });
        let mut items: Vec<i32> = pool.iter().map(|(_, &v)| v).collect();
        items.sort_unstable();
        assert_eq!(items, [1, 2, 3, 4]);
    }
}

/// Many values in a pool that starts with room for two: every growth keeps the values.
#[test]
fn custom_page_sz() {
    let n = if cfg!(miri) { 64 } else { 1024 };
    let pool = SyncPool::builder().capacity(2).shards(2).build();
    let handles: Vec<_> = (0..n).map(|i| pool.insert(i)).collect();
    for (i, h) in handles.iter().enumerate() {
        assert_eq!(*pool.get(*h).unwrap(), i);
    }
}

/// The most recently freed slot is the next one used (sharded-slab's `free_list_reuse`).
#[test]
fn free_list_reuse_local_remove() {
    let pool = SyncPool::with_capacity(2);
    let t1 = pool.insert("hello");
    let t2 = pool.insert("world");
    let _t3 = pool.insert("earth");
    assert!(pool.remove(t2));
    let t4 = pool.insert("universe");
    assert_eq!(t4.index(), t2.index(), "the second slot is reused");
    assert_ne!(t4, t2);
    assert!(pool.remove(t1));
    let t5 = pool.insert("goodbye");
    assert_eq!(t5.index(), t1.index(), "the first slot is reused");
    assert!(pool.get(t1).is_none() && pool.get(t2).is_none());
}

#[test]
fn free_list_reuse_local_take() {
    let pool = SyncPool::with_capacity(2);
    let t1 = pool.insert("hello");
    let t2 = pool.insert("world");
    let _t3 = pool.insert("earth");
    assert_eq!(pool.take(t2), Ok("world"));
    let t4 = pool.insert("universe");
    assert_eq!(t4.index(), t2.index(), "the second slot is reused");
    assert_eq!(pool.take(t1), Ok("hello"));
    let t5 = pool.insert("goodbye");
    assert_eq!(t5.index(), t1.index(), "the first slot is reused");
    assert_eq!(*pool.get(t4).unwrap(), "universe");
    assert_eq!(*pool.get(t5).unwrap(), "goodbye");
}

/// `insert_with` is sharded-slab's `vacant_entry`: the handle exists before the value,
/// and nobody can read, remove or take it until the value is in.
#[test]
fn vacant_entry() {
    for _ in 0..RUNS {
        let pool = SyncPool::new();
        let h = pool.insert_with(|h| {
            thread::scope(|s| {
                s.spawn(|| assert!(pool.get(h).is_none()));
            });
            "hello world"
        });
        thread::scope(|s| {
            s.spawn(|| assert_eq!(*pool.get(h).unwrap(), "hello world"));
        });
        assert_eq!(*pool.get(h).unwrap(), "hello world");
    }
}

#[test]
fn vacant_entry_remove() {
    for _ in 0..RUNS {
        let pool = SyncPool::new();
        let h = pool.insert_with(|h| {
            thread::scope(|s| {
                s.spawn(|| {
                    assert!(!pool.remove(h));
                    assert_eq!(pool.take(h), Err(RentError::Stale));
                    assert!(!pool.contains(h));
                });
            });
            "hello world"
        });
        assert_eq!(*pool.get(h).unwrap(), "hello world");
        assert_eq!(pool.len(), 1);
    }
}

// --- sharded-slab's owned entries, as `Ref`s sent between scoped threads ---

#[test]
fn owned_entry_send_out_of_local() {
    for _ in 0..RUNS {
        let pool = SyncPool::new();
        let (d1, v1) = set_dropped(1);
        let (d2, v2) = set_dropped(2);
        let h1 = pool.insert(v1);
        let h2 = pool.insert(v2);
        let item1 = pool.get(h1).unwrap();
        let item2 = pool.get(h2).unwrap();
        assert!(pool.remove(h1));
        thread::scope(|s| {
            s.spawn(move || {
                assert_eq!(item1.val, 1);
                drop(item1);
            });
            s.spawn(|| {
                assert_eq!(item2.val, 2);
                assert!(pool.remove(h2));
                drop(item2);
            });
        });
        assert!(pool.get(h1).is_none() && pool.get(h2).is_none());
        assert!(d1.load(SeqCst) && d2.load(SeqCst));
    }
}

#[test]
fn owned_entry_ping_pong() {
    for _ in 0..RUNS {
        let pool = SyncPool::new();
        let (d1, v1) = set_dropped(1);
        let (d2, v2) = set_dropped(2);
        let h1 = pool.insert(v1);
        let h2 = pool.insert(v2);
        let item1 = pool.get(h1).unwrap();
        let (item1, item2) = thread::scope(|s| {
            let t1 = s.spawn(|| {
                assert_eq!(item1.val, 1);
                pool.remove(h1);
                item1
            });
            let t2 = s.spawn(|| {
                let item2 = pool.get(h2).unwrap();
                assert_eq!(item2.val, 2);
                pool.remove(h1);
                item2
            });
            (t1.join().unwrap(), t2.join().unwrap())
        });
        assert_eq!(item1.val, 1);
        assert_eq!(item2.val, 2);
        assert!(!d1.load(SeqCst), "dropped while a guard reads it");
        drop(item1);
        assert!(d1.load(SeqCst));
        drop(item2);
        assert!(!d2.load(SeqCst), "never removed");
        assert_eq!(pool.len(), 1);
    }
}

#[test]
fn owned_entry_drop_from_other_threads() {
    for _ in 0..RUNS {
        let drops = AtomicUsize::new(0);
        let pool = SyncPool::new();
        struct Counted<'a>(&'a AtomicUsize);
        impl Drop for Counted<'_> {
            fn drop(&mut self) {
                self.0.fetch_add(1, SeqCst);
            }
        }
        let h1 = pool.insert(Counted(&drops));
        let item1 = pool.get(h1).unwrap();
        thread::scope(|s| {
            let t1 = s.spawn(|| {
                let h2 = pool.insert(Counted(&drops));
                let item2 = pool.get(h2).unwrap();
                let t2 = s.spawn(|| {
                    let _ = &item2;
                    pool.remove(h1);
                    drop(item2);
                });
                let _ = &item1;
                pool.remove(h2);
                drop(item1);
                (t2, h2)
            });
            let (t2, h2) = t1.join().unwrap();
            let _ = pool.get(h1);
            let _ = pool.get(h2);
            t2.join().unwrap();
            assert!(pool.get(h1).is_none());
            assert!(pool.get(h2).is_none());
        });
        assert_eq!(drops.load(SeqCst), 2);
        assert!(pool.is_empty());
    }
}

// === loom_pool.rs: recycling (sharded-slab's `Pool::create` and `clear`) ===

/// A value that must be reset, not dropped, by recycling.
struct DontDropMe {
    id: usize,
    dropped: Arc<AtomicBool>,
    resets: Arc<AtomicUsize>,
}

impl DontDropMe {
    fn new(id: usize) -> Self {
        DontDropMe {
            id,
            dropped: Arc::default(),
            resets: Arc::default(),
        }
    }
    fn assert_reset(&self, times: usize) {
        assert!(!self.dropped.load(SeqCst), "dropped, not kept");
        assert_eq!(self.resets.load(SeqCst), times);
    }
    fn watch(&self) -> DontDropMe {
        DontDropMe {
            id: self.id,
            dropped: Arc::clone(&self.dropped),
            resets: Arc::clone(&self.resets),
        }
    }
}

impl Drop for DontDropMe {
    fn drop(&mut self) {
        // The watcher copies share the flags; only the pooled value (id != 0) counts.
        if self.id != 0 {
            self.dropped.store(true, SeqCst);
        }
    }
}

impl Reset for DontDropMe {
    fn reset(&mut self) {
        self.resets.fetch_add(1, SeqCst);
    }
}

fn watched(id: usize) -> (DontDropMe, DontDropMe) {
    let value = DontDropMe::new(id);
    let mut watcher = value.watch();
    watcher.id = 0;
    (watcher, value)
}

#[test]
fn dont_drop() {
    let pool: SyncPool<DontDropMe> = SyncPool::new();
    let (item, value) = watched(1);
    let h = pool.acquire_with(move || value);
    item.assert_reset(0);
    assert_eq!(pool.release(h), Ok(()));
    item.assert_reset(1);
    assert!(pool.get(h).is_none());
    // The spare comes back on the next acquire, still not dropped.
    let again = pool.acquire_with(|| panic!("a spare was waiting"));
    assert_eq!(pool.get(again).unwrap().id, 1);
    item.assert_reset(1);
    drop(pool);
    assert!(item.dropped.load(SeqCst), "dropped with the pool");
}

/// sharded-slab marks a value that others read for clearing later; `release` refuses
/// while a guard is alive and changes nothing, and succeeds once the guard is gone.
#[test]
fn concurrent_create_with_clear() {
    for _ in 0..RUNS {
        let pool: SyncPool<DontDropMe> = SyncPool::new();
        let (item, value) = watched(1);
        let h = pool.acquire_with(move || value);
        let ready = (Mutex::new(false), Condvar::new());
        let go = (Mutex::new(false), Condvar::new());
        thread::scope(|s| {
            s.spawn(|| {
                let g = pool.get(h).unwrap();
                assert_eq!(g.id, 1);
                *ready.0.lock().unwrap() = true;
                ready.1.notify_one();
                let mut go_on = go.0.lock().unwrap();
                while !*go_on {
                    go_on = go.1.wait(go_on).unwrap();
                }
                drop(g);
            });
            let mut r = ready.0.lock().unwrap();
            while !*r {
                r = ready.1.wait(r).unwrap();
            }
            drop(r);
            assert_eq!(pool.release(h), Err(RentError::Busy));
            item.assert_reset(0);
            assert_eq!(pool.get(h).unwrap().id, 1, "still live");
            *go.0.lock().unwrap() = true;
            go.1.notify_one();
        });
        assert_eq!(pool.release(h), Ok(()));
        item.assert_reset(1);
    }
}

#[test]
fn racy_clear() {
    for _ in 0..RUNS {
        let pool: SyncPool<DontDropMe> = SyncPool::new();
        let (item, value) = watched(1);
        let h = pool.acquire_with(move || value);
        assert_eq!(pool.get(h).unwrap().id, 1);
        let (a, b) = thread::scope(|s| {
            let t2 = s.spawn(|| pool.release(h));
            (pool.release(h), t2.join().unwrap())
        });
        assert!(
            a.is_ok() != b.is_ok(),
            "exactly one release succeeds: {a:?} {b:?}"
        );
        assert!(pool.get(h).is_none());
        item.assert_reset(1);
    }
}

#[test]
fn clear_local_and_reuse() {
    let pool: SyncPool<String> = SyncPool::with_capacity(2);
    let h1 = pool.acquire_with(|| String::from("hello world"));
    let h2 = pool.acquire_with(|| String::from("foo"));
    let h3 = pool.acquire_with(|| String::from("bar"));
    assert_eq!(*pool.get(h1).unwrap(), "hello world");
    assert_eq!(*pool.get(h2).unwrap(), "foo");
    assert_eq!(*pool.get(h3).unwrap(), "bar");
    assert_eq!(pool.release(h1), Ok(()));
    let again = pool.acquire();
    assert_eq!(again.index(), h1.index(), "the slot is reused");
    let mut g = pool.rent_mut(again).unwrap();
    assert!(g.is_empty(), "reset");
    assert!(g.capacity() >= 11, "the buffer is kept");
    g.push('h');
    drop(g);
    assert_eq!(*pool.get(again).unwrap(), "h");
}

#[test]
fn create_mut_guard_prevents_access() {
    for _ in 0..RUNS {
        let pool: SyncPool<String> = SyncPool::new();
        let guard = pool.acquire_guard();
        let h = guard.handle();
        thread::scope(|s| {
            s.spawn(|| {
                assert!(pool.get(h).is_none());
                assert_eq!(pool.rent_mut(h).unwrap_err(), RentError::Busy);
                assert_eq!(pool.take(h).unwrap_err(), RentError::Busy);
            });
        });
        drop(guard);
        assert!(pool.get(h).is_none(), "a dropped guard releases its value");
    }
}

#[test]
fn create_mut_guard() {
    for _ in 0..RUNS {
        let pool: SyncPool<String> = SyncPool::new();
        let mut guard = pool.acquire_guard();
        let h = guard.handle();
        thread::scope(|s| {
            s.spawn(|| {
                if let Some(v) = pool.get(h) {
                    assert_eq!(*v, "Hello world");
                }
            });
            guard.push_str("Hello world");
            assert_eq!(guard.into_handle(), h);
            s.spawn(|| assert_eq!(*pool.get(h).unwrap(), "Hello world"));
        });
        assert_eq!(*pool.get(h).unwrap(), "Hello world");
    }
}

// === custom_config.rs and reserved_bits_leak.rs ===

fn sorted_values(pool: &mut SyncPool<u64>) -> Vec<u64> {
    let mut v: Vec<u64> = pool.iter().map(|(_, &v)| v).collect();
    v.sort_unstable();
    v
}

/// A pool built with other settings behaves as the default one until its limits.
#[test]
fn custom_config_insert_remove_and_double_get() {
    let mut default = SyncPool::<u64>::new();
    let mut custom = SyncPool::<u64>::builder()
        .capacity(32)
        .shards(15)
        .bounded(1000)
        .build();
    for pool in [&default, &custom] {
        for i in 0..=5 {
            let h = pool.insert(i);
            assert!(pool.get(h).is_some());
            assert!(pool.get(h).is_some());
            assert!(pool.remove(h));
            let kept = pool.insert(i * 10);
            assert_eq!(*pool.get(kept).unwrap(), i * 10);
        }
    }
    assert_eq!(sorted_values(&mut default), sorted_values(&mut custom));
}

/// sharded-slab issue 83: insert and remove in a loop must not grow the memory.
#[test]
fn insert_remove_does_not_grow() {
    let pool = SyncPool::new();
    let h = pool.insert(0u64);
    assert!(pool.remove(h));
    let capacity = pool.stats().total.capacity;
    for i in 0..if cfg!(miri) { 50 } else { 10_000 } {
        let h = pool.insert(i);
        assert!(pool.remove(h));
        assert_eq!(pool.stats().total.capacity, capacity, "grew at {i}");
    }
    // And from another thread, whose frees are remote.
    let h = pool.insert(0);
    thread::scope(|s| {
        s.spawn(|| assert!(pool.remove(h)));
    });
    for i in 0..if cfg!(miri) { 50 } else { 2_000 } {
        let h = pool.insert(i);
        thread::scope(|s| {
            s.spawn(|| assert!(pool.remove(h)));
        });
        assert!(pool.stats().total.capacity <= capacity + 1, "grew at {i}");
    }
}
