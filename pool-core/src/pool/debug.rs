//! Debug mode for [`Pool`] (feature `debug`): leak reports, the drop hook, tags. See
//! [`crate::debug`].

use alloc::vec::Vec;

use super::slot::EXCLUSIVE;
use super::Pool;
use crate::debug::{self, LeakReport, LeakedRent};

impl<T> Pool<T> {
    /// Tags the values inserted from now on (for example with a frame number); `None`
    /// stops tagging. Reports group values by site and tag.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut pool = pool_core::Pool::new();
    /// pool.set_debug_tag(Some(42));
    /// pool.insert(());
    /// assert_eq!(pool.leak_report().groups[0].tag, Some(42));
    /// ```
    pub fn set_debug_tag(&mut self, tag: Option<u64>) {
        self.sites.set_tag(tag);
    }

    /// The live values grouped by insertion site and tag (with counts and ages), and the
    /// rent guards not given back. Taken while a [`Rentals`](super::Rentals) session is
    /// alive it would list live guards too; through `&Pool` none can be.
    ///
    /// # Panics
    ///
    /// If the allocator refuses memory for the report. (A store being dropped never
    /// panics or aborts for that: it writes one line instead.)
    ///
    /// # Examples
    ///
    /// ```
    /// let mut pool = pool_core::Pool::new();
    /// let kept = pool.insert("kept");
    /// let gone = pool.insert("gone");
    /// pool.remove(gone);
    /// let report = pool.leak_report();
    /// assert_eq!((report.live, report.groups.len()), (1, 1));
    /// assert_eq!(report.groups[0].site.unwrap().line(), line!() - 5);
    /// # let _ = kept;
    /// ```
    pub fn leak_report(&self) -> LeakReport {
        self.try_leak_report()
            .unwrap_or_else(|| debug::report_failed())
    }

    /// The leak report, or `None` if the allocator refuses room for it (what `Drop` uses:
    /// it must not abort).
    pub(crate) fn try_leak_report(&self) -> Option<LeakReport> {
        let mut rents: Vec<LeakedRent> = Vec::new();
        for i in self.occupancy.iter_set() {
            let state = self.slots[i].state.get();
            if state != 0 {
                let rent = LeakedRent {
                    index: i as u32,
                    site: self.rent_sites.site(i),
                    exclusive: state == EXCLUSIVE,
                };
                debug::try_push(&mut rents, rent)?;
            }
        }
        self.sites.report(
            debug::try_string(&["Pool<", core::any::type_name::<T>(), ">"])?,
            self.id,
            self.occupancy.iter_set(),
            rents,
        )
    }

    /// Panics with the [leak report](Pool::leak_report) if the pool holds any value or
    /// a leaked rent guard.
    ///
    /// # Panics
    ///
    /// As said, with the report as the message.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut pool = pool_core::Pool::new();
    /// let h = pool.insert(1);
    /// pool.remove(h);
    /// pool.assert_no_leaks();
    /// ```
    #[track_caller]
    pub fn assert_no_leaks(&self) {
        debug::assert_clean(&self.leak_report());
    }
}

/// Debug mode only: a pool dropped with values in it hands its leak report to the hook.
impl<T> Drop for Pool<T> {
    fn drop(&mut self) {
        // `into_iter` takes the slots out and leaves the rest to drop: nothing to report.
        if self.tracked && !self.is_empty() && !self.slots.is_empty() {
            match self.try_leak_report() {
                Some(report) => debug::dropped_with(report),
                None => debug::dropped_unreported("Pool", self.id, self.len()),
            }
        }
    }
}
