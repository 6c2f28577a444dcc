//! Typed allocation: values, slices and strings of types without drop glue.

use core::alloc::Layout;
use core::mem;
use core::ptr::{self, NonNull};

use super::{alloc_panic, AllocError, Arena};

impl Arena<'_> {
    /// Moves `value` into the arena. Only for types without drop glue (checked at compile
    /// time); see [`alloc_box`](Self::alloc_box) and
    /// [`alloc_with_drop`](Self::alloc_with_drop) for the others.
    ///
    /// # Panics
    ///
    /// On any error of [`try_alloc`](Self::try_alloc).
    ///
    /// # Examples
    ///
    /// ```
    /// let arena = pool_core::Arena::new();
    /// let p = arena.alloc((1.0f32, 2.0f32));
    /// p.0 += 1.0;
    /// assert_eq!(*p, (2.0, 2.0));
    /// ```
    #[inline(always)]
    #[track_caller]
    pub fn alloc<T>(&self, value: T) -> &mut T {
        self.alloc_with(|| value)
    }

    /// Moves `value` into the arena, or hands back why not (the value is dropped).
    ///
    /// # Errors
    ///
    /// As [`try_alloc_layout`](Self::try_alloc_layout).
    ///
    /// # Examples
    ///
    /// ```
    /// let arena = pool_core::Arena::with_limit(0);
    /// assert!(arena.try_alloc(1u8).is_err());
    /// ```
    #[inline(always)]
    #[cfg_attr(feature = "debug", track_caller)]
    pub fn try_alloc<T>(&self, value: T) -> Result<&mut T, AllocError> {
        self.try_alloc_with(|| value)
    }

    /// Builds the value in place: `f` runs after the memory is reserved and its result is
    /// written straight into it (no stack copy of a large `T` in optimised builds). If `f`
    /// panics, the arena is still usable and nothing is leaked.
    ///
    /// # Panics
    ///
    /// On any error of [`try_alloc`](Self::try_alloc), or if `f` panics.
    ///
    /// # Examples
    ///
    /// ```
    /// let arena = pool_core::Arena::new();
    /// let big = arena.alloc_with(|| [7u8; 4096]);
    /// assert_eq!(big[4095], 7);
    /// ```
    #[inline(always)]
    #[track_caller]
    pub fn alloc_with<T, F: FnOnce() -> T>(&self, f: F) -> &mut T {
        const {
            assert!(!mem::needs_drop::<T>(), "this type needs Drop: use `Arena::alloc_box` (dropped at the end of its scope) or `Arena::alloc_with_drop` (T: Send + 'static, dropped at reset)")
        };
        let p = self.alloc_layout(Layout::new::<T>()).cast::<T>();
        let unwind = GiveBack::new(self, p.cast(), mem::size_of::<T>());
        // SAFETY: `p` is a fresh, aligned block of `size_of::<T>()` bytes that nothing else
        // references; if `f` panics nothing was written, nothing needs dropping, and
        // `unwind` gives the bytes back if the block is still the newest.
        unsafe {
            p.as_ptr().write(f());
            unwind.disarm();
            &mut *p.as_ptr()
        }
    }

    /// Like [`alloc_with`](Self::alloc_with), but reports errors; `f` is not called then.
    ///
    /// # Errors
    ///
    /// As [`try_alloc_layout`](Self::try_alloc_layout).
    ///
    /// # Examples
    ///
    /// ```
    /// use core::mem::MaybeUninit;
    /// let mut buf = [MaybeUninit::uninit(); 8];
    /// let arena = pool_core::Arena::from_buffer(&mut buf);
    /// assert!(arena.try_alloc_with(|| [0u8; 64]).is_err());
    /// ```
    #[inline(always)]
    #[cfg_attr(feature = "debug", track_caller)]
    pub fn try_alloc_with<T, F: FnOnce() -> T>(&self, f: F) -> Result<&mut T, AllocError> {
        const {
            assert!(!mem::needs_drop::<T>(), "this type needs Drop: use `Arena::alloc_box` (dropped at the end of its scope) or `Arena::alloc_with_drop` (T: Send + 'static, dropped at reset)")
        };
        let p = self.try_alloc_layout(Layout::new::<T>())?.cast::<T>();
        let unwind = GiveBack::new(self, p.cast(), mem::size_of::<T>());
        // SAFETY: as in `alloc_with`.
        unsafe {
            p.as_ptr().write(f());
            unwind.disarm();
            Ok(&mut *p.as_ptr())
        }
    }

    /// Copies a slice into the arena.
    ///
    /// # Panics
    ///
    /// On any error of [`try_alloc_slice_copy`](Self::try_alloc_slice_copy).
    ///
    /// # Examples
    ///
    /// ```
    /// let arena = pool_core::Arena::new();
    /// let s = arena.alloc_slice_copy(&[1, 2, 3]);
    /// s[0] = 9;
    /// assert_eq!(s, [9, 2, 3]);
    /// ```
    #[inline]
    #[track_caller]
    pub fn alloc_slice_copy<T: Copy>(&self, src: &[T]) -> &mut [T] {
        match self.try_alloc_slice_copy(src) {
            Ok(r) => r,
            Err(e) => alloc_panic(e),
        }
    }

    /// Copies a slice into the arena, or says why not.
    ///
    /// # Errors
    ///
    /// As [`try_alloc_layout`](Self::try_alloc_layout).
    ///
    /// # Examples
    ///
    /// ```
    /// let arena = pool_core::Arena::with_limit(0);
    /// assert!(arena.try_alloc_slice_copy(&[1u8]).is_err());
    /// ```
    #[inline]
    #[cfg_attr(feature = "debug", track_caller)]
    pub fn try_alloc_slice_copy<T: Copy>(&self, src: &[T]) -> Result<&mut [T], AllocError> {
        let p = self.alloc_array::<T>(src.len())?;
        // SAFETY: `p` is a fresh block for `src.len()` `T`s; `T: Copy`, so a bitwise copy
        // is a valid copy; the regions cannot overlap (the block is new).
        unsafe {
            ptr::copy_nonoverlapping(src.as_ptr(), p.as_ptr(), src.len());
            Ok(core::slice::from_raw_parts_mut(p.as_ptr(), src.len()))
        }
    }

    /// Clones a slice into the arena (types without drop glue only).
    ///
    /// # Panics
    ///
    /// On any error of [`try_alloc_slice_clone`](Self::try_alloc_slice_clone), or if a
    /// `clone` panics (the arena stays usable).
    ///
    /// # Examples
    ///
    /// ```
    /// let arena = pool_core::Arena::new();
    /// let s = arena.alloc_slice_clone(&[(1, 'a'), (2, 'b')]);
    /// assert_eq!(s[1], (2, 'b'));
    /// ```
    #[inline]
    #[track_caller]
    pub fn alloc_slice_clone<T: Clone>(&self, src: &[T]) -> &mut [T] {
        match self.try_alloc_slice_clone(src) {
            Ok(r) => r,
            Err(e) => alloc_panic(e),
        }
    }

    /// Clones a slice into the arena, or says why not.
    ///
    /// # Errors
    ///
    /// As [`try_alloc_layout`](Self::try_alloc_layout).
    ///
    /// # Examples
    ///
    /// ```
    /// let arena = pool_core::Arena::with_limit(0);
    /// assert!(arena.try_alloc_slice_clone(&[1u8]).is_err());
    /// ```
    #[inline]
    #[cfg_attr(feature = "debug", track_caller)]
    pub fn try_alloc_slice_clone<T: Clone>(&self, src: &[T]) -> Result<&mut [T], AllocError> {
        self.try_alloc_slice_fill_with(src.len(), |i| src[i].clone())
    }

    /// Allocates `len` values made by `f(index)` (types without drop glue only).
    ///
    /// # Panics
    ///
    /// On any error of [`try_alloc_slice_fill_with`](Self::try_alloc_slice_fill_with), or
    /// if `f` panics (the arena stays usable).
    ///
    /// # Examples
    ///
    /// ```
    /// let arena = pool_core::Arena::new();
    /// let squares = arena.alloc_slice_fill_with(4, |i| i * i);
    /// assert_eq!(squares, [0, 1, 4, 9]);
    /// ```
    #[inline]
    #[track_caller]
    pub fn alloc_slice_fill_with<T, F: FnMut(usize) -> T>(&self, len: usize, f: F) -> &mut [T] {
        match self.try_alloc_slice_fill_with(len, f) {
            Ok(r) => r,
            Err(e) => alloc_panic(e),
        }
    }

    /// Allocates `len` values made by `f(index)`, or says why not; `f` is not called then.
    ///
    /// # Errors
    ///
    /// As [`try_alloc_layout`](Self::try_alloc_layout), and [`AllocError::LayoutOverflow`]
    /// if `len` values do not fit in `isize::MAX` bytes.
    ///
    /// # Examples
    ///
    /// ```
    /// use pool_core::arena::{AllocError, Arena};
    /// let arena = Arena::new();
    /// assert_eq!(
    ///     arena.try_alloc_slice_fill_with(usize::MAX, |_| 0u64).unwrap_err(),
    ///     AllocError::LayoutOverflow
    /// );
    /// ```
    #[cfg_attr(feature = "debug", track_caller)]
    pub fn try_alloc_slice_fill_with<T, F: FnMut(usize) -> T>(
        &self,
        len: usize,
        mut f: F,
    ) -> Result<&mut [T], AllocError> {
        const {
            assert!(!mem::needs_drop::<T>(), "this type needs Drop: use `Arena::alloc_box` or `Arena::alloc_with_drop` per element")
        };
        let p = self.alloc_array::<T>(len)?;
        // `alloc_array` checked that `len` elements fit in `isize::MAX` bytes.
        let unwind = GiveBack::new(self, p.cast(), len * mem::size_of::<T>());
        for i in 0..len {
            // SAFETY: `i < len`, inside the fresh block. If `f` panics, the elements
            // written so far have no drop glue, so nothing is leaked or dropped twice, and
            // `unwind` gives the block back if it is still the newest.
            unsafe { p.as_ptr().add(i).write(f(i)) };
        }
        unwind.disarm();
        // SAFETY: all `len` elements were initialised above.
        Ok(unsafe { core::slice::from_raw_parts_mut(p.as_ptr(), len) })
    }

    /// Copies a string into the arena.
    ///
    /// # Panics
    ///
    /// On any error of [`try_alloc_str`](Self::try_alloc_str).
    ///
    /// # Examples
    ///
    /// ```
    /// let arena = pool_core::Arena::new();
    /// let s = arena.alloc_str("frame 7");
    /// s.make_ascii_uppercase();
    /// assert_eq!(s, "FRAME 7");
    /// ```
    #[inline]
    #[track_caller]
    pub fn alloc_str(&self, s: &str) -> &mut str {
        match self.try_alloc_str(s) {
            Ok(r) => r,
            Err(e) => alloc_panic(e),
        }
    }

    /// Copies a string into the arena, or says why not.
    ///
    /// # Errors
    ///
    /// As [`try_alloc_layout`](Self::try_alloc_layout).
    ///
    /// # Examples
    ///
    /// ```
    /// let arena = pool_core::Arena::with_limit(0);
    /// assert!(arena.try_alloc_str("x").is_err());
    /// ```
    #[inline]
    #[cfg_attr(feature = "debug", track_caller)]
    pub fn try_alloc_str(&self, s: &str) -> Result<&mut str, AllocError> {
        let bytes = self.try_alloc_slice_copy(s.as_bytes())?;
        // SAFETY: the bytes were copied from a `str`, so they are valid UTF-8.
        Ok(unsafe { core::str::from_utf8_unchecked_mut(bytes) })
    }

    /// A block for `len` `T`s.
    #[inline]
    #[cfg_attr(feature = "debug", track_caller)]
    pub(super) fn alloc_array<T>(&self, len: usize) -> Result<NonNull<T>, AllocError> {
        let layout = Layout::array::<T>(len).map_err(|_| AllocError::LayoutOverflow)?;
        Ok(self.try_alloc_layout(layout)?.cast())
    }
}

/// Gives a fresh block back to the arena if the closure filling it panics (and the block
/// is still the newest one, so nothing allocated after it is cut).
pub(super) struct GiveBack<'s, 'a> {
    arena: &'s Arena<'a>,
    ptr: NonNull<u8>,
    size: usize,
}

impl<'s, 'a> GiveBack<'s, 'a> {
    #[inline(always)]
    pub(super) fn new(arena: &'s Arena<'a>, ptr: NonNull<u8>, size: usize) -> Self {
        GiveBack { arena, ptr, size }
    }

    /// The block was filled: keep it.
    #[inline(always)]
    pub(super) fn disarm(self) {
        mem::forget(self);
    }
}

impl Drop for GiveBack<'_, '_> {
    #[cold]
    fn drop(&mut self) {
        self.arena.give_back(self.ptr, self.size);
    }
}
