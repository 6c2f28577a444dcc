//! The per-slot records behind debug mode: where and when each live value was inserted,
//! and where each slot was last rented.

use alloc::string::String;
use alloc::vec::Vec;
use core::cell::Cell;
use core::panic::Location;
use std::time::{Duration, Instant};

use super::{try_push, LeakGroup, LeakReport, LeakedRent};

#[derive(Clone, Copy, Debug)]
struct Record {
    site: &'static Location<'static>,
    tag: Option<u64>,
    born: Instant,
}

/// Insertion records by slot index, and the tag new records get.
#[derive(Clone, Debug, Default)]
pub(crate) struct SiteTable {
    records: Vec<Option<Record>>,
    tag: Option<u64>,
}

impl SiteTable {
    pub(crate) const fn new() -> Self {
        SiteTable {
            records: Vec::new(),
            tag: None,
        }
    }

    pub(crate) fn set_tag(&mut self, tag: Option<u64>) {
        self.tag = tag;
    }

    /// Remembers that slot `index` was just filled from `site`.
    ///
    /// Never aborts: if the allocator refuses room for the record, the value goes
    /// unrecorded (a leak report shows it under "unknown site"), so that a `try_*` call
    /// still reports running out of memory instead of aborting in debug mode.
    pub(crate) fn record(&mut self, index: u32, site: &'static Location<'static>) {
        let i = index as usize;
        if self.records.len() <= i {
            if self
                .records
                .try_reserve(i + 1 - self.records.len())
                .is_err()
            {
                return;
            }
            self.records.resize(i + 1, None);
        }
        self.records[i] = Some(Record {
            site,
            tag: self.tag,
            born: Instant::now(),
        });
    }

    /// Slot `index` was emptied.
    #[inline]
    pub(crate) fn forget(&mut self, index: usize) {
        if let Some(r) = self.records.get_mut(index) {
            *r = None;
        }
    }

    /// Every slot emptied at once.
    pub(crate) fn forget_all(&mut self) {
        self.records.clear();
    }

    /// Groups the slots in `live` by site and tag. A live slot without a record (a value
    /// loaded from elsewhere) counts under "unknown site". `None` if the allocator refuses
    /// room for the groups.
    pub(crate) fn report(
        &self,
        store: String,
        id: u32,
        live: impl Iterator<Item = usize>,
        rents: Vec<LeakedRent>,
    ) -> Option<LeakReport> {
        let now = Instant::now();
        let entries = live.map(|i| {
            let rec = self.records.get(i).copied().flatten();
            let age = rec.map_or(Default::default(), |r| now.duration_since(r.born));
            (rec.map(|r| r.site), rec.and_then(|r| r.tag), age)
        });
        let (live, groups) = group(entries)?;
        Some(LeakReport {
            store,
            id,
            live,
            groups,
            rents,
        })
    }
}

/// Groups live values, given as (site, tag, age), by site and tag: most values first.
/// Returns how many values there were and the groups; `None` if the allocator refuses
/// room for them (nothing else allocates, the sort included).
pub(crate) fn group(
    entries: impl Iterator<Item = (Option<&'static Location<'static>>, Option<u64>, Duration)>,
) -> Option<(usize, Vec<LeakGroup>)> {
    let mut groups: Vec<LeakGroup> = Vec::new();
    let mut total = 0;
    for (site, tag, age) in entries {
        total += 1;
        match groups.iter_mut().find(|g| g.site == site && g.tag == tag) {
            Some(g) => {
                g.count += 1;
                g.oldest = g.oldest.max(age);
                g.newest = g.newest.min(age);
            }
            None => try_push(
                &mut groups,
                LeakGroup {
                    site,
                    tag,
                    count: 1,
                    oldest: age,
                    newest: age,
                },
            )?,
        }
    }
    // Most values first, then the oldest: a stable insertion sort, which needs no scratch
    // memory (there are as many groups as sites, a handful).
    for i in 1..groups.len() {
        let mut j = i;
        while j > 0 && {
            let (a, b) = (&groups[j - 1], &groups[j]);
            (b.count, b.oldest) > (a.count, a.oldest)
        } {
            groups.swap(j - 1, j);
            j -= 1;
        }
    }
    Some((total, groups))
}

/// Where each slot was last rented. Written through shared references by the rent paths
/// (which the stores already serialise: `Rentals` and `Shuffler` are not `Sync`).
#[derive(Debug, Default)]
pub(crate) struct RentSites {
    sites: Vec<Cell<Option<&'static Location<'static>>>>,
}

impl RentSites {
    pub(crate) const fn new() -> Self {
        RentSites { sites: Vec::new() }
    }

    /// Makes room for slots `0..n`, so `rented` can write through `&self`. If the
    /// allocator refuses, rents of the slots past the room are not recorded (never an
    /// abort).
    pub(crate) fn cover(&mut self, n: usize) {
        if self.sites.len() < n && self.sites.try_reserve(n - self.sites.len()).is_ok() {
            self.sites.resize_with(n, Cell::default);
        }
    }

    /// Slot `index` was just rented from `site` (ignored for slots not covered).
    #[inline]
    pub(crate) fn rented(&self, index: usize, site: &'static Location<'static>) {
        if let Some(c) = self.sites.get(index) {
            c.set(Some(site));
        }
    }

    pub(crate) fn site(&self, index: usize) -> Option<&'static Location<'static>> {
        self.sites.get(index).and_then(Cell::get)
    }
}

impl Clone for RentSites {
    fn clone(&self) -> Self {
        // A copy of a store has no rents of its own.
        RentSites::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_are_ordered_by_count_then_age_and_ties_keep_their_order() {
        let (a, b, c) = (Location::caller(), Location::caller(), Location::caller());
        let ms = Duration::from_millis;
        let entries = [
            (Some(a), None, ms(1)),
            (Some(b), None, ms(5)),
            (Some(c), Some(1), ms(5)),
            (Some(b), None, ms(2)),
            (Some(c), Some(2), ms(5)),
            (None, None, ms(9)),
        ];
        let (total, groups) = group(entries.into_iter()).unwrap();
        assert_eq!(total, 6);
        let order: Vec<_> = groups.iter().map(|g| (g.count, g.oldest, g.tag)).collect();
        // `b` twice first; then by age, the unknown site (9 ms); the two 5 ms groups
        // in the order they were met; `a` last.
        assert_eq!(
            order,
            [
                (2, ms(5), None),
                (1, ms(9), None),
                (1, ms(5), Some(1)),
                (1, ms(5), Some(2)),
                (1, ms(1), None),
            ]
        );
        assert_eq!(groups[0].newest, ms(2));
    }
}
