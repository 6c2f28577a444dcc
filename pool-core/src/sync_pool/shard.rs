//! A shard: pages of slots, the owner's free and spare lists, and the lock-free lists
//! other threads push to (remote frees, remote spares, deferred values).
//!
//! # Ownership
//!
//! `local` (the free list, the spare list, how many slots were made) belongs to the one
//! thread the pool assigned this shard to, or, for the shared shard, to whoever holds the
//! pool's shared lock. Only that thread reads or writes it, and only for the duration of
//! one list operation (never across user code). Every other thread reaches the shard
//! through the lock-free lists, which the owner empties whole when its own list runs dry.
//!
//! Counters in [`Counters`] under "owner" are written by the owner alone (a plain load and
//! store, no read-modify-write); those under "any thread" are `fetch_add`ed.

use super::slot::{self, CountedList, Pages, Slot, NIL, PAGES, SHARD_SLOTS};
use crate::error::PoolError;
use crate::sync::atomic::{AtomicU64, Ordering::Relaxed};
use crate::sync::cell::UnsafeCell;

/// The owner's side of a shard.
#[derive(Debug)]
pub(super) struct Local {
    /// Head of the free list (vacant slots).
    pub(super) free: u32,
    /// Head of the spare list (reset values kept for `acquire`).
    pub(super) spare: u32,
    /// Slots made so far: addresses `0..made` exist.
    pub(super) made: u32,
}

/// A shard's counters: the owner's on one cache line, the ones other threads bump on
/// another (so a remote free does not take the owner's line away).
#[derive(Debug, Default)]
pub(super) struct Counters {
    pub(super) own: OwnerCounters,
    pub(super) shared: SharedCounters,
}

/// Written by the owner only (plain load and store).
#[derive(Debug, Default)]
#[repr(align(128))]
pub(super) struct OwnerCounters {
    pub(super) added: AtomicU64,
    pub(super) local_removed: AtomicU64,
    pub(super) high_water: AtomicU64,
    pub(super) local_frees: AtomicU64,
    pub(super) hits: AtomicU64,
    pub(super) misses: AtomicU64,
    pub(super) capacity: AtomicU64,
    pub(super) spared_local: AtomicU64,
    /// Remote frees and remote spares the owner took (the lists count what is not taken
    /// yet).
    pub(super) remote_frees_taken: AtomicU64,
    pub(super) spared_remote_taken: AtomicU64,
    /// `SharedCounters::remote_removed` as the owner last read it (at most the real one).
    pub(super) remote_seen: AtomicU64,
}

/// Bumped by any thread (`fetch_add`).
#[derive(Debug, Default)]
#[repr(align(128))]
pub(super) struct SharedCounters {
    pub(super) remote_removed: AtomicU64,
    /// Spares pushed on the remote list uncounted (ripe deferred releases).
    pub(super) spared_remote_uncounted: AtomicU64,
    pub(super) deferred: AtomicU64,
    pub(super) reclaimed: AtomicU64,
}

/// Adds one to a counter only its owner writes.
#[inline(always)]
pub(super) fn bump(counter: &AtomicU64) {
    counter.store(counter.load(Relaxed).wrapping_add(1), Relaxed);
}

/// Adds one to a counter any thread writes.
#[inline(always)]
pub(super) fn bump_shared(counter: &AtomicU64) {
    counter.fetch_add(1, Relaxed);
}

/// Keeps what it holds on cache lines of its own (the owner's side and the side other
/// threads write must not share a line, nor with the page table everyone reads).
#[derive(Debug)]
#[repr(align(128))]
pub(super) struct CacheLine<T>(pub(super) T);

impl<T> core::ops::Deref for CacheLine<T> {
    type Target = T;
    #[inline(always)]
    fn deref(&self) -> &T {
        &self.0
    }
}

/// What other threads push to a shard.
#[derive(Debug)]
pub(super) struct Remote {
    /// Slots freed by other threads (every push counted: the stats' remote frees).
    pub(super) free: CountedList,
    /// Values released by other threads (spares). A release made by another thread that
    /// puts its value here at once is counted here *instead of* in `remote_removed` (one
    /// read-modify-write a release, not two); a ripe deferred release is not counted (its
    /// removal was counted when it was released).
    pub(super) spare: CountedList,
    /// Removed values waiting for an epoch (any thread pushes and takes).
    pub(super) deferred: CountedList,
}

pub(super) struct Shard<T> {
    pub(super) pages: Pages<T>,
    local: CacheLine<UnsafeCell<Local>>,
    pub(super) remote: CacheLine<Remote>,
    pub(super) c: Counters,
}

impl<T> Shard<T> {
    pub(super) fn new() -> Self {
        Shard {
            pages: Pages::new(),
            local: CacheLine(UnsafeCell::new(Local {
                free: NIL,
                spare: NIL,
                made: 0,
            })),
            remote: CacheLine(Remote {
                free: CountedList::new(),
                spare: CountedList::new(),
                deferred: CountedList::new(),
            }),
            c: Counters::default(),
        }
    }

    /// Runs `f` on the owner's side.
    ///
    /// # Safety
    ///
    /// The caller owns this shard (see the module docs) and does not call this again
    /// inside `f`.
    #[inline(always)]
    pub(super) unsafe fn with_local<R>(&self, f: impl FnOnce(&mut Local) -> R) -> R {
        // SAFETY: the caller is the shard's only user of `local` right now, and `f` does
        // not re-enter, so this is the only reference.
        self.local.with_mut(|p| f(unsafe { &mut *p }))
    }

    /// The slot at `addr`; it must exist (be below `made`).
    #[inline(always)]
    pub(super) fn slot(&self, addr: u32) -> &Slot<T> {
        match self.pages.get(addr) {
            Some(s) => s,
            None => unreachable!("slot {addr} was made, so its page exists"),
        }
    }

    /// Takes a vacant slot for an insert: the free list, else what other threads freed.
    ///
    /// # Safety
    ///
    /// As [`with_local`](Shard::with_local).
    #[inline]
    pub(super) unsafe fn pop_free(&self) -> Option<(u32, &Slot<T>)> {
        // SAFETY: forwarded from the caller.
        unsafe {
            self.with_local(|local| {
                if local.free != NIL {
                    let addr = local.free;
                    let slot = self.slot(addr);
                    local.free = slot.next.load(Relaxed);
                    return Some((addr, slot));
                }
                self.pop_remote_free(local)
            })
        }
    }

    #[cold]
    fn pop_remote_free(&self, local: &mut Local) -> Option<(u32, &Slot<T>)> {
        let (remote, pushed) = self.remote.free.take_all();
        if remote == NIL {
            return None;
        }
        let taken = &self.c.own.remote_frees_taken;
        taken.store(taken.load(Relaxed) + u64::from(pushed), Relaxed);
        self.refresh_remote_seen();
        let slot = self.slot(remote);
        local.free = slot.next.load(Relaxed);
        Some((remote, slot))
    }

    /// Takes a vacant slot: the free list, what other threads freed, else a new slot.
    ///
    /// # Safety
    ///
    /// As [`with_local`](Shard::with_local).
    #[inline]
    pub(super) unsafe fn take_vacant(&self) -> Result<(u32, &Slot<T>), PoolError> {
        // SAFETY: forwarded from the caller (each call below ends before the next).
        match unsafe { self.pop_free() } {
            Some(taken) => Ok(taken),
            None => {
                // SAFETY: as above.
                let addr = unsafe { self.with_local(|l| self.make_slot(l)) }?;
                Ok((addr, self.slot(addr)))
            }
        }
    }

    /// Makes slot `made`, allocating its page if it is the first of one.
    #[cold]
    pub(super) fn make_slot(&self, local: &mut Local) -> Result<u32, PoolError> {
        let addr = local.made;
        if addr >= SHARD_SLOTS {
            return Err(PoolError::CapacityOverflow);
        }
        let (page, offset) = slot::locate(addr);
        if offset == 0 {
            self.ensure_page(page)?;
        }
        local.made = addr + 1;
        Ok(addr)
    }

    /// Allocates pages until `n` slots exist without making them. Owner only.
    pub(super) fn reserve_pages(&self, n: usize) -> Result<(), PoolError> {
        let n = u32::try_from(n)
            .ok()
            .filter(|n| *n <= SHARD_SLOTS)
            .ok_or(PoolError::CapacityOverflow)?;
        let mut page = 0;
        while slot::page_start(page) < n {
            self.ensure_page(page)?;
            page += 1;
        }
        Ok(())
    }

    /// Allocates page `page` unless it exists, and records the capacity. Owner only.
    #[cold]
    fn ensure_page(&self, page: usize) -> Result<(), PoolError> {
        debug_assert!(page < PAGES);
        if self.pages.get(slot::page_start(page)).is_some() {
            return Ok(());
        }
        if !self.pages.grow(page) {
            return Err(PoolError::AllocFailed);
        }
        let cap = slot::page_start(page) as u64 + slot::page_len(page) as u64;
        self.c.own.capacity.store(cap, Relaxed);
        Ok(())
    }

    /// Values other threads removed or released, as far as the owner has taken them in
    /// (without what still sits on the remote spare list).
    #[inline]
    fn remote_removed_seen_now(&self) -> u64 {
        self.c.shared.remote_removed.load(Relaxed) + self.c.own.spared_remote_taken.load(Relaxed)
    }

    /// Reads how many values other threads removed (on the owner's slow paths, so that
    /// the high-water check of every insert stays on the owner's cache line).
    #[inline]
    fn refresh_remote_seen(&self) {
        let now = self.remote_removed_seen_now();
        self.c.own.remote_seen.store(now, Relaxed);
    }

    /// Puts a vacant slot back on the owner's free list.
    ///
    /// # Safety
    ///
    /// As [`with_local`](Shard::with_local).
    #[inline]
    pub(super) unsafe fn push_free_local(&self, addr: u32, slot: &Slot<T>) {
        // SAFETY: forwarded from the caller.
        unsafe {
            self.with_local(|local| {
                slot.next.store(local.free, Relaxed);
                local.free = addr;
            });
        }
        bump(&self.c.own.local_frees);
    }

    /// Puts a vacant slot on the remote free list (any thread).
    #[inline]
    pub(super) fn push_free_remote(&self, addr: u32, slot: &Slot<T>) {
        self.remote.free.push(addr, slot, true);
    }

    /// Pops a spare (its state is `HELD`, possibly `RECYCLE`): the owner's list, else what
    /// other threads released.
    ///
    /// # Safety
    ///
    /// As [`with_local`](Shard::with_local).
    #[inline]
    pub(super) unsafe fn pop_spare(&self) -> Option<(u32, &Slot<T>)> {
        // SAFETY: forwarded from the caller.
        unsafe {
            self.with_local(|local| {
                if local.spare == NIL {
                    let (head, pushed) = self.remote.spare.take_all();
                    if head == NIL {
                        return None;
                    }
                    local.spare = head;
                    let taken = &self.c.own.spared_remote_taken;
                    taken.store(taken.load(Relaxed) + u64::from(pushed), Relaxed);
                    self.refresh_remote_seen();
                }
                let addr = local.spare;
                let slot = self.slot(addr);
                local.spare = slot.next.load(Relaxed);
                Some((addr, slot))
            })
        }
    }

    /// Puts a spare back on the owner's spare list.
    ///
    /// # Safety
    ///
    /// As [`with_local`](Shard::with_local).
    #[inline]
    pub(super) unsafe fn push_spare_local(&self, addr: u32, slot: &Slot<T>) {
        // SAFETY: forwarded from the caller.
        unsafe {
            self.with_local(|local| {
                slot.next.store(local.spare, Relaxed);
                local.spare = addr;
            });
        }
    }

    /// Slots made so far. Needs exclusive access to the pool (`&mut`), or ownership.
    pub(super) fn made(&mut self) -> u32 {
        // SAFETY: `&mut self`: no other thread can be using the shard.
        unsafe { self.with_local(|l| l.made) }
    }

    /// Empties every list and rebuilds the free list from `vacant` slot addresses (given
    /// in ascending order; they are handed out in that order). Exclusive access only.
    pub(super) fn rebuild(&mut self, vacant: impl DoubleEndedIterator<Item = u32>) {
        let mut head = NIL;
        for addr in vacant.rev() {
            self.slot(addr).next.store(head, Relaxed);
            head = addr;
        }
        self.remote.free.clear();
        self.remote.spare.clear();
        self.remote.deferred.clear();
        // SAFETY: `&mut self`.
        unsafe {
            self.with_local(|l| {
                l.free = head;
                l.spare = NIL;
            });
        }
    }

    /// Live values in this shard (a snapshot).
    pub(super) fn live(&self) -> u64 {
        let added = self.c.own.added.load(Relaxed);
        let removed = self.c.own.local_removed.load(Relaxed)
            + self.remote_removed_seen_now()
            + self.remote.spare.pending();
        added.saturating_sub(removed)
    }

    /// Records a new live value in the high-water mark. Owner only.
    #[inline]
    pub(super) fn note_added(&self) {
        let own = &self.c.own;
        let added = own.added.load(Relaxed) + 1;
        own.added.store(added, Relaxed);
        // `added - local_removed - remote_seen` bounds the live count from above; only when
        // that bound passes the mark is the other threads' count read (it is on their
        // cache line).
        let bound = added
            .saturating_sub(own.local_removed.load(Relaxed))
            .saturating_sub(own.remote_seen.load(Relaxed));
        if bound > own.high_water.load(Relaxed) {
            self.note_high_water(bound);
        }
    }

    #[cold]
    fn note_high_water(&self, bound: u64) {
        let own = &self.c.own;
        let seen = own.remote_seen.load(Relaxed);
        let now = self.remote_removed_seen_now();
        own.remote_seen.store(now, Relaxed);
        let live = bound
            .saturating_sub(now.saturating_sub(seen))
            .saturating_sub(self.remote.spare.pending());
        if live > own.high_water.load(Relaxed) {
            own.high_water.store(live, Relaxed);
        }
    }
}
