//! The [`Pooled`] trait: values that can be recycled in place.

use alloc::boxed::Box;
use alloc::collections::{BTreeMap, BTreeSet, VecDeque};
use alloc::string::String;
use alloc::vec::Vec;

/// A value that can be put back into a "fresh" state in place, keeping its allocations.
///
/// [`Pool::release`](crate::Pool::release) calls `reset` on a value it takes out of use
/// and keeps it as a spare; [`Pool::acquire`](crate::Pool::acquire) hands spares back out
/// before building new values. After `reset`, the value must behave like a newly built
/// one as far as the program can tell; keeping capacity (a cleared `Vec`) is the point.
///
/// `reset` may panic: the pool has already taken the value out of use by then, so the
/// value is simply dropped during unwinding and the pool stays consistent.
///
/// # Examples
///
/// ```
/// use pool_core::{Pool, Pooled};
///
/// #[derive(Default)]
/// struct Packet {
///     payload: Vec<u8>,
///     seq: u32,
/// }
///
/// impl Pooled for Packet {
///     fn reset(&mut self) {
///         self.payload.clear(); // keeps the capacity
///         self.seq = 0;
///     }
/// }
///
/// let mut pool: Pool<Packet> = Pool::new();
/// let h = pool.acquire();
/// pool[h].payload.extend_from_slice(&[1, 2, 3]);
/// pool.release(h);
/// let h = pool.acquire(); // the same buffer, cleared
/// assert!(pool[h].payload.is_empty() && pool[h].payload.capacity() >= 3);
/// ```
pub trait Pooled {
    /// Puts the value back into its fresh state, keeping allocations where it can.
    fn reset(&mut self);
}

impl<T> Pooled for Vec<T> {
    #[inline]
    fn reset(&mut self) {
        self.clear();
    }
}

impl<T> Pooled for VecDeque<T> {
    #[inline]
    fn reset(&mut self) {
        self.clear();
    }
}

impl Pooled for String {
    #[inline]
    fn reset(&mut self) {
        self.clear();
    }
}

impl<K, V> Pooled for BTreeMap<K, V> {
    #[inline]
    fn reset(&mut self) {
        self.clear();
    }
}

impl<T> Pooled for BTreeSet<T> {
    #[inline]
    fn reset(&mut self) {
        self.clear();
    }
}

#[cfg(feature = "std")]
impl<K, V, S> Pooled for std::collections::HashMap<K, V, S> {
    #[inline]
    fn reset(&mut self) {
        self.clear();
    }
}

#[cfg(feature = "std")]
impl<T, S> Pooled for std::collections::HashSet<T, S> {
    #[inline]
    fn reset(&mut self) {
        self.clear();
    }
}

/// Resets the boxed value in place, keeping the box.
impl<T: Pooled + ?Sized> Pooled for Box<T> {
    #[inline]
    fn reset(&mut self) {
        (**self).reset();
    }
}

/// `None`, like a fresh `Option`.
impl<T> Pooled for Option<T> {
    #[inline]
    fn reset(&mut self) {
        *self = None;
    }
}
