//! [`ArenaBox`]: an owning pointer into an arena that drops its value at end of scope.

use core::fmt;
use core::marker::PhantomData;
use core::ops::{Deref, DerefMut};
use core::ptr::NonNull;

/// Owns a value in an [`Arena`](super::Arena): derefs to it and drops it when the box is
/// dropped; the memory itself is reclaimed at the arena's next reset. The box borrows the
/// arena, so it cannot outlive it or survive a reset.
///
/// Leaking the box (`mem::forget`) leaks the value, as with `Box`.
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
/// ```
pub struct ArenaBox<'arena, T> {
    ptr: NonNull<T>,
    /// Borrows the arena; owns a `T` (for drop check and auto traits).
    _marker: PhantomData<(&'arena (), T)>,
}

impl<'arena, T> ArenaBox<'arena, T> {
    /// # Safety
    ///
    /// - `ptr` points to an initialised `T` in an arena borrowed for `'arena`, owned by
    ///   nothing else.
    pub(super) unsafe fn from_raw(ptr: NonNull<T>) -> Self {
        ArenaBox {
            ptr,
            _marker: PhantomData,
        }
    }

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
        let this = core::mem::ManuallyDrop::new(this);
        // SAFETY: the box owns an initialised `T`; `this` is never dropped, so the value
        // is moved out exactly once.
        unsafe { this.ptr.as_ptr().read() }
    }
}

impl<T> Deref for ArenaBox<'_, T> {
    type Target = T;
    #[inline]
    fn deref(&self) -> &T {
        // SAFETY: the box owns an initialised `T` (constructor contract) that lives as
        // long as the arena borrow.
        unsafe { self.ptr.as_ref() }
    }
}

impl<T> DerefMut for ArenaBox<'_, T> {
    #[inline]
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`; `&mut self` makes the reference unique.
        unsafe { self.ptr.as_mut() }
    }
}

impl<T> Drop for ArenaBox<'_, T> {
    fn drop(&mut self) {
        // SAFETY: the box owns an initialised `T` and drops it exactly once.
        unsafe { core::ptr::drop_in_place(self.ptr.as_ptr()) }
    }
}

// SAFETY: an `ArenaBox<T>` is a unique owner of a `T`, like `Box<T>`; the arena borrow it
// carries is `&Arena`, which is not `Send`/`Sync` itself only because of the bump cursor,
// which the box never touches.
unsafe impl<T: Send> Send for ArenaBox<'_, T> {}
// SAFETY: `&ArenaBox<T>` only gives `&T`.
unsafe impl<T: Sync> Sync for ArenaBox<'_, T> {}

impl<T: fmt::Debug> fmt::Debug for ArenaBox<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}
