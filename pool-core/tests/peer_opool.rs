//! opool's own test suite, carried over to `Pool` (opool's `LocalPool`) and `SyncPool`
//! (opool's `Pool`), with the behaviours its docs promise and its tests leave out.
//!
//! opool's allocator is our factory (`PoolBuilder::factory`); its `new_prefilled` is
//! `Pool::prefill`; its guards are `Recycled`; `into_inner` (take the value out of the
//! pool) is `Recycled::into_handle` followed by `remove` or `take`. Its pool size, the
//! most objects kept for reuse, is our spare limit. opool resets an object when it is
//! handed out again; we reset it when it comes back, so a spare is always ready. The
//! `_rc` tests have no counterpart: our guards borrow the pool, so a pool behind an `Rc`
//! lends them the same way.

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};

use pool_core::{Pool, Recycled, Reset, SyncPool};

/// opool's `SimpleAllocator`: every object starts as `Box::new(10)`. Its `reset` hook
/// is our `Reset`: a returned object goes back to 10 (a plain `Box<usize>` would reset
/// to 0, `usize`'s default).
#[derive(Debug)]
struct Ten(Box<usize>);

impl Reset for Ten {
    fn reset(&mut self) {
        *self.0 = 10;
    }
}

/// `acquire()` without a closure asks for `Default` (the factory serves it at run time).
impl Default for Ten {
    fn default() -> Self {
        ten()
    }
}

impl std::ops::Deref for Ten {
    type Target = Box<usize>;
    fn deref(&self) -> &Box<usize> {
        &self.0
    }
}

impl std::ops::DerefMut for Ten {
    fn deref_mut(&mut self) -> &mut Box<usize> {
        &mut self.0
    }
}

fn ten() -> Ten {
    Ten(Box::new(10))
}

// === tests/thread_local.rs, on Pool ===

#[test]
fn local_new() {
    let mut pool = Pool::builder().factory(ten).build();
    assert_eq!(***pool.acquire_guard(), 10);
}

#[test]
fn local_new_prefilled() {
    let mut pool = Pool::builder().factory(ten).build();
    pool.prefill(10);
    assert_eq!(pool.stats().spares, 10);
    assert_eq!(***pool.acquire_guard(), 10);
    let stats = pool.stats();
    assert_eq!((stats.acquire_hits, stats.acquire_misses), (1, 0));
}

#[test]
fn local_get_into_inner() {
    let mut pool = Pool::builder().factory(ten).build();
    pool.prefill(10);
    let h = Recycled::into_handle(pool.acquire_guard());
    let inner = pool.remove(h).unwrap();
    assert_eq!(**inner, 10);
    // The value left the pool for good: nine spares, nothing live.
    assert_eq!((pool.len(), pool.stats().spares), (0, 9));
}

// === tests/concurrent.rs, on SyncPool ===

#[test]
fn concurrent_new_and_get() {
    let pool = SyncPool::builder().factory(ten).build();
    assert_eq!(***pool.acquire_guard(), 10);
    let mut g = pool.acquire_guard();
    assert_eq!(***g, 10);
    ***g = 3;
    drop(g);
    assert_eq!(***pool.acquire_guard(), 10, "reset on its way back");
}

#[test]
fn concurrent_get_into_inner() {
    let pool = SyncPool::builder().factory(ten).build();
    let h = pool.acquire_guard().into_handle();
    assert_eq!(**pool.take(h).unwrap(), 10);
    assert!(pool.is_empty());
}

#[test]
fn concurrent_guards_from_many_threads() {
    let pool = SyncPool::builder().factory(ten).build();
    let per_thread = if cfg!(miri) { 3 } else { 200 };
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                for _ in 0..per_thread {
                    let mut g = pool.acquire_guard();
                    assert_eq!(***g, 10, "a recycled object comes back reset");
                    ***g = 11;
                }
            });
        }
    });
    assert!(pool.is_empty());
}

// === what opool's docs promise ===

/// Counts resets and drops of the objects a test made.
struct Obj<'a> {
    state: usize,
    resets: &'a AtomicUsize,
    drops: &'a AtomicUsize,
}

impl Reset for Obj<'_> {
    fn reset(&mut self) {
        self.state = 0;
        self.resets.fetch_add(1, SeqCst);
    }
}

impl Drop for Obj<'_> {
    fn drop(&mut self) {
        self.drops.fetch_add(1, SeqCst);
    }
}

/// "If the pool is empty, a new object is created using the allocator"; a returned object
/// is reused, reset, and the allocator is not called again.
#[test]
fn objects_are_reused_and_reset() {
    let (resets, drops) = (AtomicUsize::new(0), AtomicUsize::new(0));
    let made = AtomicUsize::new(0);
    let make = || {
        made.fetch_add(1, SeqCst);
        Obj {
            state: 0,
            resets: &resets,
            drops: &drops,
        }
    };
    let mut pool = Pool::new();
    for round in 0..5 {
        let mut g = pool.acquire_guard_with(make);
        assert_eq!(g.state, 0, "round {round}: reset before reuse");
        g.state = round + 1;
    }
    assert_eq!(made.load(SeqCst), 1, "one object, reused");
    assert_eq!(resets.load(SeqCst), 5);
    assert_eq!(drops.load(SeqCst), 0);
    drop(pool);
    assert_eq!(drops.load(SeqCst), 1);
}

/// The pool size is the most objects kept: past it, a returned object is dropped.
#[test]
fn returns_past_the_pool_size_are_dropped() {
    let (resets, drops) = (AtomicUsize::new(0), AtomicUsize::new(0));
    let make = || Obj {
        state: 0,
        resets: &resets,
        drops: &drops,
    };
    let mut pool = Pool::builder().max_spares(2).build();
    let hs: Vec<_> = (0..5).map(|_| pool.acquire_with(make)).collect();
    for h in hs {
        assert!(pool.release(h));
    }
    assert_eq!(pool.stats().spares, 2);
    assert_eq!(drops.load(SeqCst), 3);
    // Prefilling stops at the pool size too, and calls the allocator only for what it keeps.
    pool.clear_spares();
    let made = AtomicUsize::new(0);
    pool.prefill_with(10, || {
        made.fetch_add(1, SeqCst);
        make()
    });
    assert_eq!((pool.stats().spares, made.load(SeqCst)), (2, 2));
    drop(pool);
    assert_eq!(drops.load(SeqCst), 7);
}

/// A prefilled pool serves its first acquires without building, even as guards held at
/// once.
#[test]
fn prefilled_objects_serve_guards_held_at_once() {
    let mut pool: Pool<Vec<u8>> = Pool::new();
    pool.prefill_with(16, || Vec::with_capacity(1500));
    let recycler = pool.recycler();
    let leases: Vec<_> = (0..16)
        .map(|_| recycler.acquire_with(|| unreachable!("16 spares wait")))
        .collect();
    assert!(leases.iter().all(|l| l.capacity() >= 1500));
    drop(leases);
    assert_eq!(pool.stats().spares, 16);
}
