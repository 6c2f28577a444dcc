//! Debug mode (feature `debug`): every live value remembers where it was inserted (its
//! `#[track_caller]` site), when, and an optional user tag, so that a store can say which
//! values were never removed and where they came from.
//!
//! - `store.leak_report()` groups the live values of a [`Pool`](crate::Pool),
//!   [`Shuffler`](crate::Shuffler) or [`BinnedAllocator`](crate::BinnedAllocator) by site
//!   and tag, with counts and ages, and lists rent guards that were leaked
//!   (`mem::forget`) with the site where they were rented.
//! - Dropping a store that still holds values hands its report to the leak hook
//!   ([`set_leak_hook`]; by default the report is written to stderr).
//! - `store.assert_no_leaks()` panics with the report, for tests.
//! - `store.set_debug_tag(Some(frame))` tags the values inserted from then on.
//! - An [`Arena`](crate::Arena) counts bytes per allocation site
//!   ([`Arena::site_report`](crate::Arena::site_report)), so a frame arena that grew can
//!   be explained.
//!
//! With the feature off none of this is compiled in: no fields, no methods, no
//! `#[track_caller]` on the hot paths.

pub(crate) mod sites;

use crate::sync::process::RwLock;
use alloc::boxed::Box;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use core::panic::Location;
use std::time::Duration;

pub(crate) use self::sites::{RentSites, SiteTable};

/// Live values of one store that share an insertion site and tag.
///
/// # Examples
///
/// ```
/// let mut pool = pool_core::Pool::new();
/// pool.insert(1);
/// let report = pool.leak_report();
/// let group = &report.groups[0];
/// assert_eq!((group.count, group.tag), (1, None));
/// assert!(group.site.unwrap().file().ends_with(".rs"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct LeakGroup {
    /// Where the values were inserted (`None` for values whose site is unknown, such as
    /// values loaded with serde).
    pub site: Option<&'static Location<'static>>,
    /// The store's debug tag when they were inserted.
    pub tag: Option<u64>,
    /// How many values.
    pub count: usize,
    /// Age of the oldest of them.
    pub oldest: Duration,
    /// Age of the newest of them.
    pub newest: Duration,
}

/// A rent guard that was leaked (or is still alive while the report is taken).
///
/// # Examples
///
/// ```
/// let mut pool = pool_core::Pool::new();
/// let h = pool.insert(1);
/// std::mem::forget(pool.rentals().rent_mut(h).unwrap());
/// let rent = &pool.leak_report().rents[0];
/// assert!(rent.exclusive);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct LeakedRent {
    /// The slot (handle index) of the rented value or block.
    pub index: u32,
    /// Where it was last rented.
    pub site: Option<&'static Location<'static>>,
    /// Whether the rent is exclusive (`rent_mut`).
    pub exclusive: bool,
}

/// What a store still holds: its live values grouped by site and tag, and its leaked rent
/// guards. `Display` renders it as a table.
///
/// # Examples
///
/// ```
/// let mut pool = pool_core::Pool::new();
/// pool.set_debug_tag(Some(7));
/// pool.insert("left behind");
/// let report = pool.leak_report();
/// assert_eq!(report.live, 1);
/// assert!(report.to_string().contains("1 live value"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct LeakReport {
    /// The kind of store and its element type, e.g. `Pool<game::Enemy>`.
    pub store: String,
    /// The store's id.
    pub id: u32,
    /// Live values (or blocks) in all.
    pub live: usize,
    /// The live values grouped by site and tag, most values first.
    pub groups: Vec<LeakGroup>,
    /// Rent guards that were not given back.
    pub rents: Vec<LeakedRent>,
}

impl LeakReport {
    /// Whether the store holds nothing and no rent guard was leaked.
    ///
    /// # Examples
    ///
    /// ```
    /// let pool: pool_core::Pool<u8> = pool_core::Pool::new();
    /// assert!(pool.leak_report().is_clean());
    /// ```
    pub fn is_clean(&self) -> bool {
        self.live == 0 && self.rents.is_empty()
    }
}

impl fmt::Display for LeakReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let plural = if self.live == 1 { "" } else { "s" };
        writeln!(
            f,
            "leak report: {} (id {}): {} live value{plural}",
            self.store, self.id, self.live
        )?;
        if !self.groups.is_empty() {
            writeln!(
                f,
                "  {:>7}  {:>10}  {:>10}  {:>8}  site",
                "count", "oldest", "newest", "tag"
            )?;
            // Formatted in place, nothing allocated: a report may be printed while the
            // allocator refuses.
            for g in &self.groups {
                writeln!(
                    f,
                    "  {:>7}  {:>10.3?}  {:>10.3?}  {:>8}  {}",
                    g.count,
                    g.oldest,
                    g.newest,
                    TagName(g.tag),
                    SiteName(g.site)
                )?;
            }
        }
        for r in &self.rents {
            writeln!(
                f,
                "  rent guard never returned: slot {} ({}) rented at {}",
                r.index,
                if r.exclusive { "exclusive" } else { "shared" },
                SiteName(r.site)
            )?;
        }
        Ok(())
    }
}

/// A tag, or `-` for none, padded as asked.
struct TagName(Option<u64>);

impl fmt::Display for TagName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(t) => fmt::Display::fmt(&t, f),
            None => f.pad("-"),
        }
    }
}

/// A site as `file:line:column`, or `unknown site`.
struct SiteName(Option<&'static Location<'static>>);

impl fmt::Display for SiteName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(l) => write!(f, "{}:{}:{}", l.file(), l.line(), l.column()),
            None => f.write_str("unknown site"),
        }
    }
}

/// What a dropped store that still holds values does with its report.
pub type LeakHook = Box<dyn Fn(&LeakReport) + Send + Sync>;

static HOOK: RwLock<Option<LeakHook>> = RwLock::new(None);

/// Sets what happens when a store is dropped with values (or leaked rent guards) in it;
/// `None` restores the default, which writes the report to stderr. Process-wide, like
/// `std::panic::set_hook`.
///
/// # Examples
///
/// ```
/// use std::sync::{Arc, Mutex};
/// let seen = Arc::new(Mutex::new(Vec::new()));
/// let sink = seen.clone();
/// pool_core::debug::set_leak_hook(Some(Box::new(move |r| sink.lock().unwrap().push(r.live))));
/// let mut pool = pool_core::Pool::new();
/// pool.insert(1);
/// drop(pool);
/// pool_core::debug::set_leak_hook(None);
/// assert!(seen.lock().unwrap().contains(&1));
/// ```
pub fn set_leak_hook(hook: Option<LeakHook>) {
    let mut slot = HOOK.write().unwrap_or_else(|p| p.into_inner());
    *slot = hook;
}

/// Hands a dropped store's report to the hook (unless the report is clean). Never
/// panics into a drop that is already unwinding.
pub(crate) fn dropped_with(report: LeakReport) {
    if report.is_clean() {
        return;
    }
    let hook = HOOK.read().unwrap_or_else(|p| p.into_inner());
    match &*hook {
        Some(h) if !std::thread::panicking() => h(&report),
        _ => std::eprint!("{report}"),
    }
}

/// The pieces concatenated in a new string, or `None` if the allocator refuses: reports
/// built while a store drops must not abort.
pub(crate) fn try_string(parts: &[&str]) -> Option<String> {
    let mut s = String::new();
    s.try_reserve_exact(parts.iter().map(|p| p.len()).sum())
        .ok()?;
    for p in parts {
        s.push_str(p);
    }
    Some(s)
}

/// Pushes `value` onto `list`; `None` if the allocator refuses room for it.
pub(crate) fn try_push<T>(list: &mut Vec<T>, value: T) -> Option<()> {
    list.try_reserve(1).ok()?;
    list.push(value);
    Some(())
}

/// What `leak_report` does when the allocator refuses room for the report itself.
#[cold]
#[track_caller]
pub(crate) fn report_failed() -> ! {
    panic!("leak report: out of memory")
}

/// What a store dropped with values does when its report cannot be built (the allocator
/// refuses): one line on stderr, formatted without allocating.
#[cold]
pub(crate) fn dropped_unreported(kind: &str, id: u32, live: usize) {
    if live == 0 {
        return;
    }
    std::eprintln!("leak report: {kind} (id {id}): {live} live values (no details: out of memory)");
}

/// Panics with the report unless it is clean (the body of `assert_no_leaks`).
#[track_caller]
pub(crate) fn assert_clean(report: &LeakReport) {
    if !report.is_clean() {
        panic!("assert_no_leaks failed:\n{report}");
    }
}
