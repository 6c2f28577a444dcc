//! The process-wide registry of pooled types.
//!
//! [`Pool::for_type`](crate::Pool::for_type) registers its type the first time a pool of
//! it is made; [`types`] lists every registered type with its layout, size class, live
//! pools, live values and high water.
//!
//! # Cost
//!
//! The registry's mutex is taken only when a registered pool is created, cloned or
//! listed. A registered pool owns a small cell of atomics and publishes its length there
//! with a relaxed store (a plain move on common hardware: no lock, no read-modify-write,
//! no shared cache line) when values come and go; nothing on the insert, get or remove
//! paths allocates or locks. Pools made with `Pool::new` are not registered and publish
//! nothing. Needs the `std` feature.
//!
//! # Examples
//!
//! ```
//! use pool_core::{registry, Pool, Pooled, Reset};
//!
//! #[derive(Default)]
//! struct Spark { heat: u8 }
//! impl Reset for Spark {
//!     fn reset(&mut self) { self.heat = 0; }
//! }
//! impl Pooled for Spark {
//!     const NAME: &'static str = "Spark";
//! }
//!
//! let mut pool = Pool::<Spark>::for_type();
//! pool.acquire();
//! let info = registry::types().into_iter().find(|t| t.name == "Spark").unwrap();
//! assert_eq!((info.size, info.live_pools, info.live_values), (1, 1, 1));
//! ```

use crate::sync::process::{AtomicU64, Ordering};
use crate::sync::process::{Mutex, MutexGuard, PoisonError};
use std::sync::Arc;
use std::vec::Vec;

use crate::size_class::SizeClass;
use crate::Pooled;

/// One registered pool's published counters.
#[derive(Debug)]
pub(crate) struct PoolCell {
    record: usize,
    live: AtomicU64,
    high_water: AtomicU64,
}

#[derive(Debug)]
struct Record {
    info: TypeInfo,
    /// Cells of pools made so far; a cell whose only owner is this list belongs to a
    /// dropped pool.
    pools: Vec<Arc<PoolCell>>,
}

static REGISTRY: Mutex<Vec<Record>> = Mutex::new(Vec::new());

/// A panic while the lock was held cannot leave the list half-updated (every update is a
/// single push or field write), so a poisoned lock is still usable.
fn lock() -> MutexGuard<'static, Vec<Record>> {
    REGISTRY.lock().unwrap_or_else(PoisonError::into_inner)
}

/// What the registry knows about one type.
///
/// # Examples
///
/// ```
/// for t in pool_core::registry::types() {
///     println!("{:<20} {:>6} B  {:>3} pools  {:>8} live", t.name, t.size, t.live_pools, t.live_values);
/// }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct TypeInfo {
    /// The name the type was declared with (or its full path if it has none).
    pub name: &'static str,
    /// The full type name, as `core::any::type_name` gives it.
    pub type_name: &'static str,
    /// `size_of` the type.
    pub size: usize,
    /// `align_of` the type.
    pub align: usize,
    /// The type's size class; `None` above 64 KiB.
    pub size_class: Option<SizeClass>,
    /// Pools of the type alive now.
    pub live_pools: usize,
    /// Pools of the type made so far.
    pub pools_created: usize,
    /// Values alive now, over all its live pools.
    pub live_values: u64,
    /// The most values one pool of the type has held at once.
    pub high_water: u64,
}

/// Every registered type, in registration order.
///
/// # Examples
///
/// ```
/// let before = pool_core::registry::types().len();
/// let _ = pool_core::Pool::<Vec<u8>>::for_type();
/// assert!(pool_core::registry::types().len() >= before);
/// ```
pub fn types() -> Vec<TypeInfo> {
    lock()
        .iter()
        .map(|r| {
            let mut info = r.info.clone();
            info.live_pools = 0;
            info.live_values = 0;
            for cell in &r.pools {
                let hw = cell.high_water.load(Ordering::Relaxed);
                info.high_water = info.high_water.max(hw);
                if Arc::strong_count(cell) > 1 {
                    info.live_pools += 1;
                    info.live_values += cell.live.load(Ordering::Relaxed);
                }
            }
            info
        })
        .collect()
}

/// A pool's link to its type's record, or nothing for an unregistered pool.
#[derive(Debug, Default)]
pub(crate) struct Link(Option<Arc<PoolCell>>);

impl Link {
    /// No link: an unregistered pool.
    pub(crate) const NONE: Link = Link(None);

    /// Registers `T` if needed and a new pool of it.
    pub(crate) fn register<T: Pooled>() -> Link {
        let type_name = core::any::type_name::<T>();
        let mut records = lock();
        let record = match records
            .iter()
            .position(|r| r.info.type_name == type_name && r.info.size == T::LAYOUT.size())
        {
            Some(i) => i,
            None => {
                records.push(Record {
                    info: TypeInfo {
                        name: if T::NAME.is_empty() {
                            type_name
                        } else {
                            T::NAME
                        },
                        type_name,
                        size: T::LAYOUT.size(),
                        align: T::LAYOUT.align(),
                        size_class: T::SIZE_CLASS,
                        live_pools: 0,
                        pools_created: 0,
                        live_values: 0,
                        high_water: 0,
                    },
                    pools: Vec::new(),
                });
                records.len() - 1
            }
        };
        Link(Some(add_pool(&mut records, record)))
    }

    /// A link for a copy of this pool (a clone is a new pool of the same type).
    pub(crate) fn fork(&self, len: usize, high_water: usize) -> Link {
        let Some(cell) = &self.0 else {
            return Link(None);
        };
        let new = add_pool(&mut lock(), cell.record);
        new.live.store(len as u64, Ordering::Relaxed);
        new.high_water.store(high_water as u64, Ordering::Relaxed);
        Link(Some(new))
    }

    /// Publishes the pool's length.
    #[inline(always)]
    pub(crate) fn publish_len(&self, len: usize) {
        if let Some(cell) = &self.0 {
            cell.live.store(len as u64, Ordering::Relaxed);
        }
    }

    /// Publishes the pool's high water mark.
    #[inline]
    pub(crate) fn publish_high_water(&self, high_water: usize) {
        if let Some(cell) = &self.0 {
            cell.high_water.store(high_water as u64, Ordering::Relaxed);
        }
    }
}

fn add_pool(records: &mut [Record], record: usize) -> Arc<PoolCell> {
    let r = &mut records[record];
    // Drop the cells of pools that are gone, keeping their high water in the record.
    let mut gone_high_water = 0;
    r.pools.retain(|c| {
        let alive = Arc::strong_count(c) > 1;
        if !alive {
            gone_high_water = gone_high_water.max(c.high_water.load(Ordering::Relaxed));
        }
        alive
    });
    r.info.high_water = r.info.high_water.max(gone_high_water);
    r.info.pools_created += 1;
    let cell = Arc::new(PoolCell {
        record,
        live: AtomicU64::new(0),
        high_water: AtomicU64::new(0),
    });
    r.pools.push(cell.clone());
    cell
}
