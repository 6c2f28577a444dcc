//! Loom models of SyncPool: every interleaving (up to the preemption bound) of the real
//! code, through the `sync` facade.
//!
//! ```sh
//! RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=2 cargo test -p pool-core --release --test loom_sync_pool
//! ```
#![cfg(loom)]

use loom::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use loom::sync::Arc;
use loom::thread;
use pool_core::SyncPool;

struct Counted(Arc<AtomicUsize>, u32);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.fetch_add(1, SeqCst);
    }
}

fn model(f: impl Fn() + Sync + Send + 'static) {
    let mut b = loom::model::Builder::new();
    if b.preemption_bound.is_none() {
        b.preemption_bound = Some(2);
    }
    b.check(f);
}

#[test]
fn two_threads_insert_and_remove() {
    model(|| {
        let pool = Arc::new(SyncPool::<u32>::builder().shards(2).build());
        let p2 = pool.clone();
        let t = thread::spawn(move || {
            let h = p2.insert(1);
            assert_eq!(*p2.get(h).unwrap(), 1);
            assert!(p2.remove(h));
        });
        let h = pool.insert(2);
        assert!(pool.remove(h));
        t.join().unwrap();
        assert_eq!(pool.len(), 0);
    });
}

#[test]
fn cross_thread_remove_while_a_guard_is_alive() {
    model(|| {
        let drops = Arc::new(AtomicUsize::new(0));
        let pool = Arc::new(SyncPool::builder().shards(2).build());
        let h = pool.insert(Counted(drops.clone(), 7));
        let p2 = pool.clone();
        let t = thread::spawn(move || {
            assert!(p2.remove(h));
        });
        if let Some(r) = pool.get(h) {
            // Whatever the order, the value stays valid while the guard lives.
            assert_eq!(r.1, 7);
        }
        t.join().unwrap();
        assert_eq!(drops.load(SeqCst), 1);
        assert!(!pool.contains(h));
    });
}

#[test]
fn a_pin_racing_a_remove_never_sees_a_dropped_value() {
    model(|| {
        let drops = Arc::new(AtomicUsize::new(0));
        let pool = Arc::new(SyncPool::builder().shards(2).build());
        let h = pool.insert(Counted(drops.clone(), 9));
        let p2 = pool.clone();
        let t = thread::spawn(move || {
            assert!(p2.remove(h));
            p2.collect();
        });
        {
            let g = pool.pin();
            if let Some(v) = pool.get_pinned(&g, h) {
                assert_eq!(v.1, 9);
                assert_eq!(drops.load(SeqCst), 0, "dropped while pinned");
            }
        }
        t.join().unwrap();
        pool.collect();
        pool.collect();
        assert_eq!(drops.load(SeqCst), 1);
    });
}

#[test]
fn remote_frees_are_reused_by_the_owner() {
    model(|| {
        let pool = Arc::new(SyncPool::<u32>::builder().shards(2).build());
        let h = pool.insert(1);
        let p2 = pool.clone();
        let t = thread::spawn(move || {
            assert!(p2.remove(h)); // another thread: the remote list
        });
        t.join().unwrap();
        let h2 = pool.insert(2); // the owner takes the remote list when its own is dry
        assert_eq!(h2.index(), h.index());
        assert!(!pool.contains(h));
        assert_eq!(pool.stats().total.remote_frees, 1);
    });
}

#[test]
fn remote_release_and_acquire() {
    model(|| {
        let pool = Arc::new(SyncPool::<Vec<u8>>::builder().shards(2).build());
        let h = pool.acquire();
        let p2 = pool.clone();
        let t = thread::spawn(move || {
            p2.rent_mut(h).unwrap().push(1);
            p2.release(h).unwrap();
        });
        let h2 = pool.acquire();
        assert!(pool.get(h2).unwrap().is_empty());
        t.join().unwrap();
        assert!(pool.release(h2).is_ok());
    });
}

#[test]
fn a_later_thread_takes_over_the_shard_of_one_that_exited() {
    model(|| {
        let pool = Arc::new(SyncPool::<u32>::builder().shards(2).build());
        // Loom drops thread-locals outside the model, so the threads give their ids back
        // explicitly, as their exit does in a real program.
        let p = pool.clone();
        let a = thread::spawn(move || {
            let s = p.insert(1).index() >> 24;
            pool_core::__loom::exit_thread();
            s
        });
        let p = pool.clone();
        let b = thread::spawn(move || {
            let s = p.insert(2).index() >> 24;
            pool_core::__loom::exit_thread();
            s
        });
        let (a, b) = (a.join().unwrap(), b.join().unwrap());
        // Two threads alive at once get different shards; one that comes after the other
        // exited takes the same one. Never the shared shard (2 owned shards).
        assert!(a < 2 && b < 2);
        let p = pool.clone();
        let c = thread::spawn(move || p.insert(3).index() >> 24)
            .join()
            .unwrap();
        assert!(c < 2, "a third thread after both exited reuses a shard");
        assert_eq!(pool.len(), 3);
    });
}

#[test]
fn threads_past_the_limit_share_a_shard() {
    model(|| {
        let pool = Arc::new(SyncPool::<u32>::builder().shards(1).build());
        let p = pool.clone();
        let t = thread::spawn(move || {
            let h = p.insert(1);
            assert!(p.remove(h));
        });
        let h = pool.insert(2);
        t.join().unwrap();
        assert_eq!(*pool.get(h).unwrap(), 2);
        assert_eq!(pool.len(), 1);
    });
}
