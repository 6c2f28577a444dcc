//! Debug mode for [`SyncPool`] (feature `debug`): every slot remembers where its value was
//! inserted (and when, and under which tag) and where it was last rented, in atomics
//! written before the value is published; [`SyncPool::leak_report`] reads them from any
//! thread. See [`crate::debug`].

use alloc::vec::Vec;
use core::panic::Location;
use std::time::{Duration, Instant};

use super::slot::{self, lock, version, Slot, ADDR_BITS, EXCL, REFS};
use super::SyncPool;
use crate::debug::{self, LeakReport, LeakedRent};
use crate::sync::atomic::{AtomicPtr, AtomicU64, Ordering, Ordering::Relaxed};
use crate::sync::process::OnceLock;

/// Nanoseconds since the first use of debug mode: the clock slot records use.
fn now_ns() -> u64 {
    static BASE: OnceLock<Instant> = OnceLock::new();
    let base = *BASE.get_or_init(Instant::now);
    u64::try_from(base.elapsed().as_nanos()).unwrap_or(u64::MAX >> 1) & (u64::MAX >> 1)
}

const TAGGED: u64 = 1 << 63;

/// A slot's debug record.
#[derive(Debug, Default)]
pub(super) struct SlotRecord {
    site: AtomicPtr<Location<'static>>,
    rent_site: AtomicPtr<Location<'static>>,
    /// Insertion time (`now_ns`), with `TAGGED` set if `tag` holds a tag.
    born: AtomicU64,
    tag: AtomicU64,
}

impl SlotRecord {
    /// The slot was just rented from `site`.
    #[inline]
    pub(super) fn rented(&self, site: &'static Location<'static>) {
        self.rent_site.store(ptr(site), Relaxed);
    }
}

fn ptr(site: &'static Location<'static>) -> *mut Location<'static> {
    // Only ever read back as `&'static Location`.
    (site as *const Location<'static>).cast_mut()
}

fn site(p: *mut Location<'static>) -> Option<&'static Location<'static>> {
    // SAFETY: every non-null pointer stored here came from a `&'static Location`.
    unsafe { p.cast_const().as_ref() }
}

/// The tag a pool gives new values.
#[derive(Debug, Default)]
pub(super) struct PoolTag {
    /// The tag, with `TAGGED` in `on`.
    tag: AtomicU64,
    on: AtomicU64,
}

impl<T> SyncPool<T> {
    /// Records the insertion site of the value being published in `slot` (before the
    /// release store that publishes it).
    #[track_caller]
    pub(super) fn record_insert(&self, slot: &Slot<T>) {
        let r = &slot.debug;
        r.site.store(ptr(Location::caller()), Relaxed);
        let on = self.debug_tag.on.load(Relaxed);
        r.tag.store(self.debug_tag.tag.load(Relaxed), Relaxed);
        r.born.store(now_ns() | on, Relaxed);
        r.rent_site.store(ptr(Location::caller()), Relaxed);
    }

    /// Tags the values inserted from now on (for example with a frame number); `None`
    /// stops tagging. Set while other threads insert, the tag applies to their values from
    /// some point on.
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = pool_core::SyncPool::new();
    /// pool.set_debug_tag(Some(42));
    /// pool.insert(());
    /// assert_eq!(pool.leak_report().groups[0].tag, Some(42));
    /// ```
    pub fn set_debug_tag(&self, tag: Option<u64>) {
        self.debug_tag.tag.store(tag.unwrap_or(0), Relaxed);
        self.debug_tag
            .on
            .store(if tag.is_some() { TAGGED } else { 0 }, Relaxed);
    }

    /// The live values grouped by insertion site and tag (with counts and ages), and the
    /// guards alive now or leaked (with where they were taken). Safe to call while other
    /// threads work (a snapshot).
    ///
    /// # Panics
    ///
    /// If the allocator refuses memory for the report. (A store being dropped never
    /// panics or aborts for that: it writes one line instead.)
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = pool_core::SyncPool::new();
    /// let kept = pool.insert("kept");
    /// let gone = pool.insert("gone");
    /// pool.remove(gone);
    /// std::mem::forget(pool.get(kept).unwrap());
    /// let report = pool.leak_report();
    /// assert_eq!((report.live, report.groups.len(), report.rents.len()), (1, 1, 1));
    /// assert_eq!(report.groups[0].site.unwrap().line(), line!() - 6);
    /// assert_eq!(report.rents[0].site.unwrap().line(), line!() - 4);
    /// ```
    pub fn leak_report(&self) -> LeakReport {
        self.try_leak_report()
            .unwrap_or_else(|| debug::report_failed())
    }

    /// The leak report, or `None` if the allocator refuses room for it (what `Drop` uses:
    /// it must not abort).
    pub(super) fn try_leak_report(&self) -> Option<LeakReport> {
        let now = now_ns();
        let mut entries = Vec::new();
        let mut rents = Vec::new();
        for (s, shard) in self.shards.iter().enumerate() {
            let capacity = shard
                .c
                .own
                .capacity
                .load(Relaxed)
                .min(u64::from(slot::SHARD_SLOTS));
            for addr in 0..capacity as u32 {
                let Some(slot) = shard.pages.get(addr) else {
                    break;
                };
                let st = slot.state.load(Ordering::Acquire);
                let r = &slot.debug;
                // Live, or held by a guard (a removed value a leaked guard still holds,
                // or a value in a `Recycled` guard that has no handle yet).
                if version(st) & 1 == 1 || lock(st) & (REFS | EXCL) != 0 {
                    let born = r.born.load(Relaxed);
                    let tag = (born & TAGGED != 0).then(|| r.tag.load(Relaxed));
                    let age = Duration::from_nanos(now.saturating_sub(born & !TAGGED));
                    debug::try_push(&mut entries, (site(r.site.load(Relaxed)), tag, age))?;
                }
                if lock(st) & (REFS | EXCL) != 0 {
                    let leaked = LeakedRent {
                        index: ((s as u32) << ADDR_BITS) | addr,
                        site: site(r.rent_site.load(Relaxed)),
                        exclusive: lock(st) & EXCL != 0,
                    };
                    debug::try_push(&mut rents, leaked)?;
                }
            }
        }
        let (live, groups) = debug::sites::group(entries.into_iter())?;
        Some(LeakReport {
            store: debug::try_string(&["SyncPool<", core::any::type_name::<T>(), ">"])?,
            id: self.id,
            live,
            groups,
            rents,
        })
    }

    /// Panics with the [leak report](SyncPool::leak_report) if the pool holds any value
    /// or a guard is alive.
    ///
    /// # Panics
    ///
    /// As said, with the report as the message.
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = pool_core::SyncPool::new();
    /// let h = pool.insert(1);
    /// pool.remove(h);
    /// pool.assert_no_leaks();
    /// ```
    #[track_caller]
    pub fn assert_no_leaks(&self) {
        debug::assert_clean(&self.leak_report());
    }
}
