//! Recycling in place: the [`Reset`] trait (put a value back into a fresh state, keeping
//! its allocations) and the [`Pooled`] trait (what `#[derive(Pooled)]` implements: the
//! type's name, layout, size class and pool settings).
//!
//! `Reset` is documented the way sharded-slab's `Clear` is: containers clear and keep
//! their capacity; numbers, `bool`, `char` and `Option` go to their default; arrays and
//! tuples reset element-wise; `Box<T>` resets its contents in place.

use alloc::boxed::Box;
use alloc::collections::{BTreeMap, BTreeSet, BinaryHeap, VecDeque};
use alloc::string::String;
use alloc::vec::Vec;
use core::alloc::Layout;

use crate::size_class::SizeClass;

/// A value that can be put back into a "fresh" state in place, keeping its allocations.
///
/// [`Pool::release`](crate::Pool::release) resets a value it takes out of use and keeps it
/// as a spare; [`Pool::acquire`](crate::Pool::acquire) hands spares back out before
/// building new values. After `reset`, the value must behave like a newly built one as far
/// as the program can tell; keeping capacity (a cleared `Vec`) is the point.
///
/// `reset` may panic: the pool has already taken the value out of use by then, so the
/// value is simply dropped during unwinding and the pool stays consistent.
///
/// # Examples
///
/// ```
/// use pool_core::{Pool, Reset};
///
/// #[derive(Default)]
/// struct Packet {
///     payload: Vec<u8>,
///     seq: u32,
/// }
///
/// impl Reset for Packet {
///     fn reset(&mut self) {
///         self.payload.reset(); // clears, keeps the capacity
///         self.seq.reset(); // 0
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
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be reset in place for recycling",
    label = "this field's type does not implement `Reset`",
    note = "annotate the field with `#[pooled(reset = default)]` (assign `Default::default()`), \
            `#[pooled(reset = path::to::fn)]` (call `fn(&mut {Self})`), or `#[pooled(skip)]` \
            (leave it as it is), or implement `pool_core::Reset` for `{Self}`"
)]
pub trait Reset {
    /// Puts the value back into its fresh state, keeping allocations where it can.
    fn reset(&mut self);
}

/// A type that pools are made for: what `#[derive(Pooled)]` implements.
///
/// Every item has a default, so `impl Pooled for T {}` is enough for a type that
/// implements [`Reset`]; the derive fills them from the type and its `#[pooled(...)]`
/// attributes. [`Pool::for_type`](crate::Pool::for_type) builds a pool with these
/// settings and registers the type in the [`registry`](crate::registry).
///
/// # Examples
///
/// ```
/// use pool_core::{Pool, Pooled, Reset};
///
/// #[derive(Default)]
/// struct Particle { life: u32 }
///
/// impl Reset for Particle {
///     fn reset(&mut self) { self.life = 0; }
/// }
///
/// impl Pooled for Particle {
///     const NAME: &'static str = "Particle";
///     const CAPACITY: usize = 256;
/// }
///
/// let pool = Pool::<Particle>::for_type();
/// assert!(pool.capacity() >= 256);
/// assert_eq!(Particle::SIZE_CLASS.unwrap().size(), 16);
/// ```
pub trait Pooled: Reset + Sized {
    /// The type's name as written in its definition (the registry shows it).
    const NAME: &'static str = "";
    /// The type's layout.
    const LAYOUT: Layout = Layout::new::<Self>();
    /// The type's size class; `None` above 64 KiB or 4 KiB alignment.
    const SIZE_CLASS: Option<SizeClass> = SizeClass::of::<Self>();
    /// Slots [`Pool::for_type`](crate::Pool::for_type) allocates up front.
    const CAPACITY: usize = 0;
    /// Whether [`Pool::for_type`](crate::Pool::for_type) builds a bounded pool (bounded to
    /// `CAPACITY`).
    const BOUNDED: bool = false;

    /// Builds new values for [`Pool::acquire`](crate::Pool::acquire) in pools made by
    /// [`Pool::for_type`](crate::Pool::for_type); `None` means `Default`.
    fn factory() -> Option<fn() -> Self> {
        None
    }
}

// === Reset for std types ===

macro_rules! reset_to_default {
    ($($t:ty),* $(,)?) => {$(
        /// Resets to the default value.
        impl Reset for $t {
            #[inline]
            fn reset(&mut self) {
                *self = <$t>::default();
            }
        }
    )*};
}

reset_to_default!(
    u8,
    u16,
    u32,
    u64,
    u128,
    usize,
    i8,
    i16,
    i32,
    i64,
    i128,
    isize,
    f32,
    f64,
    bool,
    char,
    core::time::Duration,
);

macro_rules! reset_by_clear {
    ($(impl[$($g:tt)*] $t:ty;)*) => {$(
        /// Clears the collection and keeps its capacity.
        impl<$($g)*> Reset for $t {
            #[inline]
            fn reset(&mut self) {
                self.clear();
            }
        }
    )*};
}

reset_by_clear! {
    impl[T] Vec<T>;
    impl[T] VecDeque<T>;
    impl[T] BinaryHeap<T>;
    impl[] String;
    impl[K, V] BTreeMap<K, V>;
    impl[T] BTreeSet<T>;
}

#[cfg(feature = "std")]
reset_by_clear! {
    impl[K, V, S] std::collections::HashMap<K, V, S>;
    impl[T, S] std::collections::HashSet<T, S>;
}

/// `None`, like a fresh `Option` (the old value is dropped).
impl<T> Reset for Option<T> {
    #[inline]
    fn reset(&mut self) {
        *self = None;
    }
}

/// Resets the boxed value in place, keeping the box.
impl<T: Reset + ?Sized> Reset for Box<T> {
    #[inline]
    fn reset(&mut self) {
        (**self).reset();
    }
}

/// Resets every element.
impl<T: Reset, const N: usize> Reset for [T; N] {
    #[inline]
    fn reset(&mut self) {
        for x in self {
            x.reset();
        }
    }
}

/// Resets every element.
impl<T: Reset> Reset for [T] {
    #[inline]
    fn reset(&mut self) {
        for x in self {
            x.reset();
        }
    }
}

/// Nothing to reset.
impl Reset for () {
    #[inline]
    fn reset(&mut self) {}
}

/// Nothing to reset.
impl<T: ?Sized> Reset for core::marker::PhantomData<T> {
    #[inline]
    fn reset(&mut self) {}
}

macro_rules! reset_tuple {
    ($($n:tt $t:ident),+) => {
        /// Resets every element.
        impl<$($t: Reset),+> Reset for ($($t,)+) {
            #[inline]
            fn reset(&mut self) {
                $(self.$n.reset();)+
            }
        }
    };
}

reset_tuple!(0 A);
reset_tuple!(0 A, 1 B);
reset_tuple!(0 A, 1 B, 2 C);
reset_tuple!(0 A, 1 B, 2 C, 3 D);
reset_tuple!(0 A, 1 B, 2 C, 3 D, 4 E);
reset_tuple!(0 A, 1 B, 2 C, 3 D, 4 E, 5 F);

// Containers are also poolable as they are.
impl<T> Pooled for Vec<T> {}
impl<T> Pooled for VecDeque<T> {}
impl Pooled for String {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn std_types_reset_and_keep_capacity() {
        let mut v = alloc::vec![1, 2, 3];
        v.reset();
        assert!(v.is_empty() && v.capacity() >= 3);
        let mut s = String::from("abc");
        s.reset();
        assert!(s.is_empty() && s.capacity() >= 3);
        let mut t = (5u8, Some(3), [1.5f32, 2.0], 'x', true);
        t.reset();
        assert_eq!(t, (0, None, [0.0, 0.0], '\0', false));
        let mut b: Box<Vec<u8>> = Box::new(alloc::vec![1]);
        let p = &*b as *const Vec<u8>;
        b.reset();
        assert!(b.is_empty() && core::ptr::eq(&*b, p));
    }
}
