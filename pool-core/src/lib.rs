//! Memory that game and network code can trust and afford: typed pools with generational
//! handles, object recycling and RAII rent guards.
//!
//! # Examples
//!
//! ```
//! use pool_core::{Handle, Pool};
//!
//! #[derive(Debug, Default)]
//! struct Bullet { x: f32, speed: f32 }
//!
//! let mut bullets: Pool<Bullet> = Pool::with_capacity(1024);
//! let h: Handle<Bullet> = bullets.insert(Bullet { x: 0.0, speed: 2.0 });
//! for (_, b) in bullets.iter_mut() {
//!     b.x += b.speed;
//! }
//! assert_eq!(bullets[h].x, 2.0);
//! bullets.remove(h);
//! assert!(bullets.get(h).is_none()); // the handle is stale now, never a wrong value
//! ```
//!
//! # Choosing a store
//!
//! - [`Pool<T>`]: many values of one type that come and go, named by [`Handle<T>`]. O(1)
//!   insert, get and remove; [`acquire`](Pool::acquire) / [`release`](Pool::release)
//!   recycle whole objects (and their allocations) in place through the [`Reset`] trait
//!   ([`prefill`](Pool::prefill) builds spares up front), also as RAII [`Recycled`]
//!   guards ([`Pool::acquire_guard`]), or many [`Lease`] guards at once from a
//!   [`Recycler`] ([`Pool::recycler`]); rent
//!   guards ([`Pool::rent`], and [`Rentals`] for many exclusive rents at once) give
//!   run-time-checked access.
//! - [`SyncPool<T>`] (with `std`): the same from any thread through `&self`: sharded (a
//!   thread inserts into its own shard without locks), guards that work across threads,
//!   recycling with [`Recycled`](sync_pool::Recycled) guards released on any thread
//!   ([`prefill`](SyncPool::prefill) builds a thread's spares up front), and epoch pins
//!   for reads without per-value atomics.
//! - [`Arena`]: per-frame or per-request scratch memory: allocation is a pointer bump,
//!   everything is released at once by [`Arena::reset`], and the borrow checker proves
//!   nothing outlives it. Works as an `allocator_api2` allocator for collections.
//! - [`Shuffler<T>`]: variable-length blocks (inventories, mesh data, message bodies)
//!   behind handles, compacted by [`Shuffler::shuffle`] so memory stays dense, while rented
//!   blocks stay put.
//! - [`BinnedAllocator`]: byte records of many sizes (messages, snapshots, serialized
//!   components) in [size-class](size_class) bins behind [`BlockHandle`]s; deterministic
//!   LIFO reuse, `bytemuck` views, snapshot/restore for rollback networking, and an O(1)
//!   pointer-to-handle lookup.
//! - [`SmallPool`] (with `std`): the same size classes as a process allocator
//!   (`GlobalAlloc` and `allocator_api2`): per-thread shards without locks, locked
//!   buckets with contention stats, a fallback, epoch-deferred cross-thread frees, and
//!   [allocator modes](small_pool::AllocatorMode) picked at build time.
//!
//! # Deriving `Pooled`
//!
//! With the `derive` feature, `#[derive(Pooled)]` on a struct or enum implements [`Reset`]
//! and [`Pooled`] and declares `{Type}Handle`, `{Type}Rent<'a>` and `{Type}RentMut<'a>`
//! aliases with the type's visibility. Structs reset field by field; enums reset to
//! `Default::default()`; unions are rejected.
//!
//! | attribute | on | effect |
//! |---|---|---|
//! | `#[pooled(reset = default)]` | field | assign `Default::default()` |
//! | `#[pooled(reset = path::to::fn)]` | field | call `fn(&mut field)` |
//! | `#[pooled(skip)]` | field | leave the field as it is |
//! | `#[pooled(capacity = N)]` | type | [`Pool::for_type`] allocates `N` slots |
//! | `#[pooled(bounded)]` | type | [`Pool::for_type`] builds a pool bounded to `N` |
//! | `#[pooled(factory = path)]` | type | `path()` builds new values for `acquire` |
//! | `#[pooled(handle = Name)]`, `rent = ..`, `rent_mut = ..` | type | rename the aliases |
//! | `#[pooled(crate = "path")]` | type | reach pool-core through a re-export |
//!
//! A field without an attribute must implement [`Reset`]; if it does not, the error points
//! at the field and says which attribute to write.
//!
//! # Handles
//!
//! A [`Handle<T>`] is 8 bytes (`Option<Handle<T>>` too): a `u32` index and an odd `u32`
//! generation. Stale, forged and foreign handles get `None` or an error, never another
//! value; see the [`handle`] module for how generations wrap and how a handle from another
//! pool is caught.
//!
//! # Feature flags
//!
//! - `std` (default): `std::error::Error` for the error types, [`Reset`] for `HashMap`
//!   and `HashSet`, and the type [`registry`]. Without it the crate is `#![no_std]` and
//!   needs only `alloc`. Every target needs 64-bit atomics (`target_has_atomic = "64"`);
//!   elsewhere the build stops with an error that says so.
//! - `derive`: re-exports `#[derive(Pooled)]` from `pool-derive`.
//! - `serde`: `Serialize`/`Deserialize` for [`Handle`] (its bits), [`Pool`] and
//!   [`Shuffler`] (handles stay valid across a round trip) and [`BinnedAllocator`] (as its
//!   snapshot). Loading checks everything: hostile input gives an error, never a panic, a
//!   huge allocation or aliasing handles. The formats are described in each store's
//!   `serde` module docs.
//! - `mimalloc`: `small_pool::Mimalloc`, an allocator mode, and mimalloc as the
//!   backing allocator of a [`SmallPool`].
//! - `debug` (needs `std`): leak reports. Live values remember their insertion site, time
//!   and tag; `leak_report()`, `assert_no_leaks()`, a hook when a store drops with values
//!   in it, leaked rent guards with their rent site, and bytes per site in arenas. See the
//!   `debug` module. Off, nothing of it is compiled in.
//!
//! # Safety and correctness
//!
//! Every module that uses `unsafe` states its invariants at the top, and every `unsafe`
//! block names the facts that make it sound. User code (`Drop`, `Clone`, closures,
//! [`Reset::reset`]) may panic: bookkeeping is updated before it runs, so after a panic
//! every store is consistent and every value is dropped exactly once or leaked, never
//! twice. The test suite runs under Miri with strict provenance and symbolic alignment
//! checks, and model-based property tests compare each store against a `HashMap`.
#![cfg_attr(not(any(feature = "std", test)), no_std)]
#![deny(missing_docs)]
#![warn(missing_debug_implementations)]
#![doc(test(attr(deny(warnings))))]

extern crate alloc;

// The concurrent stores count in 64-bit atomics (generations, epochs, statistics). Say so
// plainly on targets without them, instead of failing on an import deep in `sync`.
#[cfg(not(target_has_atomic = "64"))]
compile_error!(
    "pool-core needs 64-bit atomics (`target_has_atomic = \"64\"`), which this target does not have"
);

pub mod arena;
pub mod binned;
#[cfg(feature = "debug")]
pub mod debug;
pub mod error;
pub mod handle;
pub mod pool;
pub mod pooled;
#[cfg(feature = "std")]
pub mod registry;
#[cfg(feature = "serde")]
mod serde_util;
pub mod shuffler;
pub mod size_class;
#[cfg(feature = "std")]
pub mod small_pool;
mod sync;
#[cfg(feature = "std")]
pub mod sync_pool;

#[doc(inline)]
pub use crate::arena::{Arena, ArenaBox};
#[doc(inline)]
pub use crate::binned::{
    BinStats, BinnedAllocator, BinnedBuilder, BinnedStats, BlockHandle, PodHandle,
};
#[doc(inline)]
pub use crate::error::{
    BinnedError, InsertError, PoolError, RentError, SnapshotError, TryInsertError, ViewError,
};
#[doc(inline)]
pub use crate::handle::Handle;
#[doc(inline)]
pub use crate::pool::{
    Lease, Pool, PoolBuilder, PoolStats, Recycled, Recycler, Rent, RentMut, Rentals, VacantEntry,
};
#[doc(inline)]
pub use crate::pooled::{Pooled, Reset};
#[doc(inline)]
pub use crate::shuffler::{ShuffleHandle, Shuffler};
#[cfg(feature = "std")]
#[doc(inline)]
pub use crate::small_pool::SmallPool;
#[cfg(feature = "std")]
#[doc(inline)]
pub use crate::sync_pool::{SyncPool, SyncPoolBuilder};

/// Derives [`Pooled`] and [`Reset`] for a struct or enum, and per-type handle and guard
/// names; see the crate docs' "Deriving Pooled" section.
#[cfg(feature = "derive")]
pub use pool_derive::Pooled;

/// Hooks for the loom models (`--cfg loom` only). Not public API.
#[cfg(all(loom, feature = "std"))]
#[doc(hidden)]
pub mod __loom {
    /// Gives the calling thread's id (and so its shards) back, as its exit would.
    pub fn exit_thread() {
        crate::sync::thread_id::give_back_current();
    }

    /// Gives the calling thread's `SmallPool` shards back, as its exit would.
    pub fn small_pool_exit_thread() {
        crate::small_pool::exit_thread();
    }
}

/// Implementation details of `#[derive(Pooled)]`. Not public API.
#[doc(hidden)]
pub mod __private {
    pub use core::default::Default;
    pub use core::option::Option;
}

/// The README's examples, compiled and run as doctests (they use the derive).
#[doc = include_str!("../../README.md")]
#[cfg(all(doctest, feature = "derive"))]
pub struct ReadmeDoctests;
