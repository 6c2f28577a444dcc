//! Crate-internal export and validated import of a pool's whole state, for stores that
//! snapshot themselves (the binned allocator keeps its handle table in a `Pool`).

use alloc::vec::Vec;

use super::occupancy::Occupancy;
use super::slot::{Slot, NONE};
use super::{Counters, Pool, MAX_SLOTS};
use crate::handle::store_key;
use crate::Handle;

/// The largest operation counter an imported state may carry (2^62): far beyond what a
/// program reaches, far enough below `u64::MAX` that counting on never overflows.
pub(crate) const COUNTER_CEILING: u64 = 1 << 62;

/// The error `import` gives when the allocator refuses (every other error is corruption).
pub(crate) const OUT_OF_MEMORY: &str = "out of memory";

/// One slot as exported: its version, and its value or free-list link.
pub(crate) struct RawSlot<T> {
    pub(crate) version: u32,
    /// `Some` iff `version` is odd.
    pub(crate) value: Option<T>,
    /// Next free slot; meaningful only for a vacant, non-retired slot.
    pub(crate) next_free: u32,
}

/// Everything needed to rebuild a pool with the same handles.
pub(crate) struct RawPool<T> {
    pub(crate) id: u32,
    pub(crate) free_head: u32,
    pub(crate) inserts: u64,
    pub(crate) removes: u64,
    pub(crate) high_water: u32,
    pub(crate) slots: Vec<RawSlot<T>>,
}

impl<T: Clone> Pool<T> {
    /// Exports the state; handles stay valid in a pool rebuilt from it.
    pub(crate) fn export(&self) -> RawPool<T> {
        let mut raw = RawPool {
            id: self.id,
            free_head: self.free_head,
            inserts: self.counters.inserts + self.counters.acquire_hits,
            removes: self.counters.removes,
            high_water: self.counters.high_water,
            slots: self
                .slots
                .iter()
                .map(|slot| RawSlot {
                    version: self.version_of(slot),
                    value: if slot.is_occupied() {
                        // SAFETY: occupied, so initialised; through `&self` no `&mut T`
                        // exists (pool invariant 4).
                        Some(unsafe { (*slot.value_ptr()).clone() })
                    } else {
                        None
                    },
                    next_free: if slot.is_occupied() || slot.is_spare() {
                        NONE
                    } else {
                        slot.next_free()
                    },
                })
                .collect(),
        };
        // Spares are not exported: their slots go on the free list as empty ones.
        for i in self.spares.iter() {
            raw.slots[i as usize].next_free = raw.free_head;
            raw.free_head = i;
        }
        raw
    }
}

impl<T> Pool<T> {
    /// The handle and value of slot `index`, if it is occupied (for stores that keep slot
    /// indices of their own, such as the binned allocator's block owners).
    pub(crate) fn handle_at(&self, index: u32) -> Option<(Handle<T>, &T)> {
        let slot = self.slot_at(index as usize)?;
        if !slot.is_occupied() {
            return None;
        }
        // SAFETY: the slot is occupied (checked above).
        let handle = unsafe { Self::slot_handle(index, slot) };
        // SAFETY: occupied, so initialised; through `&self` no `&mut T` exists (pool
        // invariant 4).
        Some((handle, unsafe { &*slot.value_ptr() }))
    }

    /// The index the next `insert` will use, if it does not have to grow the pool (as
    /// after a successful `try_reserve(1)`): the most recently freed slot, else a new one.
    #[inline]
    pub(crate) fn next_insert_index(&self) -> u32 {
        if self.free_head != NONE {
            self.free_head
        } else {
            self.slots.len() as u32
        }
    }

    /// Rebuilds a pool from untrusted parts, checking every pool invariant first.
    pub(crate) fn import(raw: RawPool<T>) -> Result<Pool<T>, &'static str> {
        let n = raw.slots.len();
        if n > MAX_SLOTS {
            return Err("too many slots");
        }
        let mut live = 0u64;
        let mut retired = 0u32;
        let mut on_list = Vec::new();
        on_list.try_reserve_exact(n).map_err(|_| OUT_OF_MEMORY)?;
        on_list.resize(n, false);
        for s in &raw.slots {
            match (s.version & 1 == 1, &s.value) {
                (true, Some(_)) => live += 1,
                (false, None) if s.version == 0 => retired += 1,
                (false, None) => {}
                _ => return Err("slot occupancy does not match its version"),
            }
        }
        // The free list must visit every vacant, non-retired slot exactly once.
        let mut at = raw.free_head;
        let mut listed = 0usize;
        while at != NONE {
            let i = at as usize;
            let slot = raw.slots.get(i).ok_or("free list points past the slots")?;
            if slot.version & 1 == 1 || slot.version == 0 || on_list[i] {
                return Err("free list is not a list of vacant slots");
            }
            on_list[i] = true;
            listed += 1;
            at = slot.next_free;
        }
        if listed as u64 + live + retired as u64 != n as u64 {
            return Err("free list misses vacant slots");
        }
        // Counters grow by one per operation: a value no program reaches in centuries
        // is forged, and would make a later insert or remove overflow.
        if raw.inserts > COUNTER_CEILING {
            return Err("insert counter out of range");
        }
        if raw.inserts.checked_sub(raw.removes) != Some(live) {
            return Err("insert and remove counts do not match the live slots");
        }
        if (raw.high_water as u64) < live || raw.high_water as usize > n {
            return Err("high water mark out of range");
        }
        let mut occupancy = Occupancy::default();
        occupancy.try_reserve_for(n).map_err(|_| OUT_OF_MEMORY)?;
        if n > 0 {
            occupancy.cover(n - 1);
        }
        let mut slots = Vec::new();
        slots.try_reserve_exact(n).map_err(|_| OUT_OF_MEMORY)?;
        // Slots keep their version under the key (pool invariant 0).
        let key = store_key(raw.id);
        for (i, s) in raw.slots.into_iter().enumerate() {
            let generation = s.version.wrapping_add(key);
            slots.push(match s.value {
                Some(value) => {
                    // SAFETY: `i < n`, covered above.
                    unsafe { occupancy.set(i) };
                    Slot::occupied(value, generation)
                }
                None => Slot::vacant(generation, if on_list[i] { s.next_free } else { NONE }),
            });
        }
        let mut pool = Pool::builder().id(raw.id).untracked().build();
        debug_assert_eq!(pool.key, store_key(raw.id));
        pool.slots = slots;
        pool.occupancy = occupancy;
        pool.free_head = raw.free_head;
        pool.retired = retired;
        pool.counters = Counters {
            inserts: raw.inserts,
            removes: raw.removes,
            acquire_hits: 0,
            acquire_misses: 0,
            high_water: raw.high_water,
        };
        Ok(pool)
    }
}
