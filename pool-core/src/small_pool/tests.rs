//! Unit tests that look inside: slab owners, deferred lists, the epochs' hold.

use core::alloc::{GlobalAlloc, Layout};

use super::heap::{slab_of, slab_shift, BUCKET_OWNER};
use super::SmallPool;
use crate::size_class::SizeClass;

/// A block address sent to another thread (keeps its provenance; no integer casts).
#[derive(Clone, Copy)]
struct Block(*mut u8);
// SAFETY: the tests hand a block to one other thread at a time.
unsafe impl Send for Block {}

impl Block {
    /// The pointer (a method, so that a closure captures the whole `Send` wrapper).
    fn get(self) -> *mut u8 {
        self.0
    }
}
// SAFETY: as above.
unsafe impl Sync for Block {}

fn owner(pool: &SmallPool, p: *mut u8, layout: Layout) -> u16 {
    let c = SizeClass::for_layout(layout.size(), layout.align())
        .unwrap()
        .index();
    // SAFETY: `p` is an in-use block of class `c`, so its slab header is valid.
    unsafe { (*slab_of(p, slab_shift(pool.config.slab_shift, c))).owner }
}

#[test]
fn each_thread_gets_its_own_shard() {
    let pool = SmallPool::new().with_shards(4);
    let layout = Layout::new::<[u64; 4]>();
    let owners: Vec<u16> = std::thread::scope(|s| {
        let hs: Vec<_> = (0..3)
            .map(|_| {
                s.spawn(|| {
                    // SAFETY: allocated and freed with the same layout.
                    unsafe {
                        let p = pool.alloc(layout);
                        let o = owner(&pool, p, layout);
                        pool.dealloc(p, layout);
                        o
                    }
                })
            })
            .collect();
        // Keep every thread alive until all have allocated: join them all at the end.
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(owners.iter().all(|&o| (o as usize) < 4));
    // Threads that ran one after another may reuse a shard; that they got shards at all,
    // and distinct ones when alive together, is checked with a barrier below.
    let barrier = std::sync::Barrier::new(3);
    let mut owners: Vec<u16> = std::thread::scope(|s| {
        let hs: Vec<_> = (0..3)
            .map(|_| {
                s.spawn(|| {
                    // SAFETY: as above.
                    let p = unsafe { pool.alloc(layout) };
                    let o = owner(&pool, p, layout);
                    barrier.wait();
                    // SAFETY: as above.
                    unsafe { pool.dealloc(p, layout) };
                    o
                })
            })
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    owners.sort_unstable();
    owners.dedup();
    assert_eq!(owners.len(), 3, "live threads share no shard");
}

#[test]
fn threads_without_a_shard_use_the_buckets() {
    let pool = SmallPool::new().without_shards();
    let layout = Layout::new::<u64>();
    // SAFETY: allocated and freed with the same layout.
    unsafe {
        let p = pool.alloc(layout);
        assert_eq!(owner(&pool, p, layout), BUCKET_OWNER);
        pool.dealloc(p, layout);
    }
    let stats = pool.snapshot_stats();
    assert_eq!((stats.shards.hits, stats.shards.misses), (0, 1));
    assert_eq!(stats.buckets[0].acquisitions, 2);
}

#[test]
fn cross_thread_frees_wait_for_the_epochs() {
    let pool = SmallPool::new();
    let layout = Layout::new::<[u8; 48]>();
    // SAFETY: allocated here, freed once on another thread with the same layout.
    let p = Block(unsafe { pool.alloc(layout) });
    let e = pool.enter_epoch();
    std::thread::scope(|s| {
        s.spawn(|| {
            // SAFETY: as above.
            unsafe { pool.dealloc(p.get(), layout) };
        });
    });
    // The owner takes the deferred block but must hold it back: a reader is in.
    assert_eq!(pool.collect_garbage(), 0);
    assert_eq!(pool.snapshot_stats().shards.deferred_waiting, 1);
    // SAFETY: a fresh block, freed below.
    let q = unsafe { pool.alloc(layout) };
    assert_ne!(q, p.0, "a block freed during an open epoch was reused");
    pool.leave_epoch(e);
    assert_eq!(pool.collect_garbage(), 1);
    let stats = pool.snapshot_stats();
    assert_eq!(
        (
            stats.shards.deferred_waiting,
            stats.shards.deferred_reclaimed
        ),
        (0, 1)
    );
    // SAFETY: as above.
    unsafe {
        pool.dealloc(q, layout);
        // LIFO: the reclaimed block comes back first now that the reader left.
        let r = pool.alloc(layout);
        assert!(r == p.0 || r == q);
        pool.dealloc(r, layout);
    }
}

#[test]
fn the_epoch_hold_ends_when_the_clock_moves_on() {
    let pool = SmallPool::new();
    let layout = Layout::new::<[u8; 32]>();
    // SAFETY: allocated here, freed once on another thread with the same layout.
    let p = Block(unsafe { pool.alloc(layout) });
    let first = pool.enter_epoch();
    std::thread::scope(|s| {
        s.spawn(|| {
            // SAFETY: as above.
            unsafe { pool.dealloc(p.get(), layout) };
        });
    });
    assert_eq!(pool.collect_garbage(), 0);
    pool.leave_epoch(first);
    assert!(pool.advance_epoch());
    // Another reader arrives, in a later epoch: the old batch is still released once the
    // clock is two epochs past it, although a reader is in.
    let second = pool.enter_epoch();
    assert!(second > first);
    let mut n = 0;
    for _ in 0..4 {
        pool.advance_epoch();
        n += pool.collect_garbage();
    }
    assert_eq!(n, 1);
    pool.leave_epoch(second);
}

#[test]
#[should_panic(expected = "no reader is in that epoch")]
fn leaving_an_epoch_twice_panics() {
    let pool = SmallPool::new();
    let e = pool.enter_epoch();
    pool.leave_epoch(e);
    pool.leave_epoch(e);
}

#[test]
fn blocks_freed_into_the_buckets_during_an_epoch_wait_too() {
    let pool = SmallPool::new().without_shards();
    let layout = Layout::new::<[u8; 16]>();
    let e = pool.enter_epoch();
    // SAFETY: allocated and freed once with the same layout.
    let p = unsafe { pool.alloc(layout) };
    // SAFETY: as above.
    unsafe { pool.dealloc(p, layout) };
    // SAFETY: freed below.
    let q = unsafe { pool.alloc(layout) };
    assert_ne!(p, q);
    pool.leave_epoch(e);
    assert_eq!(pool.collect_garbage(), 1);
    // SAFETY: as above.
    unsafe { pool.dealloc(q, layout) };
}

#[test]
fn a_leaked_reader_holds_back_remote_frees_until_the_pool_goes() {
    let pool = SmallPool::new();
    let layout = Layout::new::<[u8; 64]>();
    // SAFETY: allocated here, each freed once on another thread.
    let blocks: Vec<Block> = (0..8)
        .map(|_| Block(unsafe { pool.alloc(layout) }))
        .collect();
    let _leaked = pool.enter_epoch(); // never left
    std::thread::scope(|s| {
        s.spawn(|| {
            for b in &blocks {
                // SAFETY: as above.
                unsafe { pool.dealloc(b.get(), layout) };
            }
        });
    });
    for _ in 0..4 {
        pool.advance_epoch();
        assert_eq!(pool.collect_garbage(), 0);
    }
    assert_eq!(pool.snapshot_stats().shards.deferred_waiting, 8);
    // Dropping the pool frees the slabs, waiting blocks included (Miri checks for leaks).
    drop(pool);
}
