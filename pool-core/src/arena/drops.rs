//! Values with destructors: owned [`ArenaBox`]es and values dropped at reset.

use core::alloc::Layout;
use core::ptr::{self, NonNull};

use super::{alloc_panic, AllocError, Arena, ArenaBox};

/// A value registered to be dropped at reset.
pub(super) struct DropEntry {
    pub(super) value: NonNull<u8>,
    pub(super) drop: unsafe fn(NonNull<u8>),
    pub(super) next: Option<NonNull<DropEntry>>,
}

/// # Safety
///
/// - `p` must point to an initialised `T` that is never used again.
unsafe fn drop_as<T>(p: NonNull<u8>) {
    // SAFETY: guaranteed by the caller.
    unsafe { ptr::drop_in_place(p.cast::<T>().as_ptr()) }
}

impl Arena<'_> {
    /// Moves `value` into the arena behind an owning box that drops it at the end of its
    /// scope (the memory is reclaimed at reset). Works for every `T`.
    ///
    /// # Panics
    ///
    /// On any error of [`try_alloc_box`](Self::try_alloc_box).
    ///
    /// # Examples
    ///
    /// ```
    /// let arena = pool_core::Arena::new();
    /// let names = arena.alloc_box(vec![String::from("a")]);
    /// assert_eq!(names[0], "a");
    /// drop(names); // the Vec and its String are dropped here
    /// ```
    #[track_caller]
    pub fn alloc_box<T>(&self, value: T) -> ArenaBox<'_, T> {
        match self.try_alloc_box(value) {
            Ok(b) => b,
            Err(e) => alloc_panic(e),
        }
    }

    /// Like [`alloc_box`](Self::alloc_box), but reports errors (the value is dropped).
    ///
    /// # Errors
    ///
    /// As [`try_alloc_layout`](Self::try_alloc_layout).
    ///
    /// # Examples
    ///
    /// ```
    /// let arena = pool_core::Arena::with_limit(0);
    /// assert!(arena.try_alloc_box(String::from("x")).is_err());
    /// ```
    #[cfg_attr(feature = "debug", track_caller)]
    pub fn try_alloc_box<T>(&self, value: T) -> Result<ArenaBox<'_, T>, AllocError> {
        let p = self.try_alloc_layout(Layout::new::<T>())?.cast::<T>();
        // SAFETY: `p` is a fresh, aligned block for a `T`; the box becomes its only owner.
        unsafe {
            p.as_ptr().write(value);
            Ok(ArenaBox::from_non_null(p))
        }
    }

    /// Moves `value` into the arena and drops it at the next [`reset`](Self::reset) (or
    /// when the arena drops), newest first. `T: 'static` keeps its destructor from
    /// reaching arena or stack data through a reference; `T: Send` because the arena may
    /// move to another thread before it runs.
    ///
    /// # Panics
    ///
    /// On any error of [`try_alloc_with_drop`](Self::try_alloc_with_drop).
    ///
    /// # Examples
    ///
    /// ```
    /// let mut arena = pool_core::Arena::new();
    /// let log = arena.alloc_with_drop(String::from("frame 1"));
    /// log.push_str(" done");
    /// assert_eq!(arena.stats().pending_drops, 1);
    /// arena.reset(); // the String is dropped here
    /// assert_eq!(arena.stats().pending_drops, 0);
    /// ```
    #[track_caller]
    pub fn alloc_with_drop<T: Send + 'static>(&self, value: T) -> &mut T {
        match self.try_alloc_with_drop(value) {
            Ok(r) => r,
            Err(e) => alloc_panic(e),
        }
    }

    /// Like [`alloc_with_drop`](Self::alloc_with_drop), but reports errors (the value is
    /// dropped then).
    ///
    /// # Errors
    ///
    /// As [`try_alloc_layout`](Self::try_alloc_layout).
    ///
    /// # Examples
    ///
    /// ```
    /// let arena = pool_core::Arena::with_limit(0);
    /// assert!(arena.try_alloc_with_drop(String::new()).is_err());
    /// ```
    #[cfg_attr(feature = "debug", track_caller)]
    pub fn try_alloc_with_drop<T: Send + 'static>(&self, value: T) -> Result<&mut T, AllocError> {
        let entry = self
            .try_alloc_layout(Layout::new::<DropEntry>())?
            .cast::<DropEntry>();
        let p = self.try_alloc_layout(Layout::new::<T>())?.cast::<T>();
        // SAFETY: both blocks are fresh and aligned. The value is written before the entry
        // is linked, so the list only ever names initialised values (module invariant).
        unsafe {
            p.as_ptr().write(value);
            entry.as_ptr().write(DropEntry {
                value: p.cast(),
                drop: drop_as::<T>,
                next: self.drops.get(),
            });
            self.drops.set(Some(entry));
            self.pending.set(self.pending.get() + 1);
            Ok(&mut *p.as_ptr())
        }
    }

    /// Runs the registered drops newer than `until`, newest first. Each entry is unlinked
    /// before its value is dropped, so a panicking `Drop` never causes a second drop; the
    /// older entries stay registered.
    pub(super) fn run_drops(&self, until: Option<NonNull<DropEntry>>) {
        while let Some(entry) = self.drops.get() {
            if Some(entry) == until {
                break;
            }
            // SAFETY: entries on the list are valid and initialised (module invariant).
            let e = unsafe { entry.as_ptr().read() };
            self.drops.set(e.next);
            self.pending.set(self.pending.get() - 1);
            // SAFETY: the value is initialised and, its entry being unlinked, is dropped
            // exactly once; `&mut self` (reset, scope end, drop) proves no reference to it
            // is alive.
            unsafe { (e.drop)(e.value) };
        }
    }
}
