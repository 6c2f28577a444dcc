//! The backing allocator (slabs and the fallback), its counters, and the allocator modes.

use core::alloc::{GlobalAlloc, Layout};
use core::fmt;

#[cfg(not(loom))]
use super::SmallPool;
use crate::sync::process::{AtomicU64, Ordering::Relaxed};

/// Where a [`SmallPool`] gets its slabs and serves what no class fits (the fallback).
///
/// # Examples
///
/// ```
/// use pool_core::small_pool::{BackingAllocator, SmallPool};
///
/// static POOL: SmallPool = SmallPool::new().backed_by(BackingAllocator::System);
/// assert!(matches!(POOL.backing(), BackingAllocator::System));
/// ```
#[derive(Clone, Copy)]
#[non_exhaustive]
pub enum BackingAllocator {
    /// `std::alloc::System` (the C library's `malloc`).
    System,
    /// mimalloc (feature `mimalloc`).
    #[cfg(feature = "mimalloc")]
    Mimalloc,
    /// Any allocator with a `'static` instance, e.g. one that counts or fails on purpose.
    /// It must not be the `SmallPool` itself.
    Custom(&'static (dyn GlobalAlloc + Sync)),
}

impl fmt::Debug for BackingAllocator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            BackingAllocator::System => "System",
            #[cfg(feature = "mimalloc")]
            BackingAllocator::Mimalloc => "Mimalloc",
            BackingAllocator::Custom(_) => "Custom",
        })
    }
}

impl BackingAllocator {
    /// # Safety
    ///
    /// As for [`GlobalAlloc::alloc`].
    #[inline]
    pub(super) unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract, passed on.
        unsafe {
            match self {
                BackingAllocator::System => std::alloc::System.alloc(layout),
                #[cfg(feature = "mimalloc")]
                BackingAllocator::Mimalloc => mimalloc::MiMalloc.alloc(layout),
                BackingAllocator::Custom(a) => a.alloc(layout),
            }
        }
    }

    /// # Safety
    ///
    /// As for [`GlobalAlloc::alloc_zeroed`].
    pub(super) unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract, passed on.
        unsafe {
            match self {
                BackingAllocator::System => std::alloc::System.alloc_zeroed(layout),
                #[cfg(feature = "mimalloc")]
                BackingAllocator::Mimalloc => mimalloc::MiMalloc.alloc_zeroed(layout),
                BackingAllocator::Custom(a) => a.alloc_zeroed(layout),
            }
        }
    }

    /// # Safety
    ///
    /// As for [`GlobalAlloc::dealloc`], with this backing.
    #[inline]
    pub(super) unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's contract, passed on.
        unsafe {
            match self {
                BackingAllocator::System => std::alloc::System.dealloc(ptr, layout),
                #[cfg(feature = "mimalloc")]
                BackingAllocator::Mimalloc => mimalloc::MiMalloc.dealloc(ptr, layout),
                BackingAllocator::Custom(a) => a.dealloc(ptr, layout),
            }
        }
    }

    /// # Safety
    ///
    /// As for [`GlobalAlloc::realloc`], with this backing.
    pub(super) unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller's contract, passed on.
        unsafe {
            match self {
                BackingAllocator::System => std::alloc::System.realloc(ptr, layout, new_size),
                #[cfg(feature = "mimalloc")]
                BackingAllocator::Mimalloc => mimalloc::MiMalloc.realloc(ptr, layout, new_size),
                BackingAllocator::Custom(a) => a.realloc(ptr, layout, new_size),
            }
        }
    }
}

/// Upper bounds of the fallback size histogram's buckets; the last bucket counts
/// everything larger.
pub const HISTOGRAM_BOUNDS: [usize; 8] = [64, 128, 256, 512, 1024, 2048, 4096, 8192];

/// Counters of the fallback path (updated with relaxed read-modify-writes: the fallback
/// is the slow path by definition).
#[derive(Debug)]
pub(super) struct FallbackCounters {
    pub(super) allocs: AtomicU64,
    pub(super) frees: AtomicU64,
    pub(super) reallocs: AtomicU64,
    pub(super) live_bytes: AtomicU64,
    pub(super) histogram: [AtomicU64; HISTOGRAM_BOUNDS.len() + 1],
}

impl FallbackCounters {
    pub(super) const fn new() -> Self {
        #[allow(clippy::declare_interior_mutable_const)]
        const ZERO: AtomicU64 = AtomicU64::new(0);
        FallbackCounters {
            allocs: ZERO,
            frees: ZERO,
            reallocs: ZERO,
            live_bytes: ZERO,
            histogram: [ZERO; HISTOGRAM_BOUNDS.len() + 1],
        }
    }

    pub(super) fn on_alloc(&self, size: usize) {
        self.allocs.fetch_add(1, Relaxed);
        self.live_bytes.fetch_add(size as u64, Relaxed);
        let bucket = HISTOGRAM_BOUNDS
            .iter()
            .position(|&b| size <= b)
            .unwrap_or(HISTOGRAM_BOUNDS.len());
        self.histogram[bucket].fetch_add(1, Relaxed);
    }

    pub(super) fn on_free(&self, size: usize) {
        self.frees.fetch_add(1, Relaxed);
        self.live_bytes.fetch_sub(size as u64, Relaxed);
    }

    pub(super) fn on_realloc(&self, old: usize, new: usize) {
        self.reallocs.fetch_add(1, Relaxed);
        self.live_bytes.fetch_add(new as u64, Relaxed);
        self.live_bytes.fetch_sub(old as u64, Relaxed);
    }
}

/// mimalloc as a process allocator mode (feature `mimalloc`): a thin wrapper over
/// [`mimalloc::MiMalloc`] so that every mode is a type of this crate.
///
/// # Examples
///
/// ```
/// # #[cfg(feature = "mimalloc")] {
/// use core::alloc::{GlobalAlloc, Layout};
/// let m = pool_core::small_pool::Mimalloc;
/// let layout = Layout::new::<u64>();
/// // SAFETY: a non-zero-sized layout, freed with the same layout.
/// unsafe {
///     let p = m.alloc(layout);
///     assert!(!p.is_null());
///     m.dealloc(p, layout);
/// }
/// # }
/// ```
#[cfg(feature = "mimalloc")]
#[derive(Clone, Copy, Debug, Default)]
pub struct Mimalloc;

#[cfg(feature = "mimalloc")]
// SAFETY: every call is passed to mimalloc, which upholds the `GlobalAlloc` contract.
unsafe impl GlobalAlloc for Mimalloc {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract, passed on.
        unsafe { mimalloc::MiMalloc.alloc(layout) }
    }
    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract, passed on.
        unsafe { mimalloc::MiMalloc.alloc_zeroed(layout) }
    }
    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's contract, passed on.
        unsafe { mimalloc::MiMalloc.dealloc(ptr, layout) }
    }
    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller's contract, passed on.
        unsafe { mimalloc::MiMalloc.realloc(ptr, layout, new_size) }
    }
}

/// The process allocator, picked by name at build time: `"default"` (the system
/// allocator), `"mimalloc"` (feature `mimalloc`) or `"small_pool"`.
///
/// Build flags reach it through `option_env!`, read when the program is compiled:
///
/// ```
/// use pool_core::small_pool::AllocatorMode;
///
/// #[global_allocator]
/// static ALLOC: AllocatorMode = AllocatorMode::from_name(option_env!("TYPED_POOL_ALLOCATOR"));
///
/// // `TYPED_POOL_ALLOCATOR=small_pool cargo run` installs a SmallPool; unset, the system
/// // allocator. The chosen mode is known at run time too:
/// if let Some(pool) = ALLOC.small_pool() {
///     println!("{}", pool.snapshot_stats());
/// }
/// ```
///
/// A name that is not a mode, or `"mimalloc"` without the `mimalloc` feature, stops the
/// build (the `static` cannot be evaluated); nothing falls back silently:
///
/// ```compile_fail,E0080
/// use pool_core::small_pool::AllocatorMode;
/// static ALLOC: AllocatorMode = AllocatorMode::from_name(Some("jemalloc"));
/// ```
///
/// Installing two modes is rejected by the compiler as well ("cannot define multiple
/// global allocators"), so two features that each install one cannot both be on.
#[cfg(not(loom))]
#[derive(Debug)]
#[non_exhaustive]
pub enum AllocatorMode {
    /// The system allocator.
    Default(std::alloc::System),
    /// mimalloc.
    #[cfg(feature = "mimalloc")]
    Mimalloc(Mimalloc),
    /// This crate's small-object allocator.
    SmallPool(SmallPool),
}

#[cfg(not(loom))]
const fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

// Loom's atomics cannot be built in a `const fn`, so the modes exist outside loom only.
#[cfg(not(loom))]
impl AllocatorMode {
    /// The mode named `name` (`None` or `"default"`: the system allocator).
    ///
    /// # Panics
    ///
    /// On an unknown name, or `"mimalloc"` without the `mimalloc` feature. In a `static`
    /// (its use), that is a compile error.
    ///
    /// # Examples
    ///
    /// ```
    /// use pool_core::small_pool::AllocatorMode;
    /// const M: AllocatorMode = AllocatorMode::from_name(Some("small_pool"));
    /// assert!(M.small_pool().is_some());
    /// assert_eq!(M.name(), "small_pool");
    /// ```
    pub const fn from_name(name: Option<&str>) -> Self {
        let name = match name {
            None => return AllocatorMode::Default(std::alloc::System),
            Some(n) => n,
        };
        if same(name, "default") || same(name, "system") {
            AllocatorMode::Default(std::alloc::System)
        } else if same(name, "small_pool") {
            AllocatorMode::SmallPool(SmallPool::new())
        } else if same(name, "mimalloc") {
            #[cfg(feature = "mimalloc")]
            {
                AllocatorMode::Mimalloc(Mimalloc)
            }
            #[cfg(not(feature = "mimalloc"))]
            panic!("allocator mode \"mimalloc\" needs pool-core's `mimalloc` feature")
        } else {
            panic!("unknown allocator mode: expected \"default\", \"mimalloc\" or \"small_pool\"")
        }
    }

    /// The mode's name, as [`from_name`](Self::from_name) takes it.
    ///
    /// # Examples
    ///
    /// ```
    /// use pool_core::small_pool::AllocatorMode;
    /// assert_eq!(AllocatorMode::from_name(None).name(), "default");
    /// ```
    pub const fn name(&self) -> &'static str {
        match self {
            AllocatorMode::Default(_) => "default",
            #[cfg(feature = "mimalloc")]
            AllocatorMode::Mimalloc(_) => "mimalloc",
            AllocatorMode::SmallPool(_) => "small_pool",
        }
    }

    /// The `SmallPool`, if that is the mode (for its stats).
    ///
    /// # Examples
    ///
    /// ```
    /// use pool_core::small_pool::AllocatorMode;
    /// assert!(AllocatorMode::from_name(Some("default")).small_pool().is_none());
    /// ```
    pub const fn small_pool(&self) -> Option<&SmallPool> {
        match self {
            AllocatorMode::SmallPool(p) => Some(p),
            _ => None,
        }
    }
}

#[cfg(not(loom))]
// SAFETY: every call goes to the one allocator the mode holds, which upholds the contract;
// the mode never changes, so a block is always freed by the allocator that made it.
unsafe impl GlobalAlloc for AllocatorMode {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract, passed on.
        unsafe {
            match self {
                AllocatorMode::Default(a) => a.alloc(layout),
                #[cfg(feature = "mimalloc")]
                AllocatorMode::Mimalloc(a) => a.alloc(layout),
                AllocatorMode::SmallPool(a) => a.alloc(layout),
            }
        }
    }
    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract, passed on.
        unsafe {
            match self {
                AllocatorMode::Default(a) => a.alloc_zeroed(layout),
                #[cfg(feature = "mimalloc")]
                AllocatorMode::Mimalloc(a) => a.alloc_zeroed(layout),
                AllocatorMode::SmallPool(a) => a.alloc_zeroed(layout),
            }
        }
    }
    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's contract, passed on.
        unsafe {
            match self {
                AllocatorMode::Default(a) => a.dealloc(ptr, layout),
                #[cfg(feature = "mimalloc")]
                AllocatorMode::Mimalloc(a) => a.dealloc(ptr, layout),
                AllocatorMode::SmallPool(a) => a.dealloc(ptr, layout),
            }
        }
    }
    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller's contract, passed on.
        unsafe {
            match self {
                AllocatorMode::Default(a) => a.realloc(ptr, layout, new_size),
                #[cfg(feature = "mimalloc")]
                AllocatorMode::Mimalloc(a) => a.realloc(ptr, layout, new_size),
                AllocatorMode::SmallPool(a) => a.realloc(ptr, layout, new_size),
            }
        }
    }
}
