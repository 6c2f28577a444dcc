//! One slot of a [`SyncPool`](super::SyncPool) and its state word; where slots live in a
//! shard (pages of doubling size).
//!
//! # The state word
//!
//! Every slot has one `AtomicU64`: the high half is the slot's *version* (odd while it
//! holds a live value, even otherwise, exactly as in `Pool`), the low half its *lock*:
//!
//! | bits | meaning |
//! |---|---|
//! | 0..30 | shared guards ([`Ref`](super::Ref)) alive |
//! | 30 | `HELD`: the value is initialised but not live (a spare, or a removed value waiting for an epoch) |
//! | 31 | `EXCL`: an exclusive guard ([`RentMut`](super::RentMut), [`Recycled`](super::Recycled)) or a `take` holds it |
//!
//! The value is initialised exactly when the version is odd, or the lock is non-zero (a
//! removed value some guard still holds, a spare, a deferred value, or a value in a
//! [`Recycled`](super::Recycled) guard that has not been given a handle yet: such a value
//! keeps its slot's even version, so no handle can reach it).
//!
//! New slots start at version 2; a slot whose version wraps to 0 is retired. A removal bumps the
//! version with one compare-exchange and keeps the lock bits: whoever brings the lock
//! back to zero on a removed slot (the last guard) finishes the removal.

use core::mem::MaybeUninit;

use crate::sync::atomic::{AtomicPtr, AtomicU32, AtomicU64, Ordering};
use crate::sync::cell::UnsafeCell;

/// Shared-guard count mask.
pub(super) const REFS: u32 = (1 << 30) - 1;
/// Initialised but not live: spare or deferred.
pub(super) const HELD: u32 = 1 << 30;
/// Exclusively held.
pub(super) const EXCL: u32 = 1 << 31;

/// The version a new slot starts at (vacant). Version 0 is never reached again except by
/// wrapping past `u32::MAX`, so a vacant slot at version 0 is a retired one.
pub(super) const FIRST_VERSION: u32 = 2;

/// "No slot" in the index lists.
pub(super) const NIL: u32 = u32::MAX;

/// Bits of a handle's index that address a slot inside its shard; the rest name the shard.
pub(super) const ADDR_BITS: u32 = 24;
/// Slots one shard can hold.
pub(super) const SHARD_SLOTS: u32 = 1 << ADDR_BITS;
/// Slots in a shard's first page; page `k` holds `FIRST_PAGE << k`.
const FIRST_PAGE: u32 = 32;
const FIRST_PAGE_SHIFT: u32 = FIRST_PAGE.trailing_zeros();
/// Pages a shard may have: enough for [`SHARD_SLOTS`].
pub(super) const PAGES: usize = 20;

const _: () = assert!(FIRST_PAGE as u64 * ((1u64 << PAGES) - 1) >= SHARD_SLOTS as u64);

#[inline(always)]
pub(super) const fn pack(version: u32, lock: u32) -> u64 {
    ((version as u64) << 32) | lock as u64
}

#[inline(always)]
pub(super) const fn version(state: u64) -> u32 {
    (state >> 32) as u32
}

#[inline(always)]
pub(super) const fn lock(state: u64) -> u32 {
    state as u32
}

/// The page holding slot `addr` and the slot's offset in it.
#[inline(always)]
pub(super) const fn locate(addr: u32) -> (usize, usize) {
    let x = addr + FIRST_PAGE;
    let page = (31 - x.leading_zeros()) - FIRST_PAGE_SHIFT;
    (page as usize, (x - (FIRST_PAGE << page)) as usize)
}

/// Slots in page `page`.
#[inline(always)]
pub(super) const fn page_len(page: usize) -> usize {
    (FIRST_PAGE as usize) << page
}

/// The first slot address of page `page`.
#[inline(always)]
pub(super) const fn page_start(page: usize) -> u32 {
    FIRST_PAGE * ((1 << page) - 1)
}

pub(super) struct Slot<T> {
    pub(super) state: AtomicU64,
    /// Link in whichever list the slot is on (free, remote free, spare, deferred).
    pub(super) next: AtomicU32,
    /// The epoch a deferred value was removed in (low 32 bits).
    pub(super) stamp: AtomicU32,
    pub(super) value: UnsafeCell<MaybeUninit<T>>,
    /// Debug mode: where the value was inserted and last rented.
    #[cfg(feature = "debug")]
    pub(super) debug: super::debug::SlotRecord,
}

impl<T> Slot<T> {
    pub(super) fn new() -> Self {
        Slot {
            state: AtomicU64::new(pack(FIRST_VERSION, 0)),
            next: AtomicU32::new(NIL),
            stamp: AtomicU32::new(0),
            value: UnsafeCell::new(MaybeUninit::uninit()),
            #[cfg(feature = "debug")]
            debug: super::debug::SlotRecord::default(),
        }
    }

    /// A pointer to write, move out of or mutate the value; initialised or not depends
    /// on the state word.
    #[inline(always)]
    pub(super) fn value_ptr(&self) -> *mut T {
        self.value.with_mut(|p| p.cast::<T>())
    }

    /// A pointer to read the value through (a shared access, as loom sees it).
    #[inline(always)]
    pub(super) fn value_const(&self) -> *const T {
        self.value.with(|p| p.cast::<T>())
    }
}

/// A lock-free list that also counts pushes (those its caller asks to count) since it was
/// last taken: its head and the count share one word, so a push is one compare-exchange
/// and the count costs nothing more. Any thread pushes; the list is only ever taken whole
/// (by the owner, or for the deferred list by any thread), so there is no ABA problem.
#[derive(Debug)]
pub(super) struct CountedList {
    /// Low half: the head (`NIL` when empty); high half: counted pushes since the last
    /// take.
    word: AtomicU64,
}

impl CountedList {
    pub(super) fn new() -> Self {
        CountedList {
            word: AtomicU64::new(NIL as u64),
        }
    }

    /// Pushes `addr` (whose slot is `slot`), counting it if `counted`. No ABA problem:
    /// the list is only ever taken whole.
    #[inline]
    pub(super) fn push(&self, addr: u32, slot: &Slot<impl Sized>, counted: bool) {
        let mut w = self.word.load(Ordering::Relaxed);
        loop {
            slot.next.store(w as u32, Ordering::Relaxed);
            let pushed = (w >> 32).wrapping_add(u64::from(counted)) & 0xFFFF_FFFF;
            match self.word.compare_exchange_weak(
                w,
                (pushed << 32) | addr as u64,
                Ordering::Release,
                Ordering::Relaxed,
            ) {
                Ok(_) => return,
                Err(now) => w = now,
            }
        }
    }

    /// Takes the whole list: its head and how many counted pushes it had. Links are then read
    /// with relaxed loads (the acquire here synchronises with every push, through the
    /// release sequence of the word).
    #[inline]
    pub(super) fn take_all(&self) -> (u32, u32) {
        if self.is_empty() {
            return (NIL, 0);
        }
        let w = self.word.swap(NIL as u64, Ordering::Acquire);
        (w as u32, (w >> 32) as u32)
    }

    /// Whether the list looks empty (a relaxed snapshot).
    #[inline]
    pub(super) fn is_empty(&self) -> bool {
        self.word.load(Ordering::Relaxed) as u32 == NIL
    }

    /// Counted pushes not taken yet (a snapshot).
    pub(super) fn pending(&self) -> u64 {
        self.word.load(Ordering::Relaxed) >> 32
    }

    /// Empties the list (exclusive access).
    pub(super) fn clear(&self) {
        self.word.store(NIL as u64, Ordering::Relaxed);
    }
}

/// A shard's page table: page pointers, published with release stores by the one thread
/// that grows the shard, read with acquire loads by everyone.
pub(super) struct Pages<T> {
    pub(super) pages: [AtomicPtr<Slot<T>>; PAGES],
}

impl<T> Pages<T> {
    pub(super) fn new() -> Self {
        Pages {
            pages: core::array::from_fn(|_| AtomicPtr::new(core::ptr::null_mut())),
        }
    }

    /// The slot at `addr`, if its page exists.
    #[inline(always)]
    pub(super) fn get(&self, addr: u32) -> Option<&Slot<T>> {
        if addr >= SHARD_SLOTS {
            return None;
        }
        let (page, offset) = locate(addr);
        let p = self.pages[page].load(Ordering::Acquire);
        if p.is_null() {
            return None;
        }
        // SAFETY: a non-null page pointer points to `page_len(page)` initialised slots
        // that live until the pool is dropped (pages are never freed earlier), and
        // `offset < page_len(page)` by `locate`. The acquire load saw the release store
        // that published the page after its slots were written.
        Some(unsafe { &*p.add(offset) })
    }

    /// Allocates page `page`. Only the shard's owner (or the shared lock's holder) calls
    /// this. Returns `false` if memory ran out.
    #[cold]
    pub(super) fn grow(&self, page: usize) -> bool {
        let len = page_len(page);
        let mut v: alloc::vec::Vec<Slot<T>> = alloc::vec::Vec::new();
        if v.try_reserve_exact(len).is_err() {
            return false;
        }
        v.extend((0..len).map(|_| Slot::new()));
        let p = alloc::boxed::Box::into_raw(v.into_boxed_slice()).cast::<Slot<T>>();
        self.pages[page].store(p, Ordering::Release);
        true
    }
}

impl<T> Drop for Pages<T> {
    fn drop(&mut self) {
        for (page, p) in self.pages.iter().enumerate() {
            let p = p.load(Ordering::Relaxed);
            if !p.is_null() {
                // SAFETY: made by `grow` from a boxed slice of `page_len(page)` slots;
                // values still in them were dropped by the pool first (slots do not drop
                // their values).
                drop(unsafe {
                    alloc::boxed::Box::from_raw(core::ptr::slice_from_raw_parts_mut(
                        p,
                        page_len(page),
                    ))
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_cover_addresses_without_gaps() {
        let mut expect = (0usize, 0usize);
        let n = if cfg!(miri) { 2_000 } else { 200_000 };
        for addr in 0..n {
            let got = locate(addr);
            assert_eq!(got, expect, "{addr}");
            assert_eq!(page_start(got.0) + got.1 as u32, addr);
            expect.1 += 1;
            if expect.1 == page_len(expect.0) {
                expect = (expect.0 + 1, 0);
            }
        }
        let (page, offset) = locate(SHARD_SLOTS - 1);
        assert!(page < PAGES && offset < page_len(page));
    }
}
