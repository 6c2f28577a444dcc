//! Debug mode for [`BinnedAllocator`] (feature `debug`): leak reports, the drop hook,
//! tags. The handle table records each block's allocation site (the allocation paths
//! carry the caller's site down to it); see [`crate::debug`].

use super::BinnedAllocator;
use crate::debug::{self, LeakReport};

impl BinnedAllocator {
    /// Tags the blocks allocated from now on; `None` stops tagging.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut a = pool_core::BinnedAllocator::new();
    /// a.set_debug_tag(Some(3));
    /// a.alloc(8);
    /// assert_eq!(a.leak_report().groups[0].tag, Some(3));
    /// ```
    pub fn set_debug_tag(&mut self, tag: Option<u64>) {
        self.entries.set_debug_tag(tag);
    }

    /// The live blocks grouped by allocation site and tag, with counts and ages.
    ///
    /// # Panics
    ///
    /// If the allocator refuses memory for the report. (A store being dropped never
    /// panics or aborts for that: it writes one line instead.)
    ///
    /// # Examples
    ///
    /// ```
    /// let mut a = pool_core::BinnedAllocator::new();
    /// a.alloc(8);
    /// a.alloc(8);
    /// let r = a.leak_report();
    /// assert_eq!((r.live, r.groups.len()), (2, 2)); // two sites
    /// ```
    pub fn leak_report(&self) -> LeakReport {
        self.try_leak_report()
            .unwrap_or_else(|| debug::report_failed())
    }

    /// The leak report, or `None` if the allocator refuses room for it (for `Drop`).
    fn try_leak_report(&self) -> Option<LeakReport> {
        let mut report = self.entries.try_leak_report()?;
        report.store = debug::try_string(&["BinnedAllocator"])?;
        Some(report)
    }

    /// Panics with the [leak report](BinnedAllocator::leak_report) if any block is live.
    ///
    /// # Panics
    ///
    /// As said, with the report as the message.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut a = pool_core::BinnedAllocator::new();
    /// let h = a.alloc(1);
    /// a.free(h);
    /// a.assert_no_leaks();
    /// ```
    #[track_caller]
    pub fn assert_no_leaks(&self) {
        debug::assert_clean(&self.leak_report());
    }
}

/// Debug mode only: an allocator dropped with live blocks hands its report to the hook.
impl Drop for BinnedAllocator {
    fn drop(&mut self) {
        if !self.entries.is_empty() {
            match self.try_leak_report() {
                Some(report) => debug::dropped_with(report),
                None => debug::dropped_unreported(
                    "BinnedAllocator",
                    self.entries.id(),
                    self.entries.len(),
                ),
            }
        }
    }
}
