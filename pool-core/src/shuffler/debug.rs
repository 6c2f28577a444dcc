//! Debug mode for [`Shuffler`] (feature `debug`): leak reports, the drop hook, tags,
//! rent sites. See [`crate::debug`].

use alloc::vec::Vec;

use super::{ShuffleHandle, Shuffler, State, EXCLUSIVE};
use crate::debug::{self, LeakReport, LeakedRent};

impl<T> Shuffler<T> {
    /// Tags the blocks allocated from now on; `None` stops tagging.
    ///
    /// # Examples
    ///
    /// ```
    /// let s = pool_core::Shuffler::new();
    /// s.set_debug_tag(Some(9));
    /// s.create(1);
    /// assert_eq!(s.leak_report().groups[0].tag, Some(9));
    /// ```
    pub fn set_debug_tag(&self, tag: Option<u64>) {
        self.inner().sites.set_tag(tag);
    }

    /// The live blocks grouped by allocation site and tag (with counts and ages), and the
    /// rents not given back (guards alive now, or leaked), with the site of each rent.
    ///
    /// # Panics
    ///
    /// If the allocator refuses memory for the report. (A store being dropped never
    /// panics or aborts for that: it writes one line instead.)
    ///
    /// # Examples
    ///
    /// ```
    /// let s = pool_core::Shuffler::new();
    /// let h = s.create(1);
    /// std::mem::forget(s.rent_mut(h).unwrap());
    /// let r = s.leak_report();
    /// assert_eq!((r.live, r.rents.len()), (1, 1));
    /// ```
    pub fn leak_report(&self) -> LeakReport {
        self.try_leak_report()
            .unwrap_or_else(|| debug::report_failed())
    }

    /// The leak report, or `None` if the allocator refuses room for it (what `Drop` uses:
    /// it must not abort).
    pub(super) fn try_leak_report(&self) -> Option<LeakReport> {
        let inner = self.inner();
        let mut live = Vec::new();
        let mut rents = Vec::new();
        for (i, slot) in inner.slots.iter().enumerate() {
            if let State::Live { .. } = slot.state() {
                debug::try_push(&mut live, i)?;
            }
            // A zombie's rents are still out; a vacant slot's count is 0.
            let rent = slot.rent;
            if rent != 0 {
                let leaked = LeakedRent {
                    index: i as u32,
                    site: inner.rent_sites.site(i),
                    exclusive: rent == EXCLUSIVE,
                };
                debug::try_push(&mut rents, leaked)?;
            }
        }
        inner.sites.report(
            debug::try_string(&["Shuffler<", core::any::type_name::<T>(), ">"])?,
            self.id,
            live.into_iter(),
            rents,
        )
    }

    /// Panics with the [leak report](Shuffler::leak_report) if any block is live or
    /// rented.
    ///
    /// # Panics
    ///
    /// As said, with the report as the message.
    ///
    /// # Examples
    ///
    /// ```
    /// let s = pool_core::Shuffler::new();
    /// let h = s.create(1);
    /// s.free(h);
    /// s.assert_no_leaks();
    /// ```
    #[track_caller]
    pub fn assert_no_leaks(&self) {
        debug::assert_clean(&self.leak_report());
    }

    /// Remembers where `h` (just pinned) was rented.
    #[track_caller]
    pub(super) fn note_rent(&self, h: ShuffleHandle<T>) {
        let inner = self.inner();
        let n = inner.slots.len();
        inner.rent_sites.cover(n);
        inner
            .rent_sites
            .rented(h.index() as usize, core::panic::Location::caller());
    }
}
