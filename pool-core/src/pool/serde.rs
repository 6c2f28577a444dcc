//! `Serialize` / `Deserialize` for [`Pool`] (feature `serde`).
//!
//! A pool is written as a struct of four fields:
//!
//! - `id`: the pool's id (`null` for a pool from `const fn new` that never allocated), so
//!   handles issued before saving stay valid in the loaded pool;
//! - `limit`: the bound of a bounded pool, else `null`;
//! - `regrow`: `[below, floor]`, what [`Pool::shrink_to`] remembers so that handles of
//!   dropped slots stay stale;
//! - `slots`: every slot in index order as `[version, value]`: an odd version is a live
//!   value, an even one a vacant slot (`null` in place of the value; 0 is a retired slot).
//!
//! Loading checks everything it is given: a version's parity must match the presence of
//! a value, the slot count must fit the index space and the bound, the regrow floor must
//! be even, and a pool with slots must have an id. Lengths from the input are never
//! trusted to pre-allocate more than a little. A document that fails a check gives an
//! error; one that passes yields a consistent pool (each index has one version, so no two
//! handles can name one value). Not saved: spares (recycled values), the spare limit, the
//! factory, the counters (a loaded pool counts its live values as inserts) and the
//! registry entry.

use alloc::vec::Vec;
use core::fmt;
use core::marker::PhantomData;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{Serialize, SerializeSeq, SerializeStruct, Serializer};

use super::occupancy::Occupancy;
use super::slot::{Slot, NONE};
use super::{Counters, Link, Pool};
use crate::handle::store_key;
use crate::serde_util::{
    next_field, required, set_once, FieldIndex, SlotList, Versioned, VersionedRef,
};

const FIELDS: &[&str] = &["id", "limit", "regrow", "slots"];

impl<T: Serialize> Serialize for Pool<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut st = serializer.serialize_struct("Pool", FIELDS.len())?;
        st.serialize_field("id", &(!self.id_pending).then_some(self.id))?;
        st.serialize_field("limit", &self.bounded.then_some(self.limit as u32))?;
        st.serialize_field("regrow", &(self.regrow_below, self.regrow_floor))?;
        st.serialize_field("slots", &SlotsSer(&self.slots, self.key))?;
        st.end()
    }
}

/// The slots, with each slot's version (its generation without the key: pool invariant
/// 0), so that the format does not depend on the key.
struct SlotsSer<'a, T>(&'a [Slot<T>], u32);

impl<T: Serialize> Serialize for SlotsSer<'_, T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.0.len()))?;
        for slot in self.0 {
            let value = slot.is_occupied().then(|| {
                // SAFETY: occupied (invariant 1); the pool is borrowed shared, so no `&mut
                // T` to the value exists (invariant 4), even if `T::serialize` re-enters it.
                unsafe { &*slot.value_ptr() }
            });
            let version = slot.generation.wrapping_sub(self.1);
            seq.serialize_element(&VersionedRef(version, value))?;
        }
        seq.end()
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Pool<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_struct("Pool", FIELDS, PoolVisitor(PhantomData))
    }
}

struct PoolVisitor<T>(PhantomData<fn() -> T>);

/// The fields as read, before they are checked.
struct Parts<T> {
    id: Option<u32>,
    limit: Option<u32>,
    regrow: (u32, u32),
    slots: Vec<Slot<T>>,
}

impl<'de, T: Deserialize<'de>> Visitor<'de> for PoolVisitor<T> {
    type Value = Pool<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a typed-pool Pool (id, limit, regrow, slots)")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Pool<T>, A::Error> {
        let n = FIELDS.len();
        build(Parts {
            id: next_field(&mut seq, 0, n)?,
            limit: next_field(&mut seq, 1, n)?,
            regrow: next_field(&mut seq, 2, n)?,
            slots: slots_of(next_field(&mut seq, 3, n)?),
        })
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Pool<T>, A::Error> {
        let (mut id, mut limit, mut regrow, mut slots) = (None, None, None, None);
        while let Some(field) = map.next_key_seed(FieldIndex(FIELDS))? {
            match field {
                0 => set_once(&mut id, map.next_value()?, "id")?,
                1 => set_once(&mut limit, map.next_value()?, "limit")?,
                2 => set_once(&mut regrow, map.next_value()?, "regrow")?,
                _ => set_once(&mut slots, slots_of(map.next_value()?), "slots")?,
            }
        }
        build(Parts {
            id: required(id, "id")?,
            limit: required(limit, "limit")?,
            regrow: required(regrow, "regrow")?,
            slots: required(slots, "slots")?,
        })
    }
}

/// Checks the parts and assembles a pool whose invariants hold.
fn build<T, E: de::Error>(parts: Parts<T>) -> Result<Pool<T>, E> {
    let Parts {
        id,
        limit,
        regrow: (regrow_below, regrow_floor),
        slots,
    } = parts;
    let n = slots.len();
    if let Some(limit) = limit {
        if n > limit as usize {
            return Err(E::custom(format_args!(
                "{n} slots in a pool bounded to {limit}"
            )));
        }
    }
    if regrow_floor & 1 == 1 {
        return Err(E::custom("the regrow floor must be even"));
    }
    if id.is_none() && n > 0 {
        return Err(E::custom("a pool with slots needs an id"));
    }
    let mut occupancy = Occupancy::new();
    occupancy
        .try_reserve_for(n)
        .map_err(|_| E::custom("out of memory"))?;
    if n > 0 {
        occupancy.cover(n - 1);
    }
    let (mut live, mut retired) = (0u32, 0u32);
    let mut free_head = NONE;
    let mut slots = slots;
    for (i, slot) in slots.iter_mut().enumerate().rev() {
        if slot.is_occupied() {
            live += 1;
            // SAFETY: `i < n`, and `cover(n - 1)` gave every index below `n` its bit.
            unsafe { occupancy.set(i) };
        } else if slot.generation == 0 {
            // Read as versions (`slots_of`): the key is added below.
            retired += 1;
        } else {
            // Ascending free list, as after `clear`.
            *slot.state.get_mut() = free_head;
            free_head = i as u32;
        }
    }
    let mut pool = Pool::<T>::new();
    if id.is_none() {
        // No slots (checked above); an id-less pool must hold no slot memory (invariant 6).
        slots = Vec::new();
    }
    pool.slots = slots;
    pool.occupancy = occupancy;
    pool.free_head = free_head;
    pool.retired = retired;
    if let Some(limit) = limit {
        pool.bounded = true;
        pool.limit = limit as usize;
        pool.spares.set_max(limit as usize);
    }
    if let Some(id) = id {
        pool.id = id;
        pool.key = store_key(id);
        pool.id_pending = false;
        // Versions become generations under the key (pool invariant 0).
        for slot in &mut pool.slots {
            slot.generation = slot.generation.wrapping_add(pool.key);
        }
    }
    pool.regrow_below = regrow_below;
    pool.regrow_floor = regrow_floor;
    pool.counters = Counters {
        inserts: u64::from(live),
        high_water: live,
        ..Counters::ZERO
    };
    pool.link = Link::NONE;
    Ok(pool)
}

/// The checked slots as pool slots (each parity was checked as it was read), holding
/// their versions as generations until `build` adds the key.
fn slots_of<T>(list: SlotList<T>) -> Vec<Slot<T>> {
    list.0
        .into_iter()
        .map(|Versioned(version, value)| match value {
            Some(v) => Slot::occupied(v, version),
            None => Slot::vacant(version, NONE),
        })
        .collect()
}
