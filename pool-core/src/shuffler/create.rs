//! Creating blocks: `create`, the `alloc*` methods and `try_alloc_with`, which they all
//! end in.

use alloc::vec::Vec;

use super::{Block, Pending, ShuffleError, ShuffleHandle, Shuffler, NONE};

impl<T> Shuffler<T> {
    /// A block of one element.
    ///
    /// # Panics
    ///
    /// If a chunk cannot be allocated.
    ///
    /// # Examples
    ///
    /// ```
    /// let s = pool_core::Shuffler::new();
    /// let h = s.create('x');
    /// assert_eq!(s.len_of(h), Some(1));
    /// ```
    #[cfg_attr(feature = "debug", track_caller)]
    pub fn create(&self, value: T) -> ShuffleHandle<T> {
        let mut value = Some(value);
        self.alloc_with(1, |_| value.take().expect("called once"))
    }

    /// A block of `n` default values.
    ///
    /// # Panics
    ///
    /// As [`alloc_with`](Self::alloc_with).
    ///
    /// # Examples
    ///
    /// ```
    /// let s: pool_core::Shuffler<u16> = pool_core::Shuffler::new();
    /// let h = s.alloc(4);
    /// assert_eq!(&*s.rent(h).unwrap(), &[0; 4]);
    /// ```
    #[cfg_attr(feature = "debug", track_caller)]
    pub fn alloc(&self, n: usize) -> ShuffleHandle<T>
    where
        T: Default,
    {
        self.alloc_with(n, |_| T::default())
    }

    /// A copy of a slice.
    ///
    /// # Panics
    ///
    /// As [`alloc_with`](Self::alloc_with).
    ///
    /// # Examples
    ///
    /// ```
    /// let s = pool_core::Shuffler::new();
    /// let h = s.alloc_from_slice(&["a", "b"]);
    /// assert_eq!(&*s.rent(h).unwrap(), &["a", "b"]);
    /// ```
    #[cfg_attr(feature = "debug", track_caller)]
    pub fn alloc_from_slice(&self, src: &[T]) -> ShuffleHandle<T>
    where
        T: Clone,
    {
        self.alloc_with(src.len(), |i| src[i].clone())
    }

    /// A block of the iterator's items.
    ///
    /// # Panics
    ///
    /// As [`alloc_with`](Self::alloc_with).
    ///
    /// # Examples
    ///
    /// ```
    /// let s = pool_core::Shuffler::new();
    /// let h = s.alloc_from_iter((0..5).map(|i| i * i));
    /// assert_eq!(&*s.rent(h).unwrap(), &[0, 1, 4, 9, 16]);
    /// ```
    #[cfg_attr(feature = "debug", track_caller)]
    pub fn alloc_from_iter<I: IntoIterator<Item = T>>(&self, iter: I) -> ShuffleHandle<T> {
        // The size hint is only a hint: a safe iterator may claim any length. Collect with
        // amortised growth from nothing, never reserving what the hint claims.
        let mut items: Vec<T> = Vec::new();
        for item in iter {
            items.push(item);
        }
        let mut items = items.into_iter();
        self.alloc_with(items.len(), |_| items.next().expect("exact length"))
    }

    /// A block of `n` values made by `f(index)`.
    ///
    /// # Panics
    ///
    /// On any error of [`try_alloc_with`](Self::try_alloc_with), or if `f` panics (the
    /// elements made so far are dropped and nothing else changes).
    ///
    /// # Examples
    ///
    /// ```
    /// let s = pool_core::Shuffler::new();
    /// let h = s.alloc_with(3, |i| i + 1);
    /// assert_eq!(&*s.rent(h).unwrap(), &[1, 2, 3]);
    /// ```
    #[track_caller]
    pub fn alloc_with(&self, n: usize, f: impl FnMut(usize) -> T) -> ShuffleHandle<T> {
        match self.try_alloc_with(n, f) {
            Ok(h) => h,
            Err(e) => panic!("Shuffler: {e}"),
        }
    }

    /// A block of `n` values made by `f(index)`, or why not; `f` is not called on error.
    ///
    /// # Errors
    ///
    /// [`ShuffleError::SizeOverflow`] if `n` elements overflow; [`ShuffleError::AllocFailed`]
    /// if a chunk cannot be allocated.
    ///
    /// # Examples
    ///
    /// ```
    /// let s = pool_core::Shuffler::new();
    /// assert!(s.try_alloc_with(2, |i| i).is_ok());
    /// ```
    #[cfg_attr(feature = "debug", track_caller)]
    pub fn try_alloc_with(
        &self,
        n: usize,
        mut f: impl FnMut(usize) -> T,
    ) -> Result<ShuffleHandle<T>, ShuffleError> {
        let len = u32::try_from(n).map_err(|_| ShuffleError::SizeOverflow)?;
        core::alloc::Layout::array::<T>(n).map_err(|_| ShuffleError::SizeOverflow)?;
        // The budget step runs user `Drop`s: before anything is reserved, so a panic there
        // leaves nothing behind (and dropped blocks may leave room for this one).
        self.budget_step();
        // Room in the bookkeeping first (the pending entry and the handle slot), so that
        // nothing below allocates infallibly.
        self.inner().reserve_bookkeeping()?;
        let block = self.inner().reserve(len)?;
        // Until it is committed the block is listed as a reservation (a pending entry marked
        // `dropping`): a shuffle that `f` runs re-entrantly treats it as an obstacle and
        // keeps its chunk, and nothing else is placed there.
        self.inner().pending.push(Pending {
            block,
            dropping: true,
            slot: NONE,
        });
        /// On unwind: drops what was built and lifts the reservation.
        struct Partial<'s, T> {
            shuffler: &'s Shuffler<T>,
            block: Block,
            start: *mut T,
            done: usize,
        }
        impl<T> Drop for Partial<'_, T> {
            fn drop(&mut self) {
                // SAFETY: the first `done` elements were written and are owned here.
                unsafe {
                    core::ptr::drop_in_place(core::ptr::slice_from_raw_parts_mut(
                        self.start, self.done,
                    ))
                };
                let inner = self.shuffler.inner();
                inner.unreserve(self.block);
                // Like an arena: the space comes back at once if nothing was placed after.
                inner.give_back_top(self.block);
            }
        }
        let start = self.inner().block_ptr(block);
        let mut partial = Partial {
            shuffler: self,
            block,
            start,
            done: 0,
        };
        for i in 0..n {
            // SAFETY: slot `i` of the reserved block is in bounds, unused, and stays put
            // (reservations are obstacles to every shuffle).
            unsafe { start.add(i).write(f(i)) };
            partial.done = i + 1;
        }
        core::mem::forget(partial);
        self.inner().unreserve(block);
        let h = self.inner().commit(block);
        #[cfg(feature = "debug")]
        self.inner()
            .sites
            .record(h.index(), core::panic::Location::caller());
        Ok(h)
    }
}
