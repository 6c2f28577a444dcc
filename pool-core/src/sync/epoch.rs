//! An epoch clock with pin counters, shared by the concurrent stores.
//!
//! A reader *pins* the epoch it reads (registers in that epoch's counter); the clock
//! advances from `g` to `g + 1` only when no pin is left in `g - 1`, so live pins are
//! always in the current epoch or the one before. Something retired at epoch `e` that a
//! pinned reader may still see is safe to reuse once the clock reads `e + 2`, or at once
//! when no pin is active at all. Each store documents what its epochs protect:
//! [`SyncPool`](crate::SyncPool) (deferred drops) and
//! [`SmallPool`](crate::small_pool::SmallPool) (deferred cross-thread frees).

use super::atomic::{fence, AtomicU64, Ordering::SeqCst};

/// The pool's epoch clock and pin counters: one 21-bit counter per epoch modulo 3, packed
/// in one word, so "is anything pinned" is a single load.
#[derive(Debug)]
pub(crate) struct Epochs {
    global: AtomicU64,
    pins: Padded,
}

#[derive(Debug)]
#[repr(align(128))]
struct Padded(AtomicU64);

/// Bits of one epoch's pin counter.
const PIN_BITS: u64 = 21;
const PIN_MASK: u64 = (1 << PIN_BITS) - 1;

/// The unit of epoch `e`'s counter in the packed word.
#[inline]
fn unit(e: u64) -> u64 {
    1 << (PIN_BITS * (e % 3))
}

/// Epoch `e`'s pin count in the packed word `pins`.
#[inline]
fn count(pins: u64, e: u64) -> u64 {
    (pins >> (PIN_BITS * (e % 3))) & PIN_MASK
}

#[cold]
#[track_caller]
fn too_many_pins() -> ! {
    panic!("over 2 million epoch pins alive at once (leaked epoch guards?)")
}

impl Epochs {
    pub(crate) fn new() -> Self {
        Epochs {
            global: AtomicU64::new(2),
            pins: Padded(AtomicU64::new(0)),
        }
    }

    #[inline]
    pub(crate) fn now(&self) -> u64 {
        self.global.load(SeqCst)
    }

    /// Registers a pin; returns its epoch.
    ///
    /// # Panics
    ///
    /// If over 2²¹ − 2 pins are alive in one epoch (leaked guards).
    #[inline]
    pub(crate) fn pin(&self) -> u64 {
        loop {
            let e = self.global.load(SeqCst);
            let prev = self.pins.0.fetch_add(unit(e), SeqCst);
            if count(prev, e) + 1 >= PIN_MASK {
                // One more would carry into the next counter.
                self.pins.0.fetch_sub(unit(e), SeqCst);
                too_many_pins();
            }
            // Pairs with the state changes of removers (explicit, so that the pairing
            // holds in loom's model too, which treats SeqCst accesses as AcqRel).
            fence(SeqCst);
            if self.global.load(SeqCst) == e {
                return e;
            }
            // The epoch moved between the read and the registration: the pin may sit in
            // an epoch the clock has already passed. Undo and read again.
            self.pins.0.fetch_sub(unit(e), SeqCst);
        }
    }

    #[inline]
    pub(crate) fn unpin(&self, epoch: u64) {
        self.pins.0.fetch_sub(unit(epoch), SeqCst);
    }

    /// Unregisters a pin of `epoch` if that epoch has one; `false` (and nothing changes)
    /// if it has none, so a caller's mistake cannot corrupt the other counters.
    pub(crate) fn try_unpin(&self, epoch: u64) -> bool {
        let mut cur = self.pins.0.load(SeqCst);
        loop {
            if count(cur, epoch) == 0 {
                return false;
            }
            match self
                .pins
                .0
                .compare_exchange_weak(cur, cur - unit(epoch), SeqCst, SeqCst)
            {
                Ok(_) => return true,
                Err(now) => cur = now,
            }
        }
    }

    /// Whether any pin is active. Called after a state change, sequentially consistent.
    #[inline]
    pub(crate) fn any_pinned(&self) -> bool {
        // Every caller has just changed a slot's state with a sequentially consistent
        // read-modify-write; sequentially consistent operations are totally ordered, so
        // this load comes after it in that order, which is all the argument above needs.
        // Loom models SeqCst accesses as AcqRel only, so under loom the fence that gives
        // the same order explicitly is added.
        #[cfg(loom)]
        fence(SeqCst);
        self.pins.0.load(SeqCst) != 0
    }

    /// Pins alive now (a snapshot).
    pub(crate) fn pinned(&self) -> usize {
        let p = self.pins.0.load(SeqCst);
        (count(p, 0) + count(p, 1) + count(p, 2)) as usize
    }

    /// Advances the clock by one if no pin is left in the previous epoch.
    pub(crate) fn try_advance(&self) -> bool {
        let e = self.global.load(SeqCst);
        if count(self.pins.0.load(SeqCst), e + 2) != 0 {
            return false;
        }
        self.global
            .compare_exchange(e, e + 1, SeqCst, SeqCst)
            .is_ok()
    }

    /// Whether a value stamped with (the low 32 bits of) epoch `stamp` may be dropped.
    #[inline]
    pub(crate) fn is_ripe(&self, stamp: u32) -> bool {
        // Wrapping: a stamp 2^32 epochs old looks young and only waits longer.
        (self.now() as u32).wrapping_sub(stamp) >= 2
    }
}
