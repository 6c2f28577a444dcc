//! SmallPool through its public API: sizes and alignments, the three strategies, epochs,
//! threads, failure, trimming. Runs under Miri with smaller workloads.

// Outside loom's models the pool needs `core`'s atomics.
#![cfg(not(loom))]

use core::alloc::{GlobalAlloc, Layout};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;

use allocator_api2::alloc::Allocator;
use pool_core::small_pool::{BackingAllocator, SmallPool, MAX_SHARDS};

/// A block sent to another thread.
#[derive(Clone, Copy, Debug)]
struct Block(*mut u8, Layout);
// SAFETY: each block is owned by one thread at a time in these tests.
unsafe impl Send for Block {}

fn fill(p: *mut u8, len: usize, seed: u8) {
    for i in 0..len {
        // SAFETY: callers pass a block of at least `len` bytes.
        unsafe { p.add(i).write(seed.wrapping_add(i as u8)) };
    }
}

fn check(p: *const u8, len: usize, seed: u8) {
    for i in 0..len {
        // SAFETY: as in `fill`.
        let byte = unsafe { p.add(i).read() };
        assert_eq!(byte, seed.wrapping_add(i as u8), "byte {i}");
    }
}

#[test]
fn oversize_and_overaligned_allocations_fall_back() {
    let pool = SmallPool::new();
    let cases = [(64 * 1024 + 1, 8), (1 << 20, 16), (100, 8192), (0, 8192)];
    for (size, align) in cases {
        let layout = Layout::from_size_align(size, align).unwrap();
        // SAFETY: `GlobalAlloc` allows a zero size here (we accept it); freed once below.
        unsafe {
            let p = pool.alloc(layout);
            assert!(!p.is_null());
            assert_eq!(p as usize % align, 0);
            if size > 0 {
                p.write(1);
                p.add(size - 1).write(2);
            }
            pool.dealloc(p, layout);
        }
    }
    let s = pool.snapshot_stats();
    assert_eq!((s.fallback.allocs, s.fallback.frees), (4, 4));
    assert_eq!(s.fallback.live_bytes, 0);
    assert_eq!(s.fallback.histogram.iter().sum::<u64>(), 4);
    assert_eq!(s.fallback.histogram[8], 2, "two sizes over 8 KiB");
    assert_eq!(s.in_use(), 0);
    assert_eq!(s.shards.hits + s.shards.misses, 0, "no class was used");
}

#[test]
fn shard_hits_are_counted() {
    let pool = SmallPool::new();
    let layout = Layout::new::<[u32; 5]>();
    let n = if cfg!(miri) { 50 } else { 5000 };
    let blocks: Vec<_> = (0..n)
        // SAFETY: freed once below with the same layout.
        .map(|_| unsafe { pool.alloc(layout) })
        .collect();
    let s = pool.snapshot_stats();
    assert_eq!(s.shards.hits, n as u64);
    assert_eq!(s.shards.misses, 0);
    let c = s.class(20).unwrap();
    assert_eq!(
        (c.allocations, c.in_use, c.high_water),
        (n as u64, n as u64, n as u64)
    );
    assert!(c.slabs >= 1);
    for p in blocks {
        // SAFETY: as above.
        unsafe { pool.dealloc(p, layout) };
    }
    let s = pool.snapshot_stats();
    let c = s.class(20).unwrap();
    assert_eq!((c.in_use, c.high_water), (0, n as u64));
    assert_eq!(c.free_blocks, c.slabs * (c.free_blocks / c.slabs.max(1)));
}

#[test]
fn every_size_and_alignment_gives_an_aligned_writable_distinct_block() {
    let pool = SmallPool::new();
    let sizes: Vec<usize> = if cfg!(miri) {
        (1..=64).chain([100, 1000, 4097, 65536, 65537]).collect()
    } else {
        (1..=65536).chain([65537, 100_000, 1 << 20]).collect()
    };
    let aligns: Vec<usize> = if cfg!(miri) {
        vec![1, 8, 64, 4096]
    } else {
        (0..=12).map(|k| 1 << k).collect()
    };
    // A ring of live blocks: every new block must be disjoint from all of them.
    let mut live: Vec<(usize, usize, Layout, *mut u8)> = Vec::new();
    for (i, &size) in sizes.iter().enumerate() {
        for &align in &aligns {
            let layout = Layout::from_size_align(size, align).unwrap();
            // SAFETY: a non-zero size; freed once below with the same layout.
            let p = unsafe { pool.alloc(layout) };
            assert!(!p.is_null(), "{layout:?}");
            assert_eq!(p as usize % align, 0, "{layout:?}");
            let (start, end) = (p as usize, p as usize + size);
            for &(s, e, l, _) in &live {
                assert!(end <= s || start >= e, "{layout:?} overlaps a live {l:?}");
            }
            // Writable over its whole length.
            // SAFETY: the block holds `size` bytes.
            unsafe { p.write_bytes(0xA5, size) };
            // Check the last bytes of a sample fully.
            if i % 97 == 0 {
                // SAFETY: as above.
                assert!(unsafe { core::slice::from_raw_parts(p, size) }
                    .iter()
                    .all(|&b| b == 0xA5));
            }
            live.push((start, end, layout, p));
            if live.len() > 24 {
                let (_, _, l, q) = live.remove(i % live.len());
                // SAFETY: allocated above with `l`.
                unsafe { pool.dealloc(q, l) };
            }
        }
    }
    for (_, _, l, q) in live {
        // SAFETY: as above.
        unsafe { pool.dealloc(q, l) };
    }
    assert_eq!(pool.snapshot_stats().in_use(), 0);
}

#[test]
fn alloc_zeroed_is_zeroed_also_for_reused_blocks() {
    let pool = SmallPool::new();
    let step = if cfg!(miri) { 8191 } else { 61 };
    for size in (1..=65536).step_by(step).chain([70_000]) {
        for align in [1, 16, 4096] {
            let layout = Layout::from_size_align(size, align).unwrap();
            // SAFETY: non-zero sizes; each block freed once with its layout.
            unsafe {
                let dirty = pool.alloc(layout);
                dirty.write_bytes(0xFF, size);
                pool.dealloc(dirty, layout);
                let p = pool.alloc_zeroed(layout);
                let bytes = core::slice::from_raw_parts(p, size);
                assert!(bytes
                    .iter()
                    .step_by(if cfg!(miri) { 61 } else { 1 })
                    .all(|&b| b == 0));
                pool.dealloc(p, layout);
            }
        }
    }
}

#[test]
fn realloc_keeps_contents_and_stays_in_place_within_a_class() {
    let pool = SmallPool::new();
    // SAFETY: every pointer is used with the layout it currently has, freed once.
    unsafe {
        let layout = Layout::from_size_align(17, 4).unwrap();
        let p = pool.alloc(layout);
        fill(p, 17, 3);
        // 17 and 20 bytes share the 20-byte class.
        let q = pool.realloc(p, layout, 20);
        assert_eq!(p, q, "realloc within a class moves nothing");
        check(q, 17, 3);
        // Grow through classes and into the fallback, then shrink back.
        let mut cur = q;
        let mut size = 20;
        for new in [100, 5000, 65536, 200_000, 70_000, 300, 9] {
            let l = Layout::from_size_align(size, 4).unwrap();
            let next = pool.realloc(cur, l, new);
            assert!(!next.is_null());
            check(next, size.min(new).min(17), 3);
            cur = next;
            size = new;
        }
        pool.dealloc(cur, Layout::from_size_align(size, 4).unwrap());
    }
    let s = pool.snapshot_stats();
    assert_eq!(
        s.fallback.reallocs, 1,
        "200k -> 70k is the backing allocator's realloc"
    );
    assert_eq!((s.in_use(), s.fallback.live_bytes), (0, 0));
}

#[test]
fn realloc_to_an_impossible_size_fails_and_keeps_the_block() {
    let pool = SmallPool::new();
    let layout = Layout::from_size_align(64, 64).unwrap();
    // SAFETY: the failed realloc leaves `p` valid with `layout`; freed once.
    unsafe {
        let p = pool.alloc(layout);
        fill(p, 64, 9);
        assert!(pool.realloc(p, layout, isize::MAX as usize).is_null());
        check(p, 64, 9);
        pool.dealloc(p, layout);
    }
}

#[test]
fn the_allocator_api_serves_collections_zero_sizes_and_in_place_growth() {
    let pool = SmallPool::new();
    let mut v: allocator_api2::vec::Vec<u64, &SmallPool> = allocator_api2::vec::Vec::new_in(&pool);
    for i in 0..1000u64 {
        v.push(i);
    }
    assert_eq!(v.iter().sum::<u64>(), 999 * 500);
    drop(v);
    // The block reports the whole class.
    let l17 = Layout::from_size_align(17, 1).unwrap();
    let b = pool.allocate(l17).unwrap();
    assert_eq!(b.len(), 20);
    // SAFETY: any size from the request to the reported length frees the block.
    unsafe { pool.deallocate(b.cast(), Layout::from_size_align(20, 1).unwrap()) };
    let zst = Layout::from_size_align(0, 64).unwrap();
    let p = pool.allocate(zst).unwrap();
    assert_eq!((p.len(), p.cast::<u8>().as_ptr() as usize % 64), (0, 0));
    // SAFETY: allocated above with `zst`.
    unsafe { pool.deallocate(p.cast(), zst) };
    let old = Layout::from_size_align(33, 8).unwrap();
    let new = Layout::from_size_align(40, 8).unwrap();
    let p = pool.allocate(old).unwrap().cast::<u8>();
    // SAFETY: `p` has layout `old`; then `new`; then freed once.
    unsafe {
        fill(p.as_ptr(), 33, 1);
        let g = pool.grow_zeroed(p, old, new).unwrap();
        assert_eq!(g.cast::<u8>(), p, "33 and 40 bytes share a class");
        check(p.as_ptr(), 33, 1);
        assert!(core::slice::from_raw_parts(p.as_ptr().add(33), 7)
            .iter()
            .all(|&b| b == 0));
        pool.deallocate(p, new);
    }
    assert_eq!(pool.snapshot_stats().in_use(), 0);
}

/// A backing allocator that fails while `FAIL` is set.
struct Flaky;
static FAIL: AtomicBool = AtomicBool::new(false);
static FLAKY: Flaky = Flaky;
// SAFETY: passes every call to `System` unless it fails on purpose (returning null).
unsafe impl GlobalAlloc for Flaky {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if FAIL.load(Ordering::SeqCst) {
            return core::ptr::null_mut();
        }
        // SAFETY: passed on.
        unsafe { std::alloc::System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: passed on.
        unsafe { std::alloc::System.dealloc(ptr, layout) }
    }
}

#[test]
fn running_out_of_memory_is_an_error_never_an_abort() {
    let _serial = FAIL_LOCK.lock().unwrap();
    // Fails before the pool could allocate its bookkeeping, then with it.
    let pool = SmallPool::new().backed_by(BackingAllocator::Custom(&FLAKY));
    let small = Layout::new::<[u8; 24]>();
    let big = Layout::from_size_align(1 << 20, 8).unwrap();
    FAIL.store(true, Ordering::SeqCst);
    // SAFETY: failing allocations return null; nothing to free.
    unsafe {
        assert!(pool.alloc(small).is_null());
        assert!(pool.alloc(big).is_null());
    }
    assert!(pool.allocate(small).is_err());
    FAIL.store(false, Ordering::SeqCst);
    let p = pool.allocate(small).unwrap().cast::<u8>();
    FAIL.store(true, Ordering::SeqCst);
    // The class has free blocks left in its slab: still served without the backing.
    let q = pool.allocate(small).unwrap().cast::<u8>();
    // A new slab (another class) and growth past the class fail cleanly.
    assert!(pool.allocate(Layout::new::<[u8; 4000]>()).is_err());
    // SAFETY: `p` has layout `small`; a failed grow leaves it valid.
    unsafe {
        fill(p.as_ptr(), 24, 5);
        assert!(pool.grow(p, small, big).is_err());
        check(p.as_ptr(), 24, 5);
    }
    FAIL.store(false, Ordering::SeqCst);
    // SAFETY: both allocated with `small`, freed once.
    unsafe {
        pool.deallocate(p, small);
        pool.deallocate(q, small);
    }
    assert_eq!(pool.snapshot_stats().in_use(), 0);
}
static FAIL_LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());

#[test]
fn threads_past_the_shard_limit_use_the_locked_buckets() {
    let pool = SmallPool::new().with_shards(1).contention_threshold(0);
    let layout = Layout::new::<[u8; 64]>();
    let barrier = std::sync::Barrier::new(3);
    let n = if cfg!(miri) { 20 } else { 2000 };
    std::thread::scope(|s| {
        for t in 0..3u8 {
            let (pool, barrier) = (&pool, &barrier);
            s.spawn(move || {
                // Every thread makes its first allocation (and so takes the shard or not)
                // while all three are alive.
                // SAFETY: freed once below.
                let first = unsafe { pool.alloc(layout) };
                barrier.wait();
                for i in 0..n {
                    // SAFETY: freed once with the same layout.
                    unsafe {
                        let p = pool.alloc(layout);
                        fill(p, 64, t ^ i as u8);
                        check(p, 64, t ^ i as u8);
                        pool.dealloc(p, layout);
                    }
                }
                barrier.wait();
                // SAFETY: allocated above.
                unsafe { pool.dealloc(first, layout) };
            });
        }
    });
    let s = pool.snapshot_stats();
    assert_eq!(s.shards.created, 1);
    assert_eq!(s.shards.hits + s.shards.misses, 3 * (n as u64 + 1));
    assert!(
        s.shards.misses >= 2 * n as u64,
        "two threads had no shard: {s}"
    );
    let lock = s.buckets[8];
    assert!(lock.acquisitions >= 4 * n as u64, "{s}");
    assert!(lock.contended <= lock.acquisitions);
    assert_eq!(s.in_use(), 0);
    let table = s.to_string();
    assert!(table.contains("     64 B"), "{table}");
    assert!(table.contains("contended"), "{table}");
}

#[test]
fn short_lived_threads_reuse_shards_and_memory() {
    let pool = std::sync::Arc::new(SmallPool::new());
    let threads = if cfg!(miri) { 2 } else { 100 };
    for t in 0..threads {
        // `join` (unlike the end of a thread scope) waits for the thread's thread-local
        // destructors, which give the shard back.
        let p2 = pool.clone();
        std::thread::spawn(move || {
            let layout = Layout::new::<[u64; 8]>();
            let blocks: Vec<_> = (0..if cfg!(miri) { 20 } else { 100 })
                // SAFETY: freed once below.
                .map(|_| unsafe { p2.alloc(layout) })
                .collect();
            for p in blocks {
                // SAFETY: as above.
                unsafe { p2.dealloc(p, layout) };
            }
        })
        .join()
        .unwrap();
        let s = pool.snapshot_stats();
        assert_eq!(
            s.shards.created, 1,
            "thread {t}: one thread at a time needs one shard"
        );
        assert_eq!(s.shards.owned, 0, "an exited thread gives its shard back");
        assert!(
            s.held_bytes <= 64 * 1024,
            "an exiting thread returns its empty slabs"
        );
    }
}

#[test]
fn freeing_everything_and_trimming_returns_the_memory() {
    let pool = SmallPool::new();
    let start = pool.snapshot_stats().held_bytes;
    let n = if cfg!(miri) { 40 } else { 20_000 };
    let (tx, rx) = mpsc::channel::<Block>();
    let pool = std::sync::Arc::new(pool);
    {
        let (p1, p2) = (pool.clone(), pool.clone());
        // One thread allocates, another frees half of it (cross-thread), the rest is
        // freed by the allocating thread. `join` waits for their exits.
        let a = std::thread::spawn(move || {
            let pool = p1;
            let mut mine = Vec::new();
            for i in 0..n {
                let size = [16, 48, 200, 1500, 9000, 40_000][i % 6];
                let layout = Layout::from_size_align(size, 8).unwrap();
                // SAFETY: freed once, here or by the other thread.
                let p = unsafe { pool.alloc(layout) };
                if i % 2 == 0 {
                    tx.send(Block(p, layout)).unwrap();
                } else {
                    mine.push(Block(p, layout));
                }
            }
            for b in mine {
                // SAFETY: as above.
                unsafe { pool.dealloc(b.0, b.1) };
            }
        });
        let b = std::thread::spawn(move || {
            for b in rx {
                // SAFETY: as above.
                unsafe { p2.dealloc(b.0, b.1) };
            }
        });
        a.join().unwrap();
        b.join().unwrap();
    }
    let s = pool.snapshot_stats();
    assert_eq!(s.shards.hits + s.shards.misses, n as u64);
    pool.trim();
    let s = pool.snapshot_stats();
    assert_eq!(s.in_use(), 0);
    assert!(
        s.held_bytes as f64 <= start as f64 * 1.1,
        "held {} bytes after freeing everything, {} before",
        s.held_bytes,
        start
    );
}

#[test]
fn a_thread_may_use_several_pools() {
    let pools: Vec<SmallPool> = (0..6).map(|_| SmallPool::new()).collect();
    let layout = Layout::new::<[u8; 40]>();
    for _ in 0..3 {
        for pool in &pools {
            // SAFETY: freed once with the same layout.
            unsafe {
                let p = pool.alloc(layout);
                fill(p, 40, 7);
                check(p, 40, 7);
                pool.dealloc(p, layout);
            }
        }
    }
    // Four per thread get a shard; the others use their buckets.
    let with_shard = pools
        .iter()
        .filter(|p| p.snapshot_stats().shards.hits > 0)
        .count();
    assert!(
        (4..=6).contains(&with_shard) || with_shard <= 4,
        "{with_shard}"
    );
    assert!(pools.iter().all(|p| p.snapshot_stats().in_use() == 0));
}

#[test]
fn a_pool_dropped_before_the_threads_that_used_it_exit() {
    let (tx, rx) = mpsc::channel::<()>();
    let h = std::thread::spawn(move || {
        let pool = SmallPool::new();
        let layout = Layout::new::<u64>();
        // SAFETY: freed once.
        unsafe { pool.dealloc(pool.alloc(layout), layout) };
        drop(pool);
        // The thread still holds a reference to the pool's state until it exits.
        rx.recv().unwrap();
        let again = SmallPool::new();
        // SAFETY: freed once.
        unsafe { again.dealloc(again.alloc(layout), layout) };
    });
    tx.send(()).unwrap();
    h.join().unwrap();
}

#[test]
fn blocks_freed_on_other_threads_come_back_to_their_owner() {
    let pool = SmallPool::new();
    let rounds = if cfg!(miri) { 3 } else { 200 };
    let per = if cfg!(miri) { 10 } else { 500 };
    let layout = Layout::new::<[u8; 96]>();
    let (to_free, rx) = mpsc::sync_channel::<Block>(per);
    let freed = AtomicUsize::new(0);
    std::thread::scope(|s| {
        let (pool, freed) = (&pool, &freed);
        s.spawn(move || {
            for b in rx {
                check(b.0, 96, 42);
                // SAFETY: allocated by the producer with `b.1`, freed once here.
                unsafe { pool.dealloc(b.0, b.1) };
                freed.fetch_add(1, Ordering::Relaxed);
            }
        });
        for _ in 0..rounds {
            for _ in 0..per {
                // SAFETY: sent to the consumer, which frees it.
                let p = unsafe { pool.alloc(layout) };
                fill(p, 96, 42);
                to_free.send(Block(p, layout)).unwrap();
            }
        }
        drop(to_free);
    });
    assert_eq!(freed.load(Ordering::Relaxed), rounds * per);
    pool.collect_garbage();
    let s = pool.snapshot_stats();
    assert_eq!(s.in_use(), 0);
    assert!(s.shards.deferred_reclaimed > 0);
    // The producer reused what came back instead of growing without bound.
    let c = s.class(96).unwrap();
    assert!(
        c.slabs as usize <= 2 + rounds * per * 96 / (64 * 1024) / 4,
        "{} slabs",
        c.slabs
    );
}

#[test]
fn many_threads_share_the_limit() {
    let pool = SmallPool::new();
    let threads = if cfg!(miri) { 3 } else { MAX_SHARDS + 4 };
    let barrier = std::sync::Barrier::new(threads);
    std::thread::scope(|s| {
        for t in 0..threads {
            let (pool, barrier) = (&pool, &barrier);
            s.spawn(move || {
                let layout = Layout::new::<[u8; 24]>();
                // SAFETY: freed once.
                let p = unsafe { pool.alloc(layout) };
                fill(p, 24, t as u8);
                barrier.wait();
                check(p, 24, t as u8);
                // SAFETY: as above.
                unsafe { pool.dealloc(p, layout) };
            });
        }
    });
    let s = pool.snapshot_stats();
    assert_eq!(s.shards.created, threads.min(MAX_SHARDS));
    assert_eq!(s.shards.hits + s.shards.misses, threads as u64);
    assert_eq!(s.in_use(), 0);
}

#[test]
fn small_pool_is_send_and_sync() {
    fn both<T: Send + Sync>() {}
    both::<SmallPool>();
    both::<pool_core::small_pool::SmallPoolStats>();
}

/// The global-allocator stress (`small_pool_global.rs`) in small, through `allocator_api2`
/// collections so that Miri checks it too: vectors, boxes and hash maps made on one
/// thread, checked and dropped on another, on four threads in a ring.
#[test]
fn collections_churn_across_threads() {
    use allocator_api2::boxed::Box as ABox;
    use allocator_api2::vec::Vec as AVec;
    type Map<'a> = hashbrown::HashMap<
        u64,
        AVec<u8, &'a SmallPool>,
        hashbrown::DefaultHashBuilder,
        &'a SmallPool,
    >;

    enum Parcel<'a> {
        Numbers(AVec<u64, &'a SmallPool>, u64),
        Boxed(ABox<[u64; 40], &'a SmallPool>, u64),
        Map(Map<'a>, u64),
    }
    fn verify(p: Parcel<'_>) {
        match p {
            Parcel::Numbers(v, s) => assert_eq!(v.iter().fold(0, |a, &x| a ^ x), s),
            Parcel::Boxed(b, s) => assert_eq!(b.iter().fold(0, |a, &x| a ^ x), s),
            Parcel::Map(m, s) => {
                assert_eq!(m.iter().map(|(k, v)| k + v.len() as u64).sum::<u64>(), s)
            }
        }
    }

    let pool = SmallPool::new();
    let threads = 4;
    let per = if cfg!(miri) { 6 } else { 2000 };
    let (txs, rxs): (Vec<_>, Vec<_>) = (0..threads).map(|_| mpsc::channel::<Parcel<'_>>()).unzip();
    std::thread::scope(|s| {
        for (i, rx) in rxs.into_iter().enumerate() {
            let tx = txs[(i + 1) % threads].clone();
            let pool = &pool;
            s.spawn(move || {
                let mut x = i as u64 * 7 + 1;
                for n in 0..per {
                    x = x
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    let parcel = match n % 3 {
                        0 => {
                            let mut v = AVec::new_in(pool);
                            for k in 0..(x >> 60) * 20 {
                                v.push(k ^ x);
                            }
                            let sum = v.iter().fold(0, |a, &x| a ^ x);
                            Parcel::Numbers(v, sum)
                        }
                        1 => {
                            let b = ABox::new_in([x >> 8; 40], pool);
                            let sum = b.iter().fold(0, |a, &x| a ^ x);
                            Parcel::Boxed(b, sum)
                        }
                        _ => {
                            let mut m = Map::with_hasher_in(Default::default(), pool);
                            for k in 0..(x >> 61) {
                                let mut v = AVec::new_in(pool);
                                v.resize((k * 13) as usize, 1u8);
                                m.insert(k, v);
                            }
                            let sum = m.iter().map(|(k, v)| k + v.len() as u64).sum();
                            Parcel::Map(m, sum)
                        }
                    };
                    tx.send(parcel).unwrap();
                    while let Ok(p) = rx.try_recv() {
                        verify(p);
                    }
                }
                drop(tx);
                // What the previous thread still sends arrives until it hangs up.
                rx.into_iter().for_each(verify);
            });
        }
        drop(txs);
    });
    // The end of a thread scope does not wait for the threads' thread-local destructors,
    // which give their shards back; frees deferred to a shard are reclaimed once it is.
    let mut s = pool.snapshot_stats();
    while s.shards.owned > 0 {
        std::thread::yield_now();
        s = pool.snapshot_stats();
    }
    pool.collect_garbage();
    let s = pool.snapshot_stats();
    assert_eq!(s.in_use(), 0, "{s}");
    assert!(s.shards.deferred_reclaimed > 0);
}

#[cfg(feature = "mimalloc")]
#[test]
fn mimalloc_can_back_the_slabs_and_the_fallback() {
    let pool = SmallPool::new().backed_by(BackingAllocator::Mimalloc);
    for (size, align) in [(24, 8), (5000, 64), (1 << 20, 16)] {
        let layout = Layout::from_size_align(size, align).unwrap();
        // SAFETY: freed once with the same layout.
        unsafe {
            let p = pool.alloc(layout);
            assert_eq!(p as usize % align, 0);
            fill(p, size, 3);
            check(p, size, 3);
            pool.dealloc(p, layout);
        }
    }
    let m = pool_core::small_pool::Mimalloc;
    let layout = Layout::new::<u64>();
    // SAFETY: freed once with the same layout.
    unsafe { m.dealloc(m.alloc(layout), layout) };
    assert_eq!(pool.snapshot_stats().fallback.allocs, 1);
}
