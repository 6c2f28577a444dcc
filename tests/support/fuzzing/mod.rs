//! The bodies of the fuzz targets in `fuzz/`: each decodes operations from raw bytes,
//! runs them on a store and checks every answer against a simple model, panicking on the
//! first disagreement. They live here, not in `fuzz/`, so that `cargo test` replays the
//! saved inputs under `fuzz/regressions/` (and Miri can run them) without libFuzzer.

pub mod arena;
pub mod binned;
pub mod pool;
pub mod serde;
pub mod shuffler;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// A fuzz target's body: panics if the store disagrees with its model.
pub type Target = fn(&[u8]);

/// Every target by name: what `fuzz/fuzz_targets/<name>.rs` runs.
pub const TARGETS: &[(&str, Target)] = &[
    ("arena_ops", arena::run),
    ("binned_ops", binned::run),
    ("binned_restore", binned::restore),
    ("pool_ops", pool::run),
    ("pool_serde", serde::run),
    ("shuffler_ops", shuffler::run),
];

/// Runs the target called `name` on `data`; `false` if there is no such target.
pub fn run(name: &str, data: &[u8]) -> bool {
    match TARGETS.iter().find(|(n, _)| *n == name) {
        Some((_, f)) => {
            f(data);
            true
        }
        None => false,
    }
}

/// Raw fuzz input read front to back; past the end every read gives zero.
pub(crate) struct Input<'a>(&'a [u8]);

impl<'a> Input<'a> {
    pub(crate) fn new(data: &'a [u8]) -> Self {
        Input(data)
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub(crate) fn u8(&mut self) -> u8 {
        match self.0.split_first() {
            Some((&b, rest)) => {
                self.0 = rest;
                b
            }
            None => 0,
        }
    }

    pub(crate) fn u16(&mut self) -> u16 {
        u16::from_le_bytes([self.u8(), self.u8()])
    }

    pub(crate) fn u64(&mut self) -> u64 {
        let mut b = [0u8; 8];
        b.iter_mut().for_each(|x| *x = self.u8());
        u64::from_le_bytes(b)
    }

    /// Up to `max` bytes of the rest of the input.
    pub(crate) fn bytes(&mut self, max: usize) -> &'a [u8] {
        let n = (self.u8() as usize).min(max).min(self.0.len());
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        head
    }
}

/// A value whose drops are counted, so each target can check that every value made was
/// dropped exactly once. `Send + 'static`, for `Arena::alloc_with_drop`.
#[derive(Debug)]
pub(crate) struct Tracked {
    pub(crate) id: u64,
    drops: Arc<AtomicU64>,
}

impl Clone for Tracked {
    fn clone(&self) -> Self {
        // Clones are counted as made by whoever clones (see `Drops::made`).
        Tracked {
            id: self.id,
            drops: self.drops.clone(),
        }
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        self.drops.fetch_add(1, Ordering::Relaxed);
    }
}

impl pool_core::Reset for Tracked {
    fn reset(&mut self) {
        self.id = 0;
    }
}

/// Makes [`Tracked`] values and counts them.
#[derive(Default)]
pub(crate) struct Drops {
    dropped: Arc<AtomicU64>,
    made: u64,
}

impl Drops {
    pub(crate) fn make(&mut self, id: u64) -> Tracked {
        self.made += 1;
        Tracked {
            id,
            drops: self.dropped.clone(),
        }
    }

    /// Counts `n` values made by cloning.
    pub(crate) fn cloned(&mut self, n: usize) {
        self.made += n as u64;
    }

    pub(crate) fn made(&self) -> u64 {
        self.made
    }

    pub(crate) fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }
}

/// Picks one of `items` by `i`, if there are any.
pub(crate) fn pick<T: Copy>(items: &[T], i: u16) -> Option<T> {
    (!items.is_empty()).then(|| items[i as usize % items.len()])
}
