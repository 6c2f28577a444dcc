//! [`Pool<T>`]: a typed slot store with generational handles, object recycling and RAII
//! rent guards.

// # Invariants
//
// These hold whenever no `Pool` method is running, and every `unsafe` block below relies
// on them ("by the module invariants"):
//
// 0. A slot's `generation` is its version plus `key` (wrapping): the generation its
//    handles carry. `key` is even, so the generation has the version's parity. Versions
//    start at 1 (or above `regrow_floor`) and only grow; version 0 (generation `key`)
//    marks a retired slot.
// 1. `slots[i]` holds a live `T` (occupied) iff `slots[i].generation` is odd, iff byte
//    `i` of `occupancy` is 1. `inserts + acquire_hits - removes` counts those slots.
// 2. A vacant slot whose `state` is `SPARE` holds an initialised `T`, reset by `release`
//    or freshly built by `prefill` (a spare);
//    its generation is even and not `key`, and its index is in `spares` exactly once.
//    Every index in `spares` names such a slot.
// 3. The free list, threaded through the `state` of vacant slots from `free_head`, holds
//    every other vacant slot that is not retired exactly once; retired slots are on no
//    list. `retired` counts them.
// 4. An occupied slot's `state` is `EXCLUSIVE` while a `RentMut` of it exists (or was
//    leaked), otherwise the number of counted `Rent`s alive (or leaked). `state` is
//    written only through `&mut Pool` or a `Rentals` (which holds `&mut Pool`), so
//    through `&Pool` no `&mut T` exists and any number of `&T` may.
// 5. Handles from callers are untrusted: a handle is used only after
//    `slots[index].generation == handle.generation()`. Handle generations are always
//    odd, so a match means the slot is occupied (never a spare, whose generation is even).
// 6. `id_pending` (a pool from `const fn new` that has no id yet) implies
//    `slots.capacity() == 0`: the id is taken on the growth paths, before any slot (and so
//    any handle) can exist.
//
// User code (`Drop`, `Clone`, closures, `Reset::reset`, factories) runs only where these
// hold: bookkeeping is updated before a value is dropped, and closures run before a slot
// is claimed. (`Reset::reset` runs on a slot already marked spare, under a guard that
// frees the slot and drops the value if it panics.)
//
// # Layout
//
// One `Vec<Slot<T>>`: each slot is the value followed by two `u32`s, its generation and
// its `state` (rent count while occupied; free-list link or the `SPARE` mark while
// vacant), so a lookup touches one slot and the generation check reads the line the value
// is on. Slots keep the generation rather than the bare version (invariant 0) so that a
// lookup compares the handle's high half as it is and an insert makes the handle with a
// shift and an or: the pool's key is only ever added when a slot is created. Beside
// it, an occupancy map with one byte per slot (1 iff occupied: insert and remove each
// write one byte, no read-modify-write) makes iteration skip holes eight at a time, and
// `spares` is a stack of the indices of slots holding spares: recycling never
// moves a value, a released value stays in its slot, reset, until `acquire` revives it
// under a new version.

mod builder;
mod bulk;
mod capacity;
#[cfg(feature = "debug")]
mod debug;
mod entry;
mod iter;
mod lookup;
mod occupancy;
pub(crate) mod raw;
mod recycle;
mod recycler;
mod remove;
mod rent;
#[cfg(feature = "serde")]
mod serde;
mod slot;
mod spares;
mod traits;

use alloc::vec::Vec;

pub use self::builder::PoolBuilder;
pub use self::entry::VacantEntry;
pub use self::iter::{Drain, IntoIter, Iter, IterMut, Keys, Values, ValuesMut};
pub use self::recycle::Recycled;
pub use self::recycler::{Lease, Recycler};
pub use self::rent::{Rent, RentMut, Rentals};

use self::occupancy::Occupancy;
use self::slot::{Slot, NONE};
use self::spares::Spares;
use crate::error::{InsertError, PoolError};
use crate::handle::Handle;
#[cfg(feature = "std")]
use crate::registry::Link;

/// Without `std` there is no registry: a link to nothing.
#[cfg(not(feature = "std"))]
#[derive(Debug, Default)]
struct Link;

#[cfg(not(feature = "std"))]
impl Link {
    const NONE: Link = Link;

    #[inline(always)]
    fn publish_len(&self, _: usize) {}
    #[inline(always)]
    fn publish_high_water(&self, _: usize) {}
    fn fork(&self, _: usize, _: usize) -> Link {
        Link
    }
}

/// Most slots a pool can have: indices are `u32`; `u32::MAX` ends the free list and
/// `u32::MAX - 1` marks a spare slot, so neither is ever an index.
const MAX_SLOTS: usize = u32::MAX as usize - 1;

/// A typed object pool: values addressed by generational [`Handle`]s, O(1) insert, get
/// and remove, free slots reused LIFO, optional recycling of whole objects
/// ([`acquire`](Pool::acquire) / [`release`](Pool::release)) and RAII rent guards.
///
/// # Threads
///
/// `Pool<T>` is `Send` when `T` is `Send` and `Sync` when `T` is `Sync`, like `Vec<T>`:
/// through `&Pool` it only reads. Exclusive rent guards come from a [`Rentals`] session,
/// which borrows the pool mutably and is itself not `Sync`, so its plain-cell bookkeeping
/// never races.
///
/// # Examples
///
/// ```
/// use pool_core::Pool;
///
/// struct Enemy { hp: u32 }
///
/// let mut enemies = Pool::new();
/// let a = enemies.insert(Enemy { hp: 10 });
/// let b = enemies.insert(Enemy { hp: 20 });
/// enemies[a].hp -= 3;
/// assert_eq!(enemies.get(a).map(|e| e.hp), Some(7));
///
/// enemies.remove(b);
/// assert!(enemies.get(b).is_none()); // stale handles are caught
///
/// // Rent guards: several exclusive rents of different values at once.
/// let c = enemies.insert(Enemy { hp: 30 });
/// let rentals = enemies.rentals();
/// let mut ga = rentals.rent_mut(a).unwrap();
/// let mut gc = rentals.rent_mut(c).unwrap();
/// core::mem::swap(&mut ga.hp, &mut gc.hp);
/// assert!(rentals.rent_mut(a).is_err()); // already rented: an error, never aliasing
/// ```
pub struct Pool<T> {
    slots: Vec<Slot<T>>,
    occupancy: Occupancy,
    free_head: u32,
    retired: u32,
    /// Most slots this pool may have (`bounded(n)` sets it to `n`).
    limit: usize,
    bounded: bool,
    id: u32,
    /// Even; added to slot versions to make handle generations (see `handle`).
    key: u32,
    /// Set by `const fn new`: `id` and `key` are taken from the process-wide counter when
    /// the pool first allocates slots (before that no handle of it can exist).
    id_pending: bool,
    /// Slots below this index were removed by `shrink_to`; a slot pushed there again
    /// starts above `regrow_floor`, so no handle of the old slot can match it.
    regrow_below: u32,
    /// Even; the highest version a slot removed by `shrink_to` had.
    regrow_floor: u32,
    /// Indices of the slots holding spares, the most recently released last, and the
    /// most kept (`release` drops the value past it).
    spares: Spares,
    factory: Option<fn() -> T>,
    counters: Counters,
    /// The pool's entry in the type registry (pools made by `for_type` only).
    link: Link,
    /// Debug mode: where each live value was inserted.
    #[cfg(feature = "debug")]
    sites: crate::debug::SiteTable,
    /// Debug mode: where each slot was last rented.
    #[cfg(feature = "debug")]
    rent_sites: crate::debug::RentSites,
    /// Debug mode: `false` for pools inside other stores, which report for themselves.
    #[cfg(feature = "debug")]
    tracked: bool,
}

/// The pool's counters. `len` is derived (`inserts + acquire_hits - removes`), so each
/// insert, each acquire served by a spare and each remove touches one counter;
/// `high_water` only moves when a slot is pushed.
#[derive(Clone, Copy, Default)]
struct Counters {
    /// Values inserted other than by reviving a spare (those are `acquire_hits`).
    inserts: u64,
    removes: u64,
    acquire_hits: u64,
    acquire_misses: u64,
    high_water: u32,
}

impl Counters {
    const ZERO: Counters = Counters {
        inserts: 0,
        removes: 0,
        acquire_hits: 0,
        acquire_misses: 0,
        high_water: 0,
    };
}

/// A snapshot of a pool's counters, taken in O(1) by [`Pool::stats`].
///
/// # Examples
///
/// ```
/// let mut pool = pool_core::Pool::new();
/// let h = pool.insert(1);
/// pool.remove(h);
/// let s = pool.stats();
/// assert_eq!((s.len, s.inserts, s.removes, s.high_water), (0, 1, 1, 1));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct PoolStats {
    /// Live values.
    pub len: usize,
    /// Values the pool can hold without allocating (the bound, for a bounded pool).
    pub capacity: usize,
    /// Most values ever live at once.
    pub high_water: usize,
    /// Values inserted, including by `acquire`.
    pub inserts: u64,
    /// Values removed, including by `release`, `retain`, `drain` and `clear`.
    pub removes: u64,
    /// `acquire` calls served by a spare.
    pub acquire_hits: u64,
    /// `acquire` calls that had to build a new value.
    pub acquire_misses: u64,
    /// Reset values waiting to be handed out again by `acquire`.
    pub spares: usize,
    /// Most spares kept (see [`Pool::set_max_spares`]).
    pub max_spares: usize,
    /// Slots retired because their generation would wrap; never reused.
    pub retired_slots: usize,
}

#[cold]
#[inline(never)]
#[track_caller]
fn capacity_panic(e: PoolError) -> ! {
    panic!("Pool: cannot reserve capacity: {e}")
}

#[cold]
#[inline(never)]
#[track_caller]
fn insert_panic(e: PoolError) -> ! {
    panic!("Pool: cannot insert: {e}")
}

// === impl Pool: construction ===

impl<T: crate::Pooled> Pool<T> {
    /// A pool built the way `T`'s [`Pooled`](crate::Pooled) impl says (capacity, bound,
    /// factory), registered in the type [`registry`](crate::registry) (with `std`).
    ///
    /// # Panics
    ///
    /// As [`with_capacity`](Pool::with_capacity).
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = pool_core::Pool::<String>::for_type();
    /// assert!(pool.is_empty());
    /// ```
    #[track_caller]
    pub fn for_type() -> Self {
        let mut builder = Pool::builder().capacity(T::CAPACITY).bounded(T::BOUNDED);
        if let Some(factory) = T::factory() {
            builder = builder.factory(factory);
        }
        #[allow(unused_mut)] // only mutated with `std`
        let mut pool = builder.build();
        #[cfg(feature = "std")]
        {
            pool.link = Link::register::<T>();
        }
        pool
    }
}

impl<T> Pool<T> {
    /// An empty, growing pool. Allocates nothing until the first insert.
    ///
    /// `const`, so a pool can be a `static` (behind a lock) or a field of a `const`. Its
    /// [`id`](Pool::id) is taken when it first allocates slots.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::{Mutex, PoisonError};
    ///
    /// let pool: pool_core::Pool<String> = pool_core::Pool::new();
    /// assert_eq!(pool.len(), 0);
    ///
    /// // `const`, so a pool can live in a `static`.
    /// static SHARED: Mutex<pool_core::Pool<u32>> = Mutex::new(pool_core::Pool::new());
    /// let h = SHARED.lock().unwrap_or_else(PoisonError::into_inner).insert(7);
    /// assert_eq!(SHARED.lock().unwrap().get(h), Some(&7));
    /// ```
    #[must_use]
    pub const fn new() -> Self {
        Pool {
            slots: Vec::new(),
            occupancy: Occupancy::new(),
            free_head: NONE,
            retired: 0,
            limit: MAX_SLOTS,
            bounded: false,
            id: 0,
            key: 0,
            id_pending: true,
            regrow_below: 0,
            regrow_floor: 0,
            spares: Spares::new(),
            factory: None,
            counters: Counters::ZERO,
            link: Link::NONE,
            #[cfg(feature = "debug")]
            sites: crate::debug::SiteTable::new(),
            #[cfg(feature = "debug")]
            rent_sites: crate::debug::RentSites::new(),
            #[cfg(feature = "debug")]
            tracked: true,
        }
    }

    /// A growing pool with room for `capacity` values before it allocates again.
    ///
    /// # Panics
    ///
    /// If `capacity` exceeds the `u32` index space or the allocator fails.
    ///
    /// # Examples
    ///
    /// ```
    /// let pool: pool_core::Pool<u64> = pool_core::Pool::with_capacity(100);
    /// assert!(pool.capacity() >= 100);
    /// ```
    #[track_caller]
    pub fn with_capacity(capacity: usize) -> Self {
        Self::builder().capacity(capacity).build()
    }

    /// A pool that never holds more than `capacity` slots: inserting past that fails
    /// with [`PoolError::Full`] and hands the value back. All memory is allocated here.
    ///
    /// # Panics
    ///
    /// If `capacity` exceeds the `u32` index space or the allocator fails.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut pool = pool_core::Pool::bounded(2);
    /// pool.insert('a');
    /// pool.insert('b');
    /// assert_eq!(pool.try_insert('c').unwrap_err().into_value(), 'c');
    /// ```
    #[track_caller]
    pub fn bounded(capacity: usize) -> Self {
        Self::builder().capacity(capacity).bounded(true).build()
    }

    /// A [`PoolBuilder`] for the less common settings (explicit id, factory).
    ///
    /// # Examples
    ///
    /// ```
    /// let pool: pool_core::Pool<u8> = pool_core::Pool::builder().id(1).build();
    /// assert_eq!(pool.id(), 1);
    /// ```
    pub fn builder() -> PoolBuilder<T> {
        PoolBuilder {
            capacity: 0,
            bounded: false,
            id: None,
            factory: None,
            max_spares: None,
            #[cfg(feature = "debug")]
            tracked: true,
        }
    }

    /// The id this pool's handle key is derived from (see [`Handle`]).
    ///
    /// A pool from [`new`](Pool::new) takes its id from the process-wide counter when it
    /// first allocates slots; until then this is 0. Pools from the builder (and
    /// `with_capacity`, `bounded`, `for_type`) have theirs from the start.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut a: pool_core::Pool<u8> = pool_core::Pool::new();
    /// let mut b: pool_core::Pool<u8> = pool_core::Pool::new();
    /// a.insert(1);
    /// b.insert(1);
    /// assert_ne!(a.id(), b.id());
    /// ```
    #[inline]
    pub fn id(&self) -> u32 {
        self.id
    }

    /// Gives a pool from `const fn new` its id, before its first slot exists.
    #[cold]
    fn take_pending_id(&mut self) {
        debug_assert!(self.slots.is_empty());
        self.id = crate::handle::next_store_id();
        self.key = crate::handle::store_key(self.id);
        self.id_pending = false;
    }

    /// The generation a slot pushed at index `i` starts with: version 1, or just above
    /// `regrow_floor` (see `regrow_below`), under the key.
    #[inline]
    fn first_generation(&self, i: usize) -> u32 {
        let version = if i < self.regrow_below as usize {
            self.regrow_floor + 1
        } else {
            1
        };
        version.wrapping_add(self.key)
    }

    /// The version of `slot`: its generation without the key (invariant 0).
    #[inline]
    fn version_of(&self, slot: &Slot<T>) -> u32 {
        slot.generation.wrapping_sub(self.key)
    }

    /// Whether `slot` is retired: vacant at version 0 (invariant 0).
    #[inline]
    fn is_retired(&self, slot: &Slot<T>) -> bool {
        slot.generation == self.key
    }

    /// The handle of `slot`, at index `i`.
    ///
    /// # Safety
    ///
    /// - `slot` must be occupied.
    #[inline(always)]
    unsafe fn slot_handle(i: u32, slot: &Slot<T>) -> Handle<T> {
        debug_assert!(slot.is_occupied());
        // SAFETY: the slot is occupied (caller), so its generation is odd (invariant 1).
        unsafe { Handle::from_generation(i, slot.generation) }
    }

    /// Slot `i`, if it exists, reached without a reference to the whole slot slice.
    ///
    /// The same machine code as `slots.get(i)`; under Miri's borrow tracker, a reference
    /// to the whole slice would cost time in proportion to the pool's size on every
    /// lookup, which made lookup-heavy tests run for minutes there.
    #[inline(always)]
    fn slot_at(&self, i: usize) -> Option<&Slot<T>> {
        if i < self.slots.len() {
            // SAFETY: in bounds, so the pointer is to an initialised `Slot` inside the
            // allocation; `as_ptr` creates no reference to the buffer, and `&self`
            // rules out a `&mut` to any slot (a lease's slot is reached through
            // `slot_mut` only, which needs `&mut`).
            Some(unsafe { &*self.slots.as_ptr().add(i) })
        } else {
            None
        }
    }

    /// As [`slot_at`](Self::slot_at), mutably.
    #[inline(always)]
    fn slot_at_mut(&mut self, i: usize) -> Option<&mut Slot<T>> {
        if i < self.slots.len() {
            // SAFETY: in bounds (checked); see `slot_mut`.
            Some(unsafe { Self::slot_mut(&mut self.slots, i) })
        } else {
            None
        }
    }

    /// Slot `i`, reached without a reference to the whole slot slice.
    ///
    /// A [`Lease`] keeps a pointer into its slot (and its holder may keep a `&mut T` from
    /// it) while the [`Recycler`] it came from acquires and releases other slots. A
    /// reference to the whole slice would assert access to every slot, the lease's one
    /// included, so every path a recycler takes reaches slots only through this (or
    /// `slots.as_mut_ptr()`), and only the slot it works on.
    ///
    /// # Safety
    ///
    /// - `i < slots.len()`.
    #[inline(always)]
    unsafe fn slot_mut(slots: &mut Vec<Slot<T>>, i: usize) -> &mut Slot<T> {
        debug_assert!(i < slots.len());
        // SAFETY: in bounds (caller), so the pointer is to an initialised `Slot` inside
        // the allocation; `as_mut_ptr` creates no reference to the buffer, and nothing
        // else refers to slot `i` while the pool is borrowed mutably (a lease's slot is
        // reached only once the lease is being dropped).
        unsafe { &mut *slots.as_mut_ptr().add(i) }
    }

    /// Number of live values.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut pool = pool_core::Pool::new();
    /// pool.insert(1);
    /// assert_eq!(pool.len(), 1);
    /// ```
    #[inline]
    pub fn len(&self) -> usize {
        (self.counters.inserts + self.counters.acquire_hits - self.counters.removes) as usize
    }

    /// Whether no value is live.
    ///
    /// # Examples
    ///
    /// ```
    /// let pool: pool_core::Pool<u8> = pool_core::Pool::new();
    /// assert!(pool.is_empty());
    /// ```
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.counters.inserts + self.counters.acquire_hits == self.counters.removes
    }

    /// How many values the pool can hold without allocating; for a bounded pool, how many
    /// it can hold at all. Retired slots do not count.
    ///
    /// # Examples
    ///
    /// ```
    /// let pool: pool_core::Pool<u8> = pool_core::Pool::bounded(5);
    /// assert_eq!(pool.capacity(), 5);
    /// ```
    #[inline]
    pub fn capacity(&self) -> usize {
        self.slots.capacity().min(self.limit) - self.retired as usize
    }

    /// The pool's counters, in O(1).
    ///
    /// # Examples
    ///
    /// ```
    /// let mut pool: pool_core::Pool<Vec<u8>> = pool_core::Pool::new();
    /// let h = pool.acquire();
    /// pool.release(h);
    /// pool.acquire();
    /// let s = pool.stats();
    /// assert_eq!((s.acquire_hits, s.acquire_misses, s.spares), (1, 1, 0));
    /// ```
    pub fn stats(&self) -> PoolStats {
        PoolStats {
            len: self.len(),
            capacity: self.capacity(),
            high_water: self.counters.high_water as usize,
            inserts: self.counters.inserts + self.counters.acquire_hits,
            removes: self.counters.removes,
            acquire_hits: self.counters.acquire_hits,
            acquire_misses: self.counters.acquire_misses,
            spares: self.spares.len(),
            max_spares: self.spares.max(),
            retired_slots: self.retired as usize,
        }
    }

    // === impl Pool: insert ===

    /// Inserts a value and returns its handle.
    ///
    /// # Panics
    ///
    /// If the pool is bounded and full, or the `u32` index space is exhausted. See
    /// [`try_insert`](Pool::try_insert).
    ///
    /// # Examples
    ///
    /// ```
    /// let mut pool = pool_core::Pool::new();
    /// let h = pool.insert("a");
    /// assert_eq!(pool[h], "a");
    /// ```
    #[inline]
    #[track_caller]
    pub fn insert(&mut self, value: T) -> Handle<T> {
        let head = self.free_head;
        if head != NONE {
            // Fast path: reuse the most recently freed slot.
            let i = head as usize;
            // SAFETY: free-list indices are in bounds (invariant 3).
            let slot = unsafe { Self::slot_mut(&mut self.slots, i) };
            debug_assert!(!slot.is_occupied());
            self.free_head = slot.next_free();
            let generation = slot.generation.wrapping_add(1);
            slot.fill(value, generation);
            self.counters.inserts += 1;
            self.link.publish_len(self.len());
            // Last: a byte store may alias anything, so every load comes before it.
            // SAFETY: `i < slots.len()`, and every slot index is covered (occupancy
            // invariant).
            unsafe { self.occupancy.set(i) };
            #[cfg(feature = "debug")]
            self.sites.record(head, core::panic::Location::caller());
            // SAFETY: the slot was vacant, so its generation was even and `generation`
            // is odd (invariant 1).
            return unsafe { Handle::from_generation(head, generation) };
        }
        self.insert_new_slot(value)
    }

    /// `insert` when the free list is empty: a new slot at the end.
    #[inline(never)]
    #[track_caller]
    fn insert_new_slot(&mut self, value: T) -> Handle<T> {
        match self.vacant_index() {
            Ok(index) => self.commit(index, value),
            Err(reason) => insert_panic(reason),
        }
    }

    /// Inserts a value, or hands it back inside the error.
    ///
    /// # Errors
    ///
    /// [`PoolError::Full`] when a bounded pool is full, [`PoolError::CapacityOverflow`]
    /// when the `u32` index space is exhausted, [`PoolError::AllocFailed`] if growing
    /// fails. The value is inside the [`InsertError`].
    ///
    /// # Examples
    ///
    /// ```
    /// let mut pool = pool_core::Pool::bounded(1);
    /// assert!(pool.try_insert(1).is_ok());
    /// let err = pool.try_insert(2).unwrap_err();
    /// assert_eq!(err.into_value(), 2);
    /// ```
    #[inline]
    #[cfg_attr(feature = "debug", track_caller)]
    pub fn try_insert(&mut self, value: T) -> Result<Handle<T>, InsertError<T>> {
        match self.vacant_index() {
            Ok(index) => Ok(self.commit(index, value)),
            Err(reason) => Err(InsertError::new(value, reason)),
        }
    }

    /// Inserts the value `f` builds from its own handle (for values that store it).
    ///
    /// `f` runs before the pool changes: if it panics, the pool is as it was.
    ///
    /// # Panics
    ///
    /// As [`insert`](Pool::insert), and if `f` panics.
    ///
    /// # Examples
    ///
    /// ```
    /// use pool_core::{Handle, Pool};
    /// struct Node { me: Handle<Node> }
    /// let mut pool = Pool::new();
    /// let h = pool.insert_with(|me| Node { me });
    /// assert_eq!(pool[h].me, h);
    /// ```
    #[inline]
    #[track_caller]
    pub fn insert_with<F: FnOnce(Handle<T>) -> T>(&mut self, f: F) -> Handle<T> {
        let index = match self.vacant_index() {
            Ok(index) => index,
            Err(e) => insert_panic(e),
        };
        let handle = self.handle_for_vacant(index);
        // User code runs before any bookkeeping changes (`vacant_index` only reserved).
        let value = f(handle);
        self.commit(index, value)
    }

    /// The index the next insert will use; makes sure pushing a new slot cannot allocate.
    /// Changes nothing observable, except that a pool that cannot grow drops a spare to
    /// free its slot.
    #[inline(always)]
    fn vacant_index(&mut self) -> Result<u32, PoolError> {
        match self.vacant_index_keeping_spares() {
            Ok(index) => Ok(index),
            // Full, or out of memory: a spare gives up its slot.
            Err(e) => {
                if self.evict_spare() {
                    Ok(self.free_head)
                } else {
                    Err(e)
                }
            }
        }
    }

    /// `vacant_index` without giving up a spare: for `prefill`, whose point is to keep
    /// them.
    #[inline(always)]
    fn vacant_index_keeping_spares(&mut self) -> Result<u32, PoolError> {
        if self.free_head != NONE {
            return Ok(self.free_head);
        }
        let len = self.slots.len();
        if len == self.slots.capacity() || len >= self.limit || !self.occupancy.can_cover(len) {
            self.grow_one()?;
        }
        Ok(len as u32)
    }

    /// The handle the value inserted at `index` (from `vacant_index`) will get.
    #[inline]
    fn handle_for_vacant(&self, index: u32) -> Handle<T> {
        let generation = match self.slot_at(index as usize) {
            Some(slot) => slot.generation.wrapping_add(1),
            None => self.first_generation(index as usize),
        };
        // SAFETY: a vacant slot's generation is even (invariant 1), so one more is odd;
        // a first generation is an odd version plus the even key.
        unsafe { Handle::from_generation(index, generation) }
    }

    /// Puts `value` at `index`, which `vacant_index` just returned.
    #[inline(always)]
    #[cfg_attr(feature = "debug", track_caller)]
    fn commit(&mut self, index: u32, value: T) -> Handle<T> {
        let i = index as usize;
        let generation = if i == self.slots.len() {
            let generation = self.first_generation(i);
            // No allocation: `vacant_index` reserved room for both.
            self.slots.push(Slot::occupied(value, generation));
            self.occupancy.cover(i);
            // The free list was empty, so every usable slot is now occupied: only here can
            // `len` pass its old maximum (invariant 3).
            self.counters.high_water = self.counters.high_water.max(self.len() as u32 + 1);
            self.link
                .publish_high_water(self.counters.high_water as usize);
            generation
        } else {
            debug_assert_eq!(index, self.free_head);
            debug_assert!(i < self.slots.len());
            // SAFETY: `index` is the free-list head (`vacant_index`), so it is in bounds
            // (invariant 3).
            let slot = unsafe { Self::slot_mut(&mut self.slots, i) };
            self.free_head = slot.next_free();
            let generation = slot.generation.wrapping_add(1);
            slot.fill(value, generation);
            generation
        };
        // SAFETY: `i < slots.len()`, and every slot index is covered (occupancy
        // invariant; a new slot was covered just above).
        unsafe { self.occupancy.set(i) };
        self.counters.inserts += 1;
        self.link.publish_len(self.len());
        #[cfg(feature = "debug")]
        self.sites.record(index, core::panic::Location::caller());
        // SAFETY: odd: a first generation, or one more than a vacant slot's (as in
        // `handle_for_vacant`).
        unsafe { Handle::from_generation(index, generation) }
    }

    // Lookup lives in `lookup.rs`, removal of one value in `remove.rs`, bulk removal
    // (`retain`, `clear`, `drain`) in `bulk.rs`, capacity and growth in `capacity.rs`,
    // recycling in `recycle.rs` (and its sessions with many guards in `recycler.rs`), rent
    // guards in `rent.rs`.

    // === impl Pool: internals ===

    /// Sets a slot's version directly, so tests can reach the wrap limit quickly.
    #[cfg(test)]
    pub(crate) fn force_version(&mut self, h: Handle<T>, version: u32) -> Handle<T> {
        assert!(version & 1 == 1 && self.contains(h));
        self.slots[h.index() as usize].generation = version.wrapping_add(self.key);
        Handle::encode(h.index(), version, self.key)
    }
}

#[cfg(test)]
mod tests;
