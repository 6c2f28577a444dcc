//! Shared helpers for the workspace's integration tests, benches and examples: a counting
//! global allocator, and the bodies of the fuzz targets ([`fuzzing`]).

pub mod fuzzing;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};

thread_local! {
    /// Allocations made by the current thread (const-initialised: touching it never
    /// allocates, so the allocator itself may use it).
    static THREAD_ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

fn count(a: &AtomicUsize) {
    a.fetch_add(1, Ordering::SeqCst);
    // `try_with`: during thread teardown the slot may be gone; such allocations are not
    // counted for the thread.
    let _ = THREAD_ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
}

/// A global allocator that counts allocations, for tests of "no allocation in steady
/// state". Install it with `#[global_allocator]` in one test binary. It passes every call
/// on to `A` (the system allocator by default; the examples pass the allocator mode their
/// build flag picks, see [`pool_core::small_pool::AllocatorMode`]).
#[derive(Debug)]
pub struct CountingAlloc<A = System> {
    allocations: AtomicUsize,
    inner: A,
}

impl CountingAlloc {
    /// A counter at zero over the system allocator.
    pub const fn new() -> Self {
        CountingAlloc::with(System)
    }
}

impl<A> CountingAlloc<A> {
    /// A counter at zero over `inner`.
    pub const fn with(inner: A) -> Self {
        CountingAlloc {
            allocations: AtomicUsize::new(0),
            inner,
        }
    }

    /// The allocator it passes calls on to.
    pub const fn inner(&self) -> &A {
        &self.inner
    }

    /// Allocations (including reallocations) made so far, by every thread.
    pub fn allocations(&self) -> usize {
        self.allocations.load(Ordering::SeqCst)
    }

    /// Allocations (including reallocations) made so far by the calling thread; tests
    /// running in parallel threads do not disturb it.
    pub fn thread_allocations(&self) -> usize {
        THREAD_ALLOCATIONS.with(Cell::get)
    }
}

impl Default for CountingAlloc {
    fn default() -> Self {
        Self::new()
    }
}

// SAFETY: every method forwards to `A` with the caller's arguments unchanged, so `A`'s
// guarantees carry over; counting touches only an atomic and a const thread-local.
unsafe impl<A: GlobalAlloc> GlobalAlloc for CountingAlloc<A> {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count(&self.allocations);
        // SAFETY: forwarded unchanged; the caller upholds `GlobalAlloc::alloc`'s contract.
        unsafe { self.inner.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count(&self.allocations);
        // SAFETY: forwarded unchanged.
        unsafe { self.inner.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged; `ptr` came from `A` through this allocator.
        unsafe { self.inner.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count(&self.allocations);
        // SAFETY: forwarded unchanged; `ptr` came from `A` through this allocator.
        unsafe { self.inner.realloc(ptr, layout, new_size) }
    }
}

/// A deterministic xorshift generator (13/7/17), so benches and examples see the same
/// sequence on every run and machine.
///
/// # Examples
///
/// ```
/// let mut a = typed_pool_tests::XorShift(7);
/// let mut b = typed_pool_tests::XorShift(7);
/// assert_eq!(a.next(), b.next());
/// assert!(a.below(10) < 10);
/// ```
#[derive(Clone, Debug)]
pub struct XorShift(pub u64);

impl XorShift {
    /// The next value. The seed must not be 0.
    #[inline]
    #[allow(clippy::should_implement_trait)] // an infinite generator, not an iterator
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A value in `0..n` (`n > 0`).
    #[inline]
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// `n` allocation sizes of the mix the allocator benchmarks share: half at most 64 B, 35%
/// up to 1 KiB, 14% up to 16 KiB, 1% up to 64 KiB.
///
/// ```
/// let sizes = typed_pool_tests::size_mix(1000, 1);
/// assert!(sizes.iter().all(|&s| (8..=65_536).contains(&s)));
/// assert!(sizes.iter().filter(|&&s| s <= 64).count() > 400);
/// ```
pub fn size_mix(n: usize, seed: u64) -> Vec<usize> {
    let mut rng = XorShift(seed);
    (0..n)
        .map(|_| {
            let x = rng.next();
            match x % 100 {
                0..=49 => 8 + (x >> 8) as usize % 57,          // 50%: 8..64 B
                50..=84 => 65 + (x >> 8) as usize % 960,       // 35%: 65 B..1 KiB
                85..=98 => 1_025 + (x >> 8) as usize % 15_360, // 14%: 1..16 KiB
                _ => 16_385 + (x >> 8) as usize % 49_151,      // 1%: 16..64 KiB
            }
        })
        .collect()
}
