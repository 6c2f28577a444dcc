//! [`ArenaBox`]: an owning pointer into an arena that drops its value at end of scope,
//! for sized values, slices (`ArenaBox<[T]>`) and strings (`ArenaBox<str>`).

use core::fmt;
use core::marker::PhantomData;
use core::mem::{self, ManuallyDrop};
use core::ops::{Deref, DerefMut};
use core::ptr::NonNull;

/// Owns a value in an [`Arena`](super::Arena): derefs to it and drops it when the box is
/// dropped; the memory itself is reclaimed at the arena's next reset. The box borrows the
/// arena, so it cannot outlive it or survive a reset.
///
/// `T` may be unsized: [`Arena::alloc_box_slice_fill_with`](super::Arena::alloc_box_slice_fill_with),
/// [`Arena::alloc_box_slice_clone`](super::Arena::alloc_box_slice_clone) and
/// [`Arena::alloc_box_str`](super::Arena::alloc_box_str) make `ArenaBox<[T]>` and
/// `ArenaBox<str>`. Leaking the box (`mem::forget`) leaks the value, as with `Box`.
///
/// # Examples
///
/// ```
/// let arena = pool_core::Arena::new();
/// let mut b = arena.alloc_box(vec![1, 2]);
/// b.push(3);
/// assert_eq!(*b, [1, 2, 3]);
/// let v: Vec<i32> = pool_core::arena::ArenaBox::into_inner(b);
/// assert_eq!(v.len(), 3);
///
/// let names = arena.alloc_box_slice_fill_with(2, |i| format!("unit {i}"));
/// assert_eq!(names[1], "unit 1");
/// ```
pub struct ArenaBox<'arena, T: ?Sized> {
    ptr: NonNull<T>,
    /// Borrows the arena.
    _arena: PhantomData<&'arena ()>,
    /// Owns a `T` (for drop check and auto traits).
    _owns: PhantomData<T>,
}

impl<'arena, T: ?Sized> ArenaBox<'arena, T> {
    /// # Safety
    ///
    /// - `ptr` points to an initialised `T` in an arena borrowed for `'arena`, owned by
    ///   nothing else.
    pub(super) unsafe fn from_non_null(ptr: NonNull<T>) -> Self {
        ArenaBox {
            ptr,
            _arena: PhantomData,
            _owns: PhantomData,
        }
    }

    /// Gives up ownership without dropping the value: the pointer it returns may be
    /// turned back into a box with [`from_raw`](ArenaBox::from_raw).
    ///
    /// # Examples
    ///
    /// ```
    /// use pool_core::arena::ArenaBox;
    /// let arena = pool_core::Arena::new();
    /// let raw = ArenaBox::into_raw(arena.alloc_box(String::from("kept")));
    /// // SAFETY: `raw` came from `into_raw` of a box of this arena, which is still
    /// // borrowed, and is turned back into a box once.
    /// let b = unsafe { ArenaBox::from_raw(raw) };
    /// assert_eq!(*b, "kept");
    /// ```
    pub fn into_raw(this: Self) -> NonNull<T> {
        ManuallyDrop::new(this).ptr
    }

    /// Takes ownership of a value given up by [`into_raw`](ArenaBox::into_raw).
    ///
    /// The safe way to keep a value past its box is [`leak`](ArenaBox::leak), or not to
    /// give the box up at all.
    ///
    /// # Safety
    ///
    /// - `raw` was returned by `ArenaBox::into_raw` of a box of an arena that is still
    ///   borrowed for `'arena` (not reset, moved or dropped since), and
    /// - no other box was made from it since (each pointer becomes a box once).
    ///
    /// # Examples
    ///
    /// ```
    /// use pool_core::arena::ArenaBox;
    /// let arena = pool_core::Arena::new();
    /// let raw = ArenaBox::into_raw(arena.alloc_box_str("owned"));
    /// // SAFETY: as the contract says: from `into_raw`, same live arena, once.
    /// let b: ArenaBox<'_, str> = unsafe { ArenaBox::from_raw(raw) };
    /// assert_eq!(&*b, "owned");
    /// ```
    pub unsafe fn from_raw(raw: NonNull<T>) -> Self {
        // SAFETY: the caller's contract is this constructor's.
        unsafe { Self::from_non_null(raw) }
    }

    /// Turns the box into a reference that lives as long as the arena borrow; the value
    /// is never dropped (the memory is reclaimed at the next reset).
    ///
    /// # Examples
    ///
    /// ```
    /// use pool_core::arena::ArenaBox;
    /// let arena = pool_core::Arena::new();
    /// let n: &mut [u32; 2] = ArenaBox::leak(arena.alloc_box([1, 2]));
    /// n[1] = 7;
    /// assert_eq!(*n, [1, 7]);
    /// // A value with its own heap memory would leak that memory: `leak` never drops.
    /// ```
    pub fn leak(this: Self) -> &'arena mut T {
        let ptr = Self::into_raw(this);
        // SAFETY: the box owned an initialised `T` valid for the arena borrow `'arena`;
        // ownership ends here without a drop, so the reference is unique.
        unsafe { &mut *ptr.as_ptr() }
    }
}

impl<T> ArenaBox<'_, T> {
    /// Moves the value out (the memory stays in the arena until reset).
    ///
    /// # Examples
    ///
    /// ```
    /// use pool_core::arena::ArenaBox;
    /// let arena = pool_core::Arena::new();
    /// let b = arena.alloc_box(String::from("x"));
    /// assert_eq!(ArenaBox::into_inner(b), "x");
    /// ```
    pub fn into_inner(this: Self) -> T {
        let this = ManuallyDrop::new(this);
        // SAFETY: the box owns an initialised `T`; `this` is never dropped, so the value
        // is moved out exactly once.
        unsafe { this.ptr.as_ptr().read() }
    }
}

impl<T: ?Sized> Deref for ArenaBox<'_, T> {
    type Target = T;
    #[inline]
    fn deref(&self) -> &T {
        // SAFETY: the box owns an initialised `T` (constructor contract) that lives as
        // long as the arena borrow.
        unsafe { self.ptr.as_ref() }
    }
}

impl<T: ?Sized> DerefMut for ArenaBox<'_, T> {
    #[inline]
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`; `&mut self` makes the reference unique.
        unsafe { self.ptr.as_mut() }
    }
}

impl<T: ?Sized> Drop for ArenaBox<'_, T> {
    fn drop(&mut self) {
        if mem::needs_drop::<T>() {
            // SAFETY: the box owns an initialised `T` and drops it exactly once.
            unsafe { core::ptr::drop_in_place(self.ptr.as_ptr()) }
        }
    }
}

// SAFETY: an `ArenaBox<T>` is a unique owner of a `T`, like `Box<T>`; the arena borrow it
// carries is `&Arena`, which is not `Send`/`Sync` itself only because of the bump cursor,
// which the box never touches.
unsafe impl<T: ?Sized + Send> Send for ArenaBox<'_, T> {}
// SAFETY: `&ArenaBox<T>` only gives `&T`.
unsafe impl<T: ?Sized + Sync> Sync for ArenaBox<'_, T> {}

impl<T: ?Sized + fmt::Debug> fmt::Debug for ArenaBox<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Display> fmt::Display for ArenaBox<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}

impl<T: ?Sized + PartialEq> PartialEq for ArenaBox<'_, T> {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

impl<T: ?Sized + Eq> Eq for ArenaBox<'_, T> {}
