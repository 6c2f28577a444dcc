//! Growable collections in an arena: [`ArenaString`] with [`format_in!`](crate::format_in),
//! and [`collect_in`](CollectIn::collect_in) for iterators (into an arena `Vec`, an
//! `ArenaString` or an `ArenaBox<[T]>`).
//!
//! Vectors are `allocator_api2::vec::Vec<T, &Arena>`: the arena implements
//! `allocator_api2::alloc::Allocator`, and growing the newest allocation happens in place.

use core::fmt;
use core::ops::{Deref, DerefMut};
use core::ptr::NonNull;

use allocator_api2::vec::Vec;

use super::{Arena, ArenaBox};

/// A growable UTF-8 string whose bytes live in an arena: no heap allocation, freed with
/// the arena's next reset. `'s` is the borrow of the arena, `'a` the arena's own
/// lifetime (`'static` for heap arenas).
///
/// Growing it when the arena cannot provide the memory panics (never aborts); the `try_`
/// methods return an error instead.
///
/// # Examples
///
/// ```
/// use core::fmt::Write;
/// use pool_core::arena::{Arena, ArenaString};
///
/// let arena = Arena::new();
/// let mut s = ArenaString::new_in(&arena);
/// s.push_str("hp: ");
/// write!(s, "{}/{}", 7, 10).unwrap();
/// assert_eq!(s, "hp: 7/10");
/// let kept: &str = s.into_str(); // lives as long as the arena borrow
/// assert_eq!(kept.len(), 8);
/// ```
pub struct ArenaString<'s, 'a> {
    bytes: Vec<u8, &'s Arena<'a>>,
}

impl<'s, 'a> ArenaString<'s, 'a> {
    /// An empty string; allocates nothing until it grows.
    ///
    /// # Examples
    ///
    /// ```
    /// let arena = pool_core::Arena::new();
    /// assert!(pool_core::arena::ArenaString::new_in(&arena).is_empty());
    /// ```
    pub fn new_in(arena: &'s Arena<'a>) -> Self {
        ArenaString {
            bytes: Vec::new_in(arena),
        }
    }

    /// An empty string with room for `capacity` bytes.
    ///
    /// # Panics
    ///
    /// If the arena cannot provide the memory.
    ///
    /// # Examples
    ///
    /// ```
    /// let arena = pool_core::Arena::new();
    /// let s = pool_core::arena::ArenaString::with_capacity_in(32, &arena);
    /// assert!(s.capacity() >= 32);
    /// ```
    #[track_caller]
    pub fn with_capacity_in(capacity: usize, arena: &'s Arena<'a>) -> Self {
        let mut s = Self::new_in(arena);
        s.reserve(capacity);
        s
    }

    /// A copy of `s` in the arena.
    ///
    /// # Panics
    ///
    /// If the arena cannot provide the memory.
    ///
    /// # Examples
    ///
    /// ```
    /// let arena = pool_core::Arena::new();
    /// let s = pool_core::arena::ArenaString::from_str_in("abc", &arena);
    /// assert_eq!(s.as_str(), "abc");
    /// ```
    #[track_caller]
    pub fn from_str_in(s: &str, arena: &'s Arena<'a>) -> Self {
        let mut out = Self::with_capacity_in(s.len(), arena);
        out.push_str(s);
        out
    }

    /// The string as `&str`.
    ///
    /// # Examples
    ///
    /// ```
    /// let arena = pool_core::Arena::new();
    /// let s = pool_core::format_in!(&arena, "{}", 5);
    /// assert_eq!(s.as_str(), "5");
    /// ```
    #[inline]
    pub fn as_str(&self) -> &str {
        // SAFETY: only whole `str`s and encoded `char`s are ever appended, and
        // `truncate`/`pop` cut at char boundaries, so the bytes are valid UTF-8.
        unsafe { core::str::from_utf8_unchecked(&self.bytes) }
    }

    /// The string as `&mut str`.
    ///
    /// # Examples
    ///
    /// ```
    /// let arena = pool_core::Arena::new();
    /// let mut s = pool_core::format_in!(&arena, "abc");
    /// s.as_mut_str().make_ascii_uppercase();
    /// assert_eq!(s, "ABC");
    /// ```
    #[inline]
    pub fn as_mut_str(&mut self) -> &mut str {
        // SAFETY: as in `as_str`; `&mut str` only allows UTF-8-preserving changes.
        unsafe { core::str::from_utf8_unchecked_mut(&mut self.bytes) }
    }

    /// Length in bytes.
    ///
    /// # Examples
    ///
    /// ```
    /// let arena = pool_core::Arena::new();
    /// assert_eq!(pool_core::format_in!(&arena, "é").len(), 2);
    /// ```
    #[inline]
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Whether the string is empty.
    ///
    /// # Examples
    ///
    /// ```
    /// let arena = pool_core::Arena::new();
    /// assert!(pool_core::format_in!(&arena, "").is_empty());
    /// ```
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// Bytes it can hold without growing.
    ///
    /// # Examples
    ///
    /// ```
    /// let arena = pool_core::Arena::new();
    /// let s = pool_core::arena::ArenaString::with_capacity_in(8, &arena);
    /// assert!(s.capacity() >= 8);
    /// ```
    #[inline]
    pub fn capacity(&self) -> usize {
        self.bytes.capacity()
    }

    /// Makes room for `additional` more bytes.
    ///
    /// # Panics
    ///
    /// If the arena cannot provide the memory.
    ///
    /// # Examples
    ///
    /// ```
    /// let arena = pool_core::Arena::new();
    /// let mut s = pool_core::arena::ArenaString::new_in(&arena);
    /// s.reserve(10);
    /// assert!(s.capacity() >= 10);
    /// ```
    #[track_caller]
    pub fn reserve(&mut self, additional: usize) {
        if self.try_reserve(additional).is_err() {
            grow_panic(additional);
        }
    }

    /// Makes room for `additional` more bytes, or says the arena has no room.
    ///
    /// # Errors
    ///
    /// [`allocator_api2::collections::TryReserveError`] if the arena cannot provide the
    /// memory; the string is unchanged.
    ///
    /// # Examples
    ///
    /// ```
    /// let arena = pool_core::Arena::with_limit(0);
    /// let mut s = pool_core::arena::ArenaString::new_in(&arena);
    /// assert!(s.try_reserve(1).is_err());
    /// ```
    pub fn try_reserve(
        &mut self,
        additional: usize,
    ) -> Result<(), allocator_api2::collections::TryReserveError> {
        self.bytes.try_reserve(additional)
    }

    /// Appends a string slice.
    ///
    /// # Panics
    ///
    /// If the arena cannot provide the memory (see [`try_push_str`](Self::try_push_str)).
    ///
    /// # Examples
    ///
    /// ```
    /// let arena = pool_core::Arena::new();
    /// let mut s = pool_core::format_in!(&arena, "a");
    /// s.push_str("bc");
    /// assert_eq!(s, "abc");
    /// ```
    #[track_caller]
    pub fn push_str(&mut self, s: &str) {
        if self.try_push_str(s).is_err() {
            grow_panic(s.len());
        }
    }

    /// Appends a string slice, or says the arena has no room (the string is unchanged).
    ///
    /// # Errors
    ///
    /// As [`try_reserve`](Self::try_reserve).
    ///
    /// # Examples
    ///
    /// ```
    /// let arena = pool_core::Arena::new();
    /// let mut s = pool_core::arena::ArenaString::new_in(&arena);
    /// s.try_push_str("ok").unwrap();
    /// assert_eq!(s, "ok");
    /// ```
    pub fn try_push_str(
        &mut self,
        s: &str,
    ) -> Result<(), allocator_api2::collections::TryReserveError> {
        self.bytes.try_reserve(s.len())?;
        // No allocation: the room was reserved above.
        self.bytes.extend_from_slice(s.as_bytes());
        Ok(())
    }

    /// Appends a character.
    ///
    /// # Panics
    ///
    /// If the arena cannot provide the memory.
    ///
    /// # Examples
    ///
    /// ```
    /// let arena = pool_core::Arena::new();
    /// let mut s = pool_core::arena::ArenaString::new_in(&arena);
    /// s.push('ü');
    /// assert_eq!(s, "ü");
    /// ```
    #[track_caller]
    pub fn push(&mut self, c: char) {
        self.push_str(c.encode_utf8(&mut [0; 4]));
    }

    /// Removes the last character and returns it.
    ///
    /// # Examples
    ///
    /// ```
    /// let arena = pool_core::Arena::new();
    /// let mut s = pool_core::format_in!(&arena, "ab");
    /// assert_eq!(s.pop(), Some('b'));
    /// assert_eq!(s, "a");
    /// ```
    pub fn pop(&mut self) -> Option<char> {
        let c = self.as_str().chars().next_back()?;
        self.bytes.truncate(self.len() - c.len_utf8());
        Some(c)
    }

    /// Shortens the string to `new_len` bytes (no-op if already shorter).
    ///
    /// # Panics
    ///
    /// If `new_len` is not on a char boundary.
    ///
    /// # Examples
    ///
    /// ```
    /// let arena = pool_core::Arena::new();
    /// let mut s = pool_core::format_in!(&arena, "hello");
    /// s.truncate(2);
    /// assert_eq!(s, "he");
    /// ```
    #[track_caller]
    pub fn truncate(&mut self, new_len: usize) {
        if new_len < self.len() {
            assert!(
                self.as_str().is_char_boundary(new_len),
                "ArenaString::truncate: {new_len} is not a char boundary"
            );
            self.bytes.truncate(new_len);
        }
    }

    /// Empties the string, keeping its capacity.
    ///
    /// # Examples
    ///
    /// ```
    /// let arena = pool_core::Arena::new();
    /// let mut s = pool_core::format_in!(&arena, "x");
    /// s.clear();
    /// assert!(s.is_empty());
    /// ```
    pub fn clear(&mut self) {
        self.bytes.clear();
    }

    /// Turns the string into a `&mut str` that lives as long as the arena borrow.
    ///
    /// # Examples
    ///
    /// ```
    /// let arena = pool_core::Arena::new();
    /// let s: &mut str = pool_core::format_in!(&arena, "{}-{}", 1, 2).into_str();
    /// assert_eq!(s, "1-2");
    /// ```
    pub fn into_str(self) -> &'s mut str {
        let bytes: &'s mut [u8] = self.bytes.leak();
        // SAFETY: the bytes are valid UTF-8 (see `as_str`).
        unsafe { core::str::from_utf8_unchecked_mut(bytes) }
    }

    /// Turns the string into an `ArenaBox<str>`.
    ///
    /// # Examples
    ///
    /// ```
    /// let arena = pool_core::Arena::new();
    /// let b = pool_core::format_in!(&arena, "boxed").into_boxed_str();
    /// assert_eq!(&*b, "boxed");
    /// ```
    pub fn into_boxed_str(self) -> ArenaBox<'s, str> {
        let s = self.into_str();
        // SAFETY: `s` is initialised UTF-8 in the arena, owned by nothing else now that the
        // string is consumed; `str` has no drop glue.
        unsafe { ArenaBox::from_non_null(NonNull::from(s)) }
    }
}

#[cold]
#[inline(never)]
#[track_caller]
fn grow_panic(additional: usize) -> ! {
    panic!("ArenaString: the arena has no room for {additional} more bytes")
}

impl Deref for ArenaString<'_, '_> {
    type Target = str;
    #[inline]
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl DerefMut for ArenaString<'_, '_> {
    #[inline]
    fn deref_mut(&mut self) -> &mut str {
        self.as_mut_str()
    }
}

impl AsRef<str> for ArenaString<'_, '_> {
    fn as_ref(&self) -> &str {
        self
    }
}

impl core::borrow::Borrow<str> for ArenaString<'_, '_> {
    fn borrow(&self) -> &str {
        self
    }
}

impl fmt::Write for ArenaString<'_, '_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        // Out of room is an error here (not a panic): `write!` callers see it.
        self.try_push_str(s).map_err(|_| fmt::Error)
    }
}

impl fmt::Display for ArenaString<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.as_str(), f)
    }
}

impl fmt::Debug for ArenaString<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl Clone for ArenaString<'_, '_> {
    fn clone(&self) -> Self {
        ArenaString {
            bytes: self.bytes.clone(),
        }
    }
}

impl PartialEq for ArenaString<'_, '_> {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for ArenaString<'_, '_> {}

impl PartialEq<str> for ArenaString<'_, '_> {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for ArenaString<'_, '_> {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl core::hash::Hash for ArenaString<'_, '_> {
    fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl<'c> Extend<&'c str> for ArenaString<'_, '_> {
    fn extend<I: IntoIterator<Item = &'c str>>(&mut self, iter: I) {
        iter.into_iter().for_each(|s| self.push_str(s));
    }
}

impl Extend<char> for ArenaString<'_, '_> {
    fn extend<I: IntoIterator<Item = char>>(&mut self, iter: I) {
        iter.into_iter().for_each(|c| self.push(c));
    }
}

/// Formats into an [`ArenaString`] in the given arena, like `format!` does into a
/// `String`.
///
/// # Panics
///
/// If the arena has no room for the text, or a `Display` impl returns an error.
///
/// # Examples
///
/// ```
/// let arena = pool_core::Arena::new();
/// let label = pool_core::format_in!(&arena, "unit {} at ({}, {})", 7, 1.5, -2);
/// assert_eq!(label, "unit 7 at (1.5, -2)");
/// ```
#[macro_export]
macro_rules! format_in {
    ($arena:expr, $($arg:tt)*) => {{
        let mut s = $crate::arena::ArenaString::new_in($arena);
        if ::core::fmt::Write::write_fmt(&mut s, ::core::format_args!($($arg)*)).is_err() {
            ::core::panic!("format_in!: the arena has no room for the text, or a Display impl failed");
        }
        s
    }};
}

/// A collection that can be built in an arena from an iterator; see
/// [`CollectIn::collect_in`].
///
/// # Examples
///
/// ```
/// use pool_core::arena::{Arena, ArenaString, FromIteratorIn};
/// let arena = Arena::new();
/// let s = ArenaString::from_iter_in(['o', 'k'], &arena);
/// assert_eq!(s, "ok");
/// ```
pub trait FromIteratorIn<'s, 'a, A>: Sized {
    /// Builds the collection from `iter` in `arena`.
    ///
    /// # Panics
    ///
    /// If the arena cannot provide the memory, or the iterator panics.
    fn from_iter_in<I: IntoIterator<Item = A>>(iter: I, arena: &'s Arena<'a>) -> Self;
}

impl<'s, 'a, T> FromIteratorIn<'s, 'a, T> for Vec<T, &'s Arena<'a>> {
    fn from_iter_in<I: IntoIterator<Item = T>>(iter: I, arena: &'s Arena<'a>) -> Self {
        let mut v = Vec::new_in(arena);
        v.extend(iter);
        v
    }
}

impl<'s, 'a> FromIteratorIn<'s, 'a, char> for ArenaString<'s, 'a> {
    fn from_iter_in<I: IntoIterator<Item = char>>(iter: I, arena: &'s Arena<'a>) -> Self {
        let mut s = ArenaString::new_in(arena);
        s.extend(iter);
        s
    }
}

impl<'s, 'a, 'c> FromIteratorIn<'s, 'a, &'c str> for ArenaString<'s, 'a> {
    fn from_iter_in<I: IntoIterator<Item = &'c str>>(iter: I, arena: &'s Arena<'a>) -> Self {
        let mut s = ArenaString::new_in(arena);
        s.extend(iter);
        s
    }
}

impl<'s, 'a, T> FromIteratorIn<'s, 'a, T> for ArenaBox<'s, [T]> {
    fn from_iter_in<I: IntoIterator<Item = T>>(iter: I, arena: &'s Arena<'a>) -> Self {
        let v: Vec<T, &'s Arena<'a>> = Vec::from_iter_in(iter, arena);
        let (ptr, len, _, _) = v.into_raw_parts_with_alloc();
        let slice = core::ptr::slice_from_raw_parts_mut(ptr, len);
        // SAFETY: the vector's `len` initialised elements live in the arena (its
        // allocator), owned by nothing else now that the vector is taken apart; the box
        // drops them, and the spare capacity stays in the arena until reset. A vector's
        // pointer is never null (dangling when empty).
        unsafe { ArenaBox::from_non_null(NonNull::new_unchecked(slice)) }
    }
}

/// `collect` into an arena: `iter.collect_in::<C>(&arena)` for any `C` that is
/// [`FromIteratorIn`] (an arena `Vec`, [`ArenaString`], `ArenaBox<[T]>`).
///
/// # Examples
///
/// ```
/// use allocator_api2::vec::Vec;
/// use pool_core::arena::{Arena, ArenaBox, ArenaString, CollectIn};
/// let arena = Arena::new();
/// let evens: Vec<u32, &Arena> = (0..10).filter(|i| i % 2 == 0).collect_in(&arena);
/// assert_eq!(evens, [0, 2, 4, 6, 8]);
/// let s: ArenaString = ["a", "b"].into_iter().collect_in(&arena);
/// assert_eq!(s, "ab");
/// let names: ArenaBox<[String]> = (0..2).map(|i| i.to_string()).collect_in(&arena);
/// assert_eq!(names[1], "1");
/// ```
pub trait CollectIn: Iterator + Sized {
    /// Collects the iterator into a `C` in `arena`.
    ///
    /// # Panics
    ///
    /// If the arena cannot provide the memory, or the iterator panics.
    fn collect_in<'s, 'a, C: FromIteratorIn<'s, 'a, Self::Item>>(self, arena: &'s Arena<'a>) -> C {
        C::from_iter_in(self, arena)
    }
}

impl<I: Iterator> CollectIn for I {}
