//! Helpers shared by pool-core's integration tests: a drop counter whose values can panic
//! in `Drop`, a consistency check for pools, a small deterministic generator and panic
//! catchers.
#![allow(dead_code, unreachable_pub)]

use std::cell::Cell;
use std::rc::Rc;

use pool_core::{Handle, Pool};

/// Counts drops of the values it makes.
#[derive(Clone, Debug, Default)]
pub struct DropCounter {
    dropped: Rc<Cell<usize>>,
    made: Rc<Cell<usize>>,
}

impl DropCounter {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn make(&self, id: u64) -> Counted {
        self.made.set(self.made.get() + 1);
        Counted {
            id,
            counter: self.clone(),
            panic_on_drop: false,
        }
    }

    pub fn make_panicking(&self, id: u64) -> Counted {
        let mut c = self.make(id);
        c.panic_on_drop = true;
        c
    }

    pub fn dropped(&self) -> usize {
        self.dropped.get()
    }

    pub fn made(&self) -> usize {
        self.made.get()
    }
}

/// A value counted by a [`DropCounter`].
#[derive(Debug)]
pub struct Counted {
    pub id: u64,
    counter: DropCounter,
    pub panic_on_drop: bool,
}

/// Clones count as made values too; a clone never panics in `Drop`.
impl Clone for Counted {
    fn clone(&self) -> Self {
        self.counter.make(self.id)
    }
}

impl PartialEq for Counted {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        let dropped = &self.counter.dropped;
        dropped.set(dropped.get() + 1);
        if self.panic_on_drop && !std::thread::panicking() {
            panic!("Counted({}) panics in Drop", self.id);
        }
    }
}

impl pool_core::Reset for Counted {
    fn reset(&mut self) {
        self.id = 0;
    }
}

/// Checks that `len`, iteration, `keys` and `get` agree, and returns the live handles.
pub fn check_consistent<T>(pool: &mut Pool<T>) -> Vec<Handle<T>> {
    let keys: Vec<Handle<T>> = pool.keys().collect();
    assert_eq!(keys.len(), pool.len());
    assert_eq!(pool.iter_mut().count(), pool.len());
    for &h in &keys {
        assert!(pool.contains(h));
        assert!(pool.get_mut(h).is_some());
    }
    assert!(pool.stats().high_water >= pool.len());
    keys
}

/// Runs `f`, expecting it to panic, and silences the panic message.
pub fn expect_panic<R>(f: impl FnOnce() -> R) {
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    assert!(r.is_err(), "expected a panic");
}

/// Runs `f`, catching a panic: `Some` with its result, `None` if it panicked.
pub fn quietly<R>(f: impl FnOnce() -> R) -> Option<R> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).ok()
}

/// A tiny xorshift generator: programs built from a seed are the same on every run, and
/// it needs no allocation (for allocator tests).
pub struct Rng(pub u64);

impl Rng {
    /// The next 64 random bits.
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A number below `n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Recomputes a binned-allocator snapshot's trailing checksum after forging bytes (the
/// FNV-1a step over little-endian 64-bit words, then the tail bytes).
pub fn reseal(bytes: &mut [u8]) {
    let n = bytes.len() - 8;
    let step = |h: u64, v: u64| (h ^ v).wrapping_mul(0x0000_0100_0000_01b3);
    let mut words = bytes[..n].chunks_exact(8);
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for w in &mut words {
        h = step(h, u64::from_le_bytes(w.try_into().unwrap()));
    }
    for &b in words.remainder() {
        h = step(h, b as u64);
    }
    bytes[n..].copy_from_slice(&h.to_le_bytes());
}

/// Proptest's random number generator for the property tests: its default (ChaCha), and
/// under Miri the much cheaper XorShift. Proptest seeds a new generator for every arm of a
/// `prop_oneof!` below the one it picks, and seeding ChaCha costs the interpreter about a
/// second per generated operation, far more than running the operation.
pub fn proptest_rng() -> proptest::test_runner::RngAlgorithm {
    if cfg!(miri) {
        proptest::test_runner::RngAlgorithm::XorShift
    } else {
        proptest::test_runner::RngAlgorithm::default()
    }
}
