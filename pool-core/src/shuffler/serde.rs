//! `Serialize` / `Deserialize` for [`Shuffler`] (feature `serde`).
//!
//! A shuffler is written as a struct of two fields: `id` (so handles issued before saving
//! stay valid in the loaded shuffler) and `slots`, every handle slot in index order as
//! `[version, block]`: an odd version is a live block (a sequence of elements), an even
//! one a vacant slot (`null`; 0 is a retired slot). Storage layout, pending frees, the
//! budget and the counters are not saved: a loaded shuffler stores its blocks packed.
//!
//! Saving rents each block for the time its elements are written, so a block exclusively
//! rented at that moment makes saving fail with an error (its elements may be changing),
//! and an element's `Serialize` that re-enters the shuffler cannot move the block it is
//! reading. Loading checks that each version's parity matches the presence of a block and
//! that lengths fit; it never pre-allocates more than a little from a claimed length.

use alloc::vec::Vec;
use core::fmt;
use core::marker::PhantomData;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{self, Serialize, SerializeSeq, SerializeStruct, Serializer};

use super::Shuffler;
use crate::handle::Handle;
use crate::serde_util::{
    next_field, read_seq, required, set_once, FieldIndex, SlotList, Versioned, VersionedRef,
};

const FIELDS: &[&str] = &["id", "slots"];

impl<T: Serialize> Serialize for Shuffler<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // The slot list as it is now; blocks are looked up again (and rented) one by one,
        // since element `Serialize` impls are user code.
        let slots = self.slot_list();
        let mut st = serializer.serialize_struct("Shuffler", FIELDS.len())?;
        st.serialize_field("id", &self.id)?;
        st.serialize_field("slots", &SlotsSer { s: self, slots })?;
        st.end()
    }
}

type Handles<T> = Vec<(u32, Option<Handle<super::Blocks<T>>>)>;

struct SlotsSer<'a, T> {
    s: &'a Shuffler<T>,
    slots: Handles<T>,
}

impl<T: Serialize> Serialize for SlotsSer<'_, T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.slots.len()))?;
        for &(version, handle) in &self.slots {
            seq.serialize_element(&SlotSer {
                s: self.s,
                version,
                handle,
            })?;
        }
        seq.end()
    }
}

struct SlotSer<'a, T> {
    s: &'a Shuffler<T>,
    version: u32,
    handle: Option<Handle<super::Blocks<T>>>,
}

impl<T: Serialize> Serialize for SlotSer<'_, T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let Some(h) = self.handle else {
            return VersionedRef::<[T]>(self.version, None).serialize(serializer);
        };
        // The guard pins the block while its elements are written.
        let block = self.s.rent(h).map_err(|e| {
            <S::Error as ser::Error>::custom(format_args!(
                "cannot save block {} of the shuffler: {e}",
                h.index()
            ))
        })?;
        VersionedRef(self.version, Some(&*block)).serialize(serializer)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Shuffler<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_struct("Shuffler", FIELDS, ShufflerVisitor(PhantomData))
    }
}

struct ShufflerVisitor<T>(PhantomData<fn() -> T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for ShufflerVisitor<T> {
    type Value = Shuffler<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a typed-pool Shuffler (id, slots)")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Shuffler<T>, A::Error> {
        let id = next_field(&mut seq, 0, 2)?;
        let slots: SlotList<Elems<T>> = next_field(&mut seq, 1, 2)?;
        build(id, slots)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Shuffler<T>, A::Error> {
        let (mut id, mut slots) = (None, None);
        while let Some(field) = map.next_key_seed(FieldIndex(FIELDS))? {
            match field {
                0 => set_once(&mut id, map.next_value()?, "id")?,
                _ => set_once(&mut slots, map.next_value::<SlotList<Elems<T>>>()?, "slots")?,
            }
        }
        build(required(id, "id")?, required(slots, "slots")?)
    }
}

/// Packs the blocks into a new shuffler with the given slots.
fn build<T, E: de::Error>(id: u32, slots: SlotList<Elems<T>>) -> Result<Shuffler<T>, E> {
    let slots = slots
        .0
        .into_iter()
        .map(|Versioned(version, block)| (version, block.map(|b| b.0)))
        .collect();
    Shuffler::from_slots(id, slots).map_err(E::custom)
}

/// A block's elements, read without trusting the claimed length.
struct Elems<T>(Vec<T>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Elems<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ElemsVisitor<T>(PhantomData<fn() -> T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for ElemsVisitor<T> {
            type Value = Elems<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a block's elements")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Elems<T>, A::Error> {
                read_seq(seq, u32::MAX as usize, "elements in one block").map(Elems)
            }
        }
        deserializer.deserialize_seq(ElemsVisitor(PhantomData))
    }
}
