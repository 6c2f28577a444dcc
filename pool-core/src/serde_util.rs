//! Pieces shared by the stores' `Deserialize` impls (feature `serde`): struct fields by
//! name or index, duplicate detection, and sequences read without trusting their length.

use alloc::vec::Vec;
use core::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, SeqAccess, Visitor};

/// Most elements reserved up front from a length the input claims; the rest grows as
/// elements actually arrive, so a forged length cannot make a huge allocation.
pub(crate) const TRUSTED_PREALLOC: usize = 1024;

/// Reads a struct field's name (or index, in formats that write indices) as its position
/// in the list.
pub(crate) struct FieldIndex(pub(crate) &'static [&'static str]);

impl<'de> DeserializeSeed<'de> for FieldIndex {
    type Value = usize;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<usize, D::Error> {
        deserializer.deserialize_identifier(self)
    }
}

impl Visitor<'_> for FieldIndex {
    type Value = usize;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "one of the fields {:?}", self.0)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<usize, E> {
        match usize::try_from(v) {
            Ok(i) if i < self.0.len() => Ok(i),
            _ => Err(E::invalid_value(de::Unexpected::Unsigned(v), &self)),
        }
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<usize, E> {
        self.0
            .iter()
            .position(|&name| name == v)
            .ok_or_else(|| E::unknown_field(v, self.0))
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<usize, E> {
        match core::str::from_utf8(v) {
            Ok(s) => self.visit_str(s),
            Err(_) => Err(E::invalid_value(de::Unexpected::Bytes(v), &self)),
        }
    }
}

/// Stores a field's value, refusing a second one.
pub(crate) fn set_once<V, E: de::Error>(
    field: &mut Option<V>,
    value: V,
    name: &'static str,
) -> Result<(), E> {
    if field.is_some() {
        return Err(E::duplicate_field(name));
    }
    *field = Some(value);
    Ok(())
}

/// A required field's value, or the "missing field" error.
pub(crate) fn required<V, E: de::Error>(field: Option<V>, name: &'static str) -> Result<V, E> {
    field.ok_or_else(|| E::missing_field(name))
}

/// The next element of a struct written as a sequence, or the "too short" error.
pub(crate) fn next_field<'de, A, V>(seq: &mut A, i: usize, n: usize) -> Result<V, A::Error>
where
    A: SeqAccess<'de>,
    V: de::Deserialize<'de>,
{
    seq.next_element()?
        .ok_or_else(|| de::Error::invalid_length(i, &ExpectedFields(n)))
}

struct ExpectedFields(usize);

impl de::Expected for ExpectedFields {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} fields", self.0)
    }
}

/// Reads the rest of `seq` into a vector of at most `max` elements, reserving as they
/// arrive (fallibly: out of memory is an error, not an abort).
pub(crate) fn read_seq<'de, A, X>(
    mut seq: A,
    max: usize,
    what: &'static str,
) -> Result<Vec<X>, A::Error>
where
    A: SeqAccess<'de>,
    X: de::Deserialize<'de>,
{
    let mut out = Vec::new();
    let hint = seq.size_hint().unwrap_or(0).min(TRUSTED_PREALLOC).min(max);
    out.try_reserve(hint)
        .map_err(|_| de::Error::custom("out of memory"))?;
    while let Some(x) = seq.next_element()? {
        if out.len() >= max {
            return Err(de::Error::custom(format_args!("too many {what}")));
        }
        out.try_reserve(1)
            .map_err(|_| de::Error::custom("out of memory"))?;
        out.push(x);
    }
    Ok(out)
}

/// Most handle slots a store can have (indices are `u32`).
pub(crate) const MAX_SLOTS: usize = u32::MAX as usize;

/// A handle slot as written: `[version, value]`, where the value is present iff the
/// version is odd (a vacant slot writes a unit, `null` in JSON). Reading checks that
/// parity, so `Option` values are never confused with vacant slots.
pub(crate) struct Versioned<V>(pub(crate) u32, pub(crate) Option<V>);

/// A slot to write: the version and, for a live slot, a reference to its value.
pub(crate) struct VersionedRef<'v, V: ?Sized>(pub(crate) u32, pub(crate) Option<&'v V>);

impl<V: ?Sized + serde::Serialize> serde::Serialize for VersionedRef<'_, V> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeTuple;
        let mut t = serializer.serialize_tuple(2)?;
        t.serialize_element(&self.0)?;
        match self.1 {
            Some(v) => t.serialize_element(v)?,
            None => t.serialize_element(&())?,
        }
        t.end()
    }
}

impl<'de, V: de::Deserialize<'de>> de::Deserialize<'de> for Versioned<V> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SlotVisitor<V>(core::marker::PhantomData<fn() -> V>);
        impl<'de, V: de::Deserialize<'de>> Visitor<'de> for SlotVisitor<V> {
            type Value = Versioned<V>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a [version, value] slot")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Versioned<V>, A::Error> {
                let version: u32 = next_field(&mut seq, 0, 2)?;
                if version & 1 == 1 {
                    Ok(Versioned(version, Some(next_field(&mut seq, 1, 2)?)))
                } else {
                    let () = next_field(&mut seq, 1, 2)?;
                    Ok(Versioned(version, None))
                }
            }
        }
        deserializer.deserialize_tuple(2, SlotVisitor(core::marker::PhantomData))
    }
}

/// The slot list of a store: a sequence of [`Versioned`] slots, read without trusting its
/// claimed length.
pub(crate) struct SlotList<V>(pub(crate) Vec<Versioned<V>>);

impl<'de, V: de::Deserialize<'de>> de::Deserialize<'de> for SlotList<V> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ListVisitor<V>(core::marker::PhantomData<fn() -> V>);
        impl<'de, V: de::Deserialize<'de>> Visitor<'de> for ListVisitor<V> {
            type Value = SlotList<V>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a sequence of [version, value] slots")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<SlotList<V>, A::Error> {
                read_seq(seq, MAX_SLOTS, "slots for a u32 index").map(SlotList)
            }
        }
        deserializer.deserialize_seq(ListVisitor(core::marker::PhantomData))
    }
}
