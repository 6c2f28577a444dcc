//! Filling arena memory: fallible initialisers (`alloc_try_with`, `alloc_slice_try_fill_with`),
//! slices filled by copy, clone, `Default` or an iterator, and owned slices and strings
//! (`ArenaBox<[T]>`, `ArenaBox<str>`).
//!
//! Every initialiser runs user code into a fresh block: if it fails or panics, the values
//! already written are dropped (for types with drop glue) and the block is given back when
//! it is still the newest one, so the arena is as it was.

use core::fmt;
use core::mem;
use core::ptr::{self, NonNull};

use super::typed::GiveBack;
use super::{alloc_panic, AllocError, Arena, ArenaBox};

/// Why [`Arena::try_alloc_try_with`] (and friends) allocated nothing: no memory, or the
/// initialiser failed. Either way the arena is as it was.
///
/// # Examples
///
/// ```
/// use pool_core::arena::{AllocOrInitError, Arena};
/// let arena = Arena::new();
/// let r = arena.try_alloc_try_with(|| "x".parse::<u32>());
/// assert!(matches!(r, Err(AllocOrInitError::Init(_))));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AllocOrInitError<E> {
    /// The arena could not provide the memory; the initialiser was not called.
    Alloc(AllocError),
    /// The initialiser returned this error.
    Init(E),
}

impl<E: fmt::Display> fmt::Display for AllocOrInitError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AllocOrInitError::Alloc(e) => write!(f, "arena allocation failed: {e}"),
            AllocOrInitError::Init(e) => write!(f, "initialiser failed: {e}"),
        }
    }
}

#[cfg(feature = "std")]
impl<E: std::error::Error + 'static> std::error::Error for AllocOrInitError<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            AllocOrInitError::Alloc(e) => Some(e),
            AllocOrInitError::Init(e) => Some(e),
        }
    }
}

/// A block being filled front to back: on drop (a panic or an early return), drops the
/// `done` values written so far and gives the block back if it is still the newest.
struct Filling<'s, 'a, T> {
    start: NonNull<T>,
    done: usize,
    give_back: Option<GiveBack<'s, 'a>>,
}

impl<'s, 'a, T> Filling<'s, 'a, T> {
    fn new(arena: &'s Arena<'a>, start: NonNull<T>, len: usize) -> Self {
        Filling {
            start,
            done: 0,
            give_back: Some(GiveBack::new(
                arena,
                start.cast(),
                len * mem::size_of::<T>(),
            )),
        }
    }

    /// Writes the next value.
    ///
    /// # Safety
    ///
    /// - Fewer than the block's `len` values were written so far.
    #[inline]
    unsafe fn push(&mut self, value: T) {
        // SAFETY: `done < len` (caller), inside the fresh block.
        unsafe { self.start.as_ptr().add(self.done).write(value) };
        self.done += 1;
    }

    /// The block is full: keep it, as a slice.
    fn finish(mut self) -> NonNull<[T]> {
        let slice = NonNull::slice_from_raw_parts(self.start, self.done);
        if let Some(g) = self.give_back.take() {
            g.disarm();
        }
        mem::forget(self);
        slice
    }
}

impl<T> Drop for Filling<'_, '_, T> {
    fn drop(&mut self) {
        // SAFETY: the first `done` values were written and are owned here only; the
        // memory is given back (by `give_back`, dropped after this) only once they are.
        unsafe {
            ptr::drop_in_place(ptr::slice_from_raw_parts_mut(
                self.start.as_ptr(),
                self.done,
            ))
        };
    }
}

impl Arena<'_> {
    /// Allocates the value `f` builds, when `f` may fail: on `Err` the block is given back
    /// (if still the newest) and the error returned.
    ///
    /// # Errors
    ///
    /// `f`'s error.
    ///
    /// # Panics
    ///
    /// If the arena cannot provide the memory (see
    /// [`try_alloc_try_with`](Self::try_alloc_try_with)), or if `f` panics.
    ///
    /// # Examples
    ///
    /// ```
    /// let arena = pool_core::Arena::new();
    /// let n: &mut u32 = arena.alloc_try_with(|| "42".parse()).unwrap();
    /// assert_eq!(*n, 42);
    /// assert!(arena.alloc_try_with(|| "x".parse::<u32>()).is_err());
    /// ```
    #[track_caller]
    pub fn alloc_try_with<T, E, F>(&self, f: F) -> Result<&mut T, E>
    where
        F: FnOnce() -> Result<T, E>,
    {
        match self.try_alloc_try_with(f) {
            Ok(v) => Ok(v),
            Err(AllocOrInitError::Init(e)) => Err(e),
            Err(AllocOrInitError::Alloc(e)) => alloc_panic(e),
        }
    }

    /// Like [`alloc_try_with`](Self::alloc_try_with), but reports a lack of memory too;
    /// `f` is not called then.
    ///
    /// # Errors
    ///
    /// [`AllocOrInitError::Alloc`] as [`try_alloc_layout`](Self::try_alloc_layout), or
    /// [`AllocOrInitError::Init`] with `f`'s error.
    ///
    /// # Examples
    ///
    /// ```
    /// use pool_core::arena::{AllocError, AllocOrInitError, Arena};
    /// let arena = Arena::with_limit(0);
    /// let r = arena.try_alloc_try_with(|| Ok::<u8, ()>(1));
    /// assert_eq!(r.unwrap_err(), AllocOrInitError::Alloc(AllocError::Exhausted));
    /// ```
    #[cfg_attr(feature = "debug", track_caller)]
    pub fn try_alloc_try_with<T, E, F>(&self, f: F) -> Result<&mut T, AllocOrInitError<E>>
    where
        F: FnOnce() -> Result<T, E>,
    {
        const {
            assert!(!mem::needs_drop::<T>(), "this type needs Drop: use `Arena::alloc_box` (dropped at the end of its scope) or `Arena::alloc_with_drop` (T: Send + 'static, dropped at reset)")
        };
        let p = self
            .try_alloc_layout(core::alloc::Layout::new::<T>())
            .map_err(AllocOrInitError::Alloc)?
            .cast::<T>();
        let unwind = GiveBack::new(self, p.cast(), mem::size_of::<T>());
        // On `Err` or a panic, `unwind` gives the untouched block back.
        let value = f().map_err(AllocOrInitError::Init)?;
        unwind.disarm();
        // SAFETY: `p` is a fresh, aligned block for a `T` that nothing else references.
        unsafe {
            p.as_ptr().write(value);
            Ok(&mut *p.as_ptr())
        }
    }

    /// Allocates `len` values made by `f(index)`, stopping at the first error (the values
    /// made so far are dropped with it, and the block given back).
    ///
    /// # Errors
    ///
    /// `f`'s first error.
    ///
    /// # Panics
    ///
    /// If the arena cannot provide the memory, or if `f` panics.
    ///
    /// # Examples
    ///
    /// ```
    /// let arena = pool_core::Arena::new();
    /// let words = ["1", "2", "3"];
    /// let nums = arena.alloc_slice_try_fill_with(3, |i| words[i].parse::<u8>()).unwrap();
    /// assert_eq!(nums, [1, 2, 3]);
    /// assert!(arena.alloc_slice_try_fill_with(2, |i| ["4", "x"][i].parse::<u8>()).is_err());
    /// ```
    #[track_caller]
    pub fn alloc_slice_try_fill_with<T, E, F>(&self, len: usize, f: F) -> Result<&mut [T], E>
    where
        F: FnMut(usize) -> Result<T, E>,
    {
        match self.try_alloc_slice_try_fill_with(len, f) {
            Ok(v) => Ok(v),
            Err(AllocOrInitError::Init(e)) => Err(e),
            Err(AllocOrInitError::Alloc(e)) => alloc_panic(e),
        }
    }

    /// Like [`alloc_slice_try_fill_with`](Self::alloc_slice_try_fill_with), but reports a
    /// lack of memory too; `f` is not called then.
    ///
    /// # Errors
    ///
    /// [`AllocOrInitError::Alloc`] (including [`AllocError::LayoutOverflow`] for a `len`
    /// past `isize::MAX` bytes), or [`AllocOrInitError::Init`] with `f`'s first error.
    ///
    /// # Examples
    ///
    /// ```
    /// use pool_core::arena::{AllocError, AllocOrInitError, Arena};
    /// let arena = Arena::new();
    /// let r = arena.try_alloc_slice_try_fill_with(usize::MAX, |_| Ok::<u64, ()>(0));
    /// assert_eq!(r.unwrap_err(), AllocOrInitError::Alloc(AllocError::LayoutOverflow));
    /// ```
    #[cfg_attr(feature = "debug", track_caller)]
    pub fn try_alloc_slice_try_fill_with<T, E, F>(
        &self,
        len: usize,
        mut f: F,
    ) -> Result<&mut [T], AllocOrInitError<E>>
    where
        F: FnMut(usize) -> Result<T, E>,
    {
        const {
            assert!(
                !mem::needs_drop::<T>(),
                "this type needs Drop: use `Arena::alloc_box_slice_fill_with`"
            )
        };
        let p = self
            .alloc_array::<T>(len)
            .map_err(AllocOrInitError::Alloc)?;
        let mut filling = Filling::new(self, p, len);
        for i in 0..len {
            let value = f(i).map_err(AllocOrInitError::Init)?;
            // SAFETY: `i < len` values were written so far.
            unsafe { filling.push(value) };
        }
        // SAFETY: all `len` values are written; the block is the arena's to lend for the
        // borrow of `self`.
        Ok(unsafe { &mut *filling.finish().as_ptr() })
    }

    /// Allocates `len` copies of `value`.
    ///
    /// # Panics
    ///
    /// If the arena cannot provide the memory.
    ///
    /// # Examples
    ///
    /// ```
    /// let arena = pool_core::Arena::new();
    /// assert_eq!(arena.alloc_slice_fill_copy(3, 7u8), [7, 7, 7]);
    /// ```
    #[track_caller]
    pub fn alloc_slice_fill_copy<T: Copy>(&self, len: usize, value: T) -> &mut [T] {
        self.alloc_slice_fill_with(len, |_| value)
    }

    /// Allocates `len` clones of `value`.
    ///
    /// # Panics
    ///
    /// If the arena cannot provide the memory, or if `T::clone` panics (the arena stays
    /// usable).
    ///
    /// # Examples
    ///
    /// ```
    /// let arena = pool_core::Arena::new();
    /// let v = arena.alloc_slice_fill_clone(2, &[1u8, 2]);
    /// assert_eq!(v, [[1, 2], [1, 2]]);
    /// ```
    #[track_caller]
    pub fn alloc_slice_fill_clone<T: Clone>(&self, len: usize, value: &T) -> &mut [T] {
        self.alloc_slice_fill_with(len, |_| value.clone())
    }

    /// Allocates `len` default values.
    ///
    /// # Panics
    ///
    /// If the arena cannot provide the memory, or if `T::default` panics.
    ///
    /// # Examples
    ///
    /// ```
    /// let arena = pool_core::Arena::new();
    /// assert_eq!(arena.alloc_slice_fill_default::<u16>(2), [0, 0]);
    /// ```
    #[track_caller]
    pub fn alloc_slice_fill_default<T: Default>(&self, len: usize) -> &mut [T] {
        self.alloc_slice_fill_with(len, |_| T::default())
    }

    /// Allocates the values of an iterator whose length is known up front.
    ///
    /// # Panics
    ///
    /// If the arena cannot provide the memory, if the iterator panics, or if it yields
    /// fewer values than its `len()` said (a broken `ExactSizeIterator`); extra values are
    /// ignored.
    ///
    /// # Examples
    ///
    /// ```
    /// let arena = pool_core::Arena::new();
    /// let v = arena.alloc_slice_fill_iter((1..5).map(|i| i * 10));
    /// assert_eq!(v, [10, 20, 30, 40]);
    /// ```
    #[track_caller]
    pub fn alloc_slice_fill_iter<T, I>(&self, iter: I) -> &mut [T]
    where
        I: IntoIterator<Item = T>,
        I::IntoIter: ExactSizeIterator,
    {
        let mut iter = iter.into_iter();
        let len = iter.len();
        self.alloc_slice_fill_with(len, |_| match iter.next() {
            Some(v) => v,
            None => panic!("Arena::alloc_slice_fill_iter: the iterator yielded fewer than the {len} values its len() promised"),
        })
    }

    /// Moves `len` values made by `f(index)` into the arena behind an owning
    /// `ArenaBox<[T]>` that drops them with itself. Works for every `T`.
    ///
    /// # Panics
    ///
    /// If the arena cannot provide the memory, or if `f` panics (the values made so far
    /// are dropped and the block given back).
    ///
    /// # Examples
    ///
    /// ```
    /// let arena = pool_core::Arena::new();
    /// let names = arena.alloc_box_slice_fill_with(3, |i| format!("n{i}"));
    /// assert_eq!(names.concat(), "n0n1n2");
    /// ```
    #[track_caller]
    pub fn alloc_box_slice_fill_with<T, F>(&self, len: usize, f: F) -> ArenaBox<'_, [T]>
    where
        F: FnMut(usize) -> T,
    {
        match self.try_alloc_box_slice_fill_with(len, f) {
            Ok(b) => b,
            Err(e) => alloc_panic(e),
        }
    }

    /// Like [`alloc_box_slice_fill_with`](Self::alloc_box_slice_fill_with), but reports a
    /// lack of memory; `f` is not called then.
    ///
    /// # Errors
    ///
    /// As [`try_alloc_layout`](Self::try_alloc_layout), and
    /// [`AllocError::LayoutOverflow`] for a `len` past `isize::MAX` bytes.
    ///
    /// # Examples
    ///
    /// ```
    /// let arena = pool_core::Arena::with_limit(0);
    /// assert!(arena.try_alloc_box_slice_fill_with(4, |_| String::new()).is_err());
    /// ```
    #[cfg_attr(feature = "debug", track_caller)]
    pub fn try_alloc_box_slice_fill_with<T, F>(
        &self,
        len: usize,
        mut f: F,
    ) -> Result<ArenaBox<'_, [T]>, AllocError>
    where
        F: FnMut(usize) -> T,
    {
        let p = self.alloc_array::<T>(len)?;
        let mut filling = Filling::new(self, p, len);
        for i in 0..len {
            let value = f(i);
            // SAFETY: `i < len` values were written so far.
            unsafe { filling.push(value) };
        }
        // SAFETY: all `len` values are written, owned by nothing else; the box owns them
        // for the borrow of the arena.
        Ok(unsafe { ArenaBox::from_non_null(filling.finish()) })
    }

    /// Clones a slice into the arena behind an owning `ArenaBox<[T]>`.
    ///
    /// # Panics
    ///
    /// If the arena cannot provide the memory, or if `T::clone` panics.
    ///
    /// # Examples
    ///
    /// ```
    /// let arena = pool_core::Arena::new();
    /// let b = arena.alloc_box_slice_clone(&[String::from("a"), String::from("b")]);
    /// assert_eq!(b.len(), 2);
    /// ```
    #[track_caller]
    pub fn alloc_box_slice_clone<T: Clone>(&self, src: &[T]) -> ArenaBox<'_, [T]> {
        self.alloc_box_slice_fill_with(src.len(), |i| src[i].clone())
    }

    /// Copies a string into the arena behind an owning `ArenaBox<str>`.
    ///
    /// # Panics
    ///
    /// If the arena cannot provide the memory.
    ///
    /// # Examples
    ///
    /// ```
    /// let arena = pool_core::Arena::new();
    /// let s = arena.alloc_box_str("hello");
    /// assert_eq!(&*s, "hello");
    /// ```
    #[track_caller]
    pub fn alloc_box_str(&self, s: &str) -> ArenaBox<'_, str> {
        let bytes = self.alloc_slice_copy(s.as_bytes());
        let p = NonNull::from(bytes);
        // SAFETY: the bytes were copied from a `str`, so they are UTF-8; `str` has the
        // layout of `[u8]`; `u8` has no drop glue, so the box owning them is sound.
        unsafe { ArenaBox::from_non_null(NonNull::new_unchecked(p.as_ptr() as *mut str)) }
    }
}
