//! `Serialize` / `Deserialize` for [`BinnedAllocator`] (feature `serde`): the allocator is
//! written as its [`snapshot`](BinnedAllocator::snapshot) bytes and read back through
//! [`from_snapshot`](BinnedAllocator::from_snapshot), so every check a snapshot gets
//! (version, checksum, bounds, consistency) applies to deserialised input too.

use alloc::vec::Vec;
use core::fmt;

use serde::de::{self, Deserialize, Deserializer, SeqAccess, Visitor};
use serde::ser::{Serialize, Serializer};

use super::BinnedAllocator;
use crate::serde_util::read_seq;

/// Most snapshot bytes read from a sequence of numbers (formats without a byte type).
const MAX_SNAPSHOT_BYTES: usize = isize::MAX as usize;

impl Serialize for BinnedAllocator {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bytes(&self.snapshot())
    }
}

impl<'de> Deserialize<'de> for BinnedAllocator {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_bytes(SnapshotVisitor)
    }
}

struct SnapshotVisitor;

impl<'de> Visitor<'de> for SnapshotVisitor {
    type Value = BinnedAllocator;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the bytes of a BinnedAllocator snapshot")
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<BinnedAllocator, E> {
        BinnedAllocator::from_snapshot(v).map_err(E::custom)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<BinnedAllocator, A::Error> {
        let bytes: Vec<u8> = read_seq(seq, MAX_SNAPSHOT_BYTES, "snapshot bytes")?;
        self.visit_bytes(&bytes)
    }
}
