//! Typed generational handles, shared by every store in this crate.
//!
//! A [`Handle<T>`] is a `u32` slot index plus a non-zero `u32` generation. It holds no
//! `T`, so it is `Copy`, `Send` and `Sync` whatever `T` is, and it is only ever a *name*:
//! every store checks it before use, so a stale, forged or foreign handle gets `None` or
//! an error, never another value.
//!
//! # How generations are encoded
//!
//! Each slot keeps a `u32` *version*: odd while the slot holds a value, even while it is
//! vacant. Inserting and removing each add one. A handle carries
//! `generation = version + key` (wrapping), where `key` is an **even** number derived from
//! the id of the store that issued it. Because `version` is odd and `key` even, every
//! generation a store hands out is odd, hence never zero, which is what lets
//! `Option<Handle<T>>` stay 8 bytes. [`Handle::from_bits`] rejects even generations, so a
//! handle value that exists at all always decodes to an odd version: it can only ever
//! match an occupied slot.
//!
//! # Generation wrap
//!
//! A slot whose version would wrap past `u32::MAX` is **retired**: it is never handed out
//! again, so an old handle can never alias a new value. A slot can hold 2³¹ values in turn
//! before that happens.
//!
//! # Foreign handles
//!
//! A store subtracts *its own* key before comparing versions (a [`Pool`](crate::Pool)
//! keeps each slot's version with its key already added, so it compares generations as
//! they are: the same test, without the subtraction). A handle issued by another
//! store with a different key decodes to a version off by the difference of the two keys
//! (a pseudo-random even number), so it matches only if that slot was reused exactly that
//! many more times, which in practice never happens. What this cannot catch:
//!
//! - stores that share a key: a clone and its original (by design: handles stay valid in
//!   the clone), or stores given the same id explicitly;
//! - ids that collide after 2³¹ stores were created in one process.
//!
//! Ids come from a process-wide counter, so the same program doing the same operations
//! creates the same ids and gets the same handles, run after run. Give an explicit id
//! (for example `Pool::builder().id(7)`) when handles must match across processes.

use crate::sync::process::{AtomicU32, Ordering as AtomicOrdering};
use core::cmp::Ordering;
use core::fmt;
use core::hash::{Hash, Hasher};
use core::marker::PhantomData;
use core::num::NonZeroU64;

/// A typed, generational name for a value in a store.
///
/// `Handle<T>` is 8 bytes, and so is `Option<Handle<T>>`. It implements `Copy`, `Eq`,
/// `Ord`, `Hash` and `Debug` for every `T`, and is `Send + Sync` for every `T` because it
/// holds no `T`.
///
/// Handles of different types cannot be mixed up:
///
/// ```compile_fail,E0308
/// use pool_core::{Handle, Pool};
/// struct Enemy;
/// struct Bullet;
/// let mut enemies = Pool::new();
/// let bullets: Pool<Bullet> = Pool::new();
/// let e: Handle<Enemy> = enemies.insert(Enemy);
/// bullets.get(e); // error[E0308]: mismatched types
/// ```
///
/// # Examples
///
/// ```
/// use pool_core::{Handle, Pool};
///
/// let mut pool = Pool::new();
/// let h: Handle<&str> = pool.insert("hello");
/// assert_eq!(pool[h], "hello");
///
/// // Raw form for the network or FFI.
/// let bits = h.to_bits();
/// assert_eq!(Handle::<&str>::from_bits(bits), Some(h));
/// assert_eq!(core::mem::size_of::<Option<Handle<&str>>>(), 8);
/// ```
pub struct Handle<T> {
    /// The generation in the high half (invariant: odd, see the module docs), the index in
    /// the low half: the `to_bits` form, so a handle is one register wide and non-zero.
    bits: NonZeroU64,
    _marker: PhantomData<fn() -> T>,
}

const _: () = {
    assert!(core::mem::size_of::<Handle<u8>>() == 8);
    assert!(core::mem::size_of::<Option<Handle<u8>>>() == 8);
    assert!(core::mem::size_of::<Handle<[u64; 64]>>() == 8);
    assert!(core::mem::size_of::<Option<Handle<()>>>() == 8);
};

impl<T> Handle<T> {
    /// Builds a handle from its index and generation, as a store does.
    ///
    /// Returns `None` if `generation` is even (including zero): no store ever issues such a
    /// handle.
    ///
    /// # Examples
    ///
    /// ```
    /// use pool_core::Handle;
    /// let h = Handle::<u8>::from_raw_parts(3, 7).unwrap();
    /// assert_eq!((h.index(), h.generation()), (3, 7));
    /// assert!(Handle::<u8>::from_raw_parts(3, 0).is_none());
    /// assert!(Handle::<u8>::from_raw_parts(3, 8).is_none());
    /// ```
    #[inline]
    pub const fn from_raw_parts(index: u32, generation: u32) -> Option<Self> {
        if generation & 1 == 0 {
            return None;
        }
        match NonZeroU64::new(((generation as u64) << 32) | index as u64) {
            Some(bits) => Some(Handle {
                bits,
                _marker: PhantomData,
            }),
            None => None,
        }
    }

    /// The slot index this handle names.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut pool = pool_core::Pool::new();
    /// let h = pool.insert(1u8);
    /// assert_eq!(h.index(), 0);
    /// ```
    #[inline]
    pub const fn index(self) -> u32 {
        self.bits.get() as u32
    }

    /// The generation this handle carries (always odd, hence non-zero).
    ///
    /// # Examples
    ///
    /// ```
    /// let mut pool = pool_core::Pool::new();
    /// let h = pool.insert(1u8);
    /// assert_eq!(h.generation() % 2, 1);
    /// ```
    #[inline]
    pub const fn generation(self) -> u32 {
        (self.bits.get() >> 32) as u32
    }

    /// Packs the handle into a `u64`: generation in the high half, index in the low half.
    ///
    /// # Examples
    ///
    /// ```
    /// use pool_core::Handle;
    /// let h = Handle::<u8>::from_raw_parts(5, 9).unwrap();
    /// assert_eq!(h.to_bits(), (9 << 32) | 5);
    /// ```
    #[inline]
    pub const fn to_bits(self) -> u64 {
        self.bits.get()
    }

    /// Unpacks a handle made by [`to_bits`](Handle::to_bits).
    ///
    /// Returns `None` for bits no store could have issued (an even or zero generation).
    /// Bits that pass this check may still be stale or foreign: every store checks them
    /// again before use.
    ///
    /// # Examples
    ///
    /// ```
    /// use pool_core::Handle;
    /// let h = Handle::<u8>::from_raw_parts(5, 9).unwrap();
    /// assert_eq!(Handle::from_bits(h.to_bits()), Some(h));
    /// assert_eq!(Handle::<u8>::from_bits(5), None); // generation 0
    /// ```
    #[inline]
    pub const fn from_bits(bits: u64) -> Option<Self> {
        Self::from_raw_parts(bits as u32, (bits >> 32) as u32)
    }

    /// Changes the type a handle names without changing its bits.
    ///
    /// Stores check the generation and key, not the type, so a handle cast to the wrong
    /// type is caught like any other foreign handle in the common case; use this only to
    /// cross an untyped boundary (a message, an FFI struct) and back.
    ///
    /// # Examples
    ///
    /// ```
    /// use pool_core::Handle;
    /// let h = Handle::<u8>::from_raw_parts(1, 1).unwrap();
    /// let u: Handle<()> = h.cast();
    /// assert_eq!(u.to_bits(), h.to_bits());
    /// ```
    #[inline]
    pub const fn cast<U>(self) -> Handle<U> {
        Handle {
            bits: self.bits,
            _marker: PhantomData,
        }
    }

    /// Encodes `version` (odd) under `key` (even) for the slot at `index`.
    #[inline]
    #[cfg_attr(not(feature = "std"), allow(dead_code))] // the stores that use it need `std`
    pub(crate) fn encode(index: u32, version: u32, key: u32) -> Self {
        debug_assert!(version & 1 == 1, "only occupied versions are encoded");
        debug_assert!(key & 1 == 0, "store keys are even");
        // Odd plus even is odd. A caller breaking that would only get a handle that
        // matches nothing (every store checks versions), never UB: so mask, not trust.
        let generation = version.wrapping_add(key) | 1;
        Handle {
            // SAFETY: `generation` is odd, hence non-zero, and it is the high half.
            bits: unsafe { NonZeroU64::new_unchecked(((generation as u64) << 32) | index as u64) },
            _marker: PhantomData,
        }
    }

    /// The handle of the slot at `index` whose generation (version plus store key, as a
    /// [`Pool`](crate::Pool) slot keeps it) is `generation`: no arithmetic at all.
    ///
    /// # Safety
    ///
    /// - `generation` must be odd (hence non-zero).
    #[inline(always)]
    pub(crate) unsafe fn from_generation(index: u32, generation: u32) -> Self {
        debug_assert!(generation & 1 == 1, "only occupied generations are encoded");
        Handle {
            // SAFETY: `generation` is odd (caller), hence non-zero, and it is the high
            // half.
            bits: unsafe { NonZeroU64::new_unchecked(((generation as u64) << 32) | index as u64) },
            _marker: PhantomData,
        }
    }

    /// The slot version this handle expects in a store whose key is `key` (always odd).
    #[inline]
    #[cfg_attr(not(feature = "std"), allow(dead_code))] // the stores that use it need `std`
    pub(crate) fn version(self, key: u32) -> u32 {
        self.generation().wrapping_sub(key)
    }
}

// === std trait impls without bounds on `T` ===

impl<T> Clone for Handle<T> {
    #[inline]
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Handle<T> {}

impl<T> PartialEq for Handle<T> {
    #[inline]
    fn eq(&self, other: &Self) -> bool {
        self.to_bits() == other.to_bits()
    }
}

impl<T> Eq for Handle<T> {}

impl<T> PartialOrd for Handle<T> {
    #[inline]
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Orders by index, then by generation.
impl<T> Ord for Handle<T> {
    #[inline]
    fn cmp(&self, other: &Self) -> Ordering {
        (self.index(), self.generation()).cmp(&(other.index(), other.generation()))
    }
}

impl<T> Hash for Handle<T> {
    #[inline]
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.to_bits().hash(state);
    }
}

/// Prints `Handle<path::T>(index v generation)`, e.g. `Handle<game::Enemy>(3v7)`.
impl<T> fmt::Debug for Handle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Handle<{}>({}v{})",
            core::any::type_name::<T>(),
            self.index(),
            self.generation()
        )
    }
}

// === store ids and keys ===

static NEXT_STORE_ID: AtomicU32 = AtomicU32::new(1);

/// Takes the next id from the process-wide counter.
pub(crate) fn next_store_id() -> u32 {
    NEXT_STORE_ID.fetch_add(1, AtomicOrdering::Relaxed)
}

/// The even key a store with id `id` adds to its versions.
///
/// `fmix32` (MurmurHash3's finaliser) is a bijection on `u32`, so consecutive ids get
/// unrelated keys; dropping the low bit keeps keys even.
#[inline]
pub(crate) const fn store_key(id: u32) -> u32 {
    let mut h = id;
    h ^= h >> 16;
    h = h.wrapping_mul(0x85eb_ca6b);
    h ^= h >> 13;
    h = h.wrapping_mul(0xc2b2_ae35);
    h ^= h >> 16;
    h & !1
}

// === serde ===

/// A handle is written as its [`to_bits`](Handle::to_bits) (`u64`); reading checks that
/// the bits are ones a store could have issued (odd generation).
#[cfg(feature = "serde")]
impl<T> serde::Serialize for Handle<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u64(self.to_bits())
    }
}

#[cfg(feature = "serde")]
impl<'de, T> serde::Deserialize<'de> for Handle<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let bits = u64::deserialize(deserializer)?;
        Handle::from_bits(bits).ok_or_else(|| {
            serde::de::Error::invalid_value(
                serde::de::Unexpected::Unsigned(bits),
                &"handle bits with an odd generation",
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generations_are_odd_for_every_key() {
        for id in [0, 1, 2, 7, u32::MAX] {
            let key = store_key(id);
            assert_eq!(key & 1, 0);
            for version in [1, 3, u32::MAX, u32::MAX - 2] {
                let h = Handle::<u8>::encode(0, version, key);
                assert_eq!(h.generation() & 1, 1);
                assert_eq!(h.version(key), version);
            }
        }
    }

    #[test]
    fn keys_of_neighbouring_ids_differ() {
        let n = if cfg!(miri) { 300 } else { 10_000 };
        let keys: std::collections::HashSet<u32> = (0..n).map(store_key).collect();
        assert_eq!(keys.len(), n as usize);
    }

    #[test]
    fn bits_round_trip_and_reject_even_generations() {
        for bits in [0u64, 1, 1 << 32, 2 << 32, u64::MAX, (3 << 32) | 9] {
            let h = Handle::<()>::from_bits(bits);
            assert_eq!(h.is_some(), (bits >> 32) & 1 == 1, "{bits:#x}");
            if let Some(h) = h {
                assert_eq!(h.to_bits(), bits);
            }
        }
    }

    #[test]
    fn ordering_is_by_index_then_generation() {
        let a = Handle::<()>::from_raw_parts(1, 9).unwrap();
        let b = Handle::<()>::from_raw_parts(2, 1).unwrap();
        let c = Handle::<()>::from_raw_parts(2, 3).unwrap();
        assert!(a < b && b < c);
    }
}
