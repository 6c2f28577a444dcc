//! Debug mode for [`Arena`] (feature `debug`): bytes allocated per call site, so a frame
//! arena that grew can be explained. See [`crate::debug`].

use alloc::vec::Vec;
use core::cell::RefCell;
use core::panic::Location;
use std::collections::HashMap;

use super::Arena;

/// Bytes and allocations made from one call site; see [`Arena::site_report`].
///
/// # Examples
///
/// ```
/// let arena = pool_core::Arena::new();
/// arena.alloc_slice_copy(&[0u8; 100]);
/// let top = &arena.site_report()[0];
/// assert_eq!((top.bytes, top.allocations), (100, 1));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct SiteBytes {
    /// The call site.
    pub site: &'static Location<'static>,
    /// Allocations made from it.
    pub allocations: u64,
    /// Bytes requested from it (padding not counted).
    pub bytes: u64,
}

type Sites = HashMap<&'static Location<'static>, (u64, u64)>;

/// Per-site counters of the frame being built and of the frame before the last reset.
#[derive(Debug, Default)]
pub(super) struct ArenaSites {
    current: RefCell<Sites>,
    previous: RefCell<Sites>,
}

impl ArenaSites {
    /// Counts one allocation of `bytes` from `site` in the current frame.
    ///
    /// Never aborts: if the allocator refuses room for a new site, the allocation goes
    /// unrecorded, so that a `try_*` call still reports running out of memory instead of
    /// aborting in debug mode.
    pub(super) fn record(&self, site: &'static Location<'static>, bytes: usize) {
        let mut map = self.current.borrow_mut();
        if !map.contains_key(site) && map.try_reserve(1).is_err() {
            return;
        }
        let e = map.entry(site).or_default();
        e.0 += 1;
        e.1 += bytes as u64;
    }

    /// A reset: this frame's counters become the last frame's. The maps trade places
    /// and keep their memory, so a warm arena allocates nothing in debug mode either.
    pub(super) fn end_frame(&mut self) {
        core::mem::swap(self.current.get_mut(), self.previous.get_mut());
        self.current.get_mut().clear();
    }
}

fn sorted(map: &Sites) -> Vec<SiteBytes> {
    let mut v: Vec<SiteBytes> = map
        .iter()
        .map(|(&site, &(allocations, bytes))| SiteBytes {
            site,
            allocations,
            bytes,
        })
        .collect();
    v.sort_by(|a, b| {
        b.bytes
            .cmp(&a.bytes)
            .then_with(|| (a.site.file(), a.site.line()).cmp(&(b.site.file(), b.site.line())))
    });
    v
}

impl Arena<'_> {
    /// Bytes allocated per call site since the last [`reset`](Arena::reset), most bytes
    /// first (scopes included: what a scope freed was still allocated).
    ///
    /// # Examples
    ///
    /// ```
    /// let arena = pool_core::Arena::new();
    /// for _ in 0..3 {
    ///     arena.alloc([0u64; 4]);
    /// }
    /// let r = arena.site_report();
    /// assert_eq!((r[0].allocations, r[0].bytes), (3, 96));
    /// ```
    pub fn site_report(&self) -> Vec<SiteBytes> {
        sorted(&self.sites.current.borrow())
    }

    /// [`site_report`](Arena::site_report) of the frame that the last reset ended.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut arena = pool_core::Arena::new();
    /// arena.alloc(1u32);
    /// arena.reset();
    /// assert!(arena.site_report().is_empty());
    /// assert_eq!(arena.last_frame_site_report()[0].bytes, 4);
    /// ```
    pub fn last_frame_site_report(&self) -> Vec<SiteBytes> {
        sorted(&self.sites.previous.borrow())
    }
}
