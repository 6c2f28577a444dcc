//! Loom models of SmallPool: the deferred free list, the epochs' hold on cross-thread
//! frees, and shard hand-back, on the real code through the `sync` facade.
//!
//! ```sh
//! RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=2 cargo test -p pool-core --release --test loom_small_pool
//! ```
#![cfg(loom)]

use core::alloc::{GlobalAlloc, Layout};

use loom::sync::atomic::{AtomicBool, AtomicPtr, Ordering::SeqCst};
use loom::sync::Arc;
use loom::thread;
use pool_core::small_pool::SmallPool;

/// A block sent to another thread.
#[derive(Clone, Copy)]
struct Block(*mut u8);
// SAFETY: each block is owned by one thread at a time in these models.
unsafe impl Send for Block {}

impl Block {
    /// The pointer (a method, so that a closure captures the whole `Send` wrapper).
    fn get(self) -> *mut u8 {
        self.0
    }
}

fn model(f: impl Fn() + Sync + Send + 'static) {
    let mut b = loom::model::Builder::new();
    if b.preemption_bound.is_none() {
        b.preemption_bound = Some(2);
    }
    // A pool walks its shard slots and per-class buckets on `collect_garbage` and in its
    // stats: more branches than loom's default allows.
    b.max_branches = 20_000;
    b.check(f);
}

const L: Layout = match Layout::from_size_align(32, 8) {
    Ok(l) => l,
    Err(_) => panic!(),
};

#[test]
fn a_remote_free_races_the_owners_allocations() {
    model(|| {
        let pool = Arc::new(SmallPool::new().with_shards(2));
        // SAFETY: each block is freed once, with `L`.
        let (a, b) = unsafe { (Block(pool.alloc(L)), Block(pool.alloc(L))) };
        let p2 = pool.clone();
        let t = thread::spawn(move || {
            // SAFETY: as above; a cross-thread free onto the owner's deferred list.
            unsafe { p2.dealloc(a.get(), L) };
            pool_core::__loom::small_pool_exit_thread();
        });
        // The owner frees locally and allocates meanwhile; whenever the remote block
        // arrives, it is reused at most once.
        // SAFETY: as above.
        unsafe {
            pool.dealloc(b.0, L);
            let c = pool.alloc(L);
            let d = pool.alloc(L);
            assert_ne!(c, d);
            t.join().unwrap();
            pool.collect_garbage();
            let e = pool.alloc(L);
            assert!(e != c && e != d);
            for p in [c, d, e] {
                pool.dealloc(p, L);
            }
        }
        pool.collect_garbage();
        assert_eq!(pool.snapshot_stats().in_use(), 0);
        pool_core::__loom::small_pool_exit_thread();
    });
}

#[test]
fn a_block_freed_while_a_reader_is_in_is_not_reused_under_it() {
    model(|| {
        let pool = Arc::new(SmallPool::new().with_shards(2));
        // A shared slot that a reader reads through, and a flag saying it is reading.
        // SAFETY: freed once, by the writer below.
        let block = unsafe { pool.alloc(L) };
        let shared = Arc::new(AtomicPtr::new(block));
        let reading = Arc::new(AtomicBool::new(false));

        let (p2, s2, r2) = (pool.clone(), shared.clone(), reading.clone());
        let reader = thread::spawn(move || {
            let e = p2.enter_epoch();
            if !s2.load(SeqCst).is_null() {
                // Reading the block: from here until the flag drops, it must not be reused.
                r2.store(true, SeqCst);
                r2.store(false, SeqCst);
            }
            p2.leave_epoch(e);
            pool_core::__loom::small_pool_exit_thread();
        });
        let (p3, s3) = (pool.clone(), shared.clone());
        let writer = thread::spawn(move || {
            let p = s3.swap(core::ptr::null_mut(), SeqCst);
            // SAFETY: unlinked above, freed once, on another thread than the owner.
            unsafe { p3.dealloc(p, L) };
            pool_core::__loom::small_pool_exit_thread();
        });
        writer.join().unwrap();
        // The owner collects and allocates: it may get the block back only if no reader
        // that could have seen it is still reading.
        pool.collect_garbage();
        // SAFETY: freed once below.
        let q = unsafe { pool.alloc(L) };
        if q == block {
            assert!(!reading.load(SeqCst), "a block was reused under a reader");
        }
        reader.join().unwrap();
        // SAFETY: as above.
        unsafe { pool.dealloc(q, L) };
        pool_core::__loom::small_pool_exit_thread();
    });
}

#[test]
fn an_exited_threads_shard_is_taken_over_with_its_blocks() {
    model(|| {
        let pool = Arc::new(SmallPool::new().with_shards(1));
        let p2 = pool.clone();
        let t = thread::spawn(move || {
            // SAFETY: freed once; the block stays on the shard's slab.
            unsafe { p2.dealloc(p2.alloc(L), L) };
            pool_core::__loom::small_pool_exit_thread();
        });
        // Races the other thread for the only shard: one of them uses the buckets.
        // SAFETY: freed once.
        unsafe { pool.dealloc(pool.alloc(L), L) };
        t.join().unwrap();
        let s = pool.snapshot_stats();
        assert_eq!(s.shards.created, 1);
        assert_eq!(s.shards.hits + s.shards.misses, 2);
        assert_eq!(s.in_use(), 0);
        pool_core::__loom::small_pool_exit_thread();
        assert_eq!(pool.snapshot_stats().shards.owned, 0);
    });
}

#[test]
fn the_pool_is_dropped_while_a_thread_that_used_it_exits() {
    model(|| {
        let pool = Arc::new(SmallPool::new().with_shards(2));
        let p2 = pool.clone();
        let t = thread::spawn(move || {
            // SAFETY: freed once; a second block stays on the slab until the pool goes.
            unsafe {
                p2.dealloc(p2.alloc(L), L);
                let _kept = p2.alloc(L);
            }
            drop(p2);
            // The thread's exit (its thread-local destructor) races the pool's drop: the
            // slabs of its shard are freed exactly once, by one of them.
            pool_core::__loom::small_pool_exit_thread();
        });
        // SAFETY: freed once.
        unsafe { pool.dealloc(pool.alloc(L), L) };
        drop(pool);
        t.join().unwrap();
        pool_core::__loom::small_pool_exit_thread();
    });
}
