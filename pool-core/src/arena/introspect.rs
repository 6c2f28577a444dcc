//! Looking into an [`Arena`] and changing its settings after construction: fallible
//! creation, the byte limit, and the chunks with the bytes each has in use.

use core::mem::MaybeUninit;

use super::{AllocError, Arena, FIRST_CHUNK};

impl Arena<'static> {
    /// A growing arena with its first chunk allocated now, or why it could not be.
    ///
    /// # Errors
    ///
    /// [`AllocError::AllocFailed`] if the allocator refuses the first chunk.
    ///
    /// # Examples
    ///
    /// ```
    /// let arena = pool_core::Arena::try_new().unwrap();
    /// assert!(arena.stats().reserved_bytes > 0);
    /// ```
    pub fn try_new() -> Result<Self, AllocError> {
        Self::try_with_capacity(FIRST_CHUNK)
    }
}

impl<'a> Arena<'a> {
    /// The most bytes of chunks this arena may hold, if limited (see
    /// [`with_limit`](Arena::with_limit)). An arena over a caller's buffer is bounded by
    /// the buffer instead and reports `None`.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(pool_core::Arena::with_limit(4096).limit(), Some(4096));
    /// assert_eq!(pool_core::Arena::new().limit(), None);
    /// ```
    pub fn limit(&self) -> Option<usize> {
        self.limit
    }

    /// Changes the byte limit (`None`: unlimited). Lowering it below what the arena
    /// already holds frees nothing; it stops new chunks until a [`reset`](Arena::reset)
    /// gives memory back. An arena over a caller's buffer ignores it.
    ///
    /// # Examples
    ///
    /// ```
    /// use pool_core::arena::{AllocError, Arena};
    /// let mut arena = Arena::new();
    /// arena.set_limit(Some(0));
    /// assert_eq!(arena.try_alloc(1u8).unwrap_err(), AllocError::Exhausted);
    /// arena.set_limit(None);
    /// assert_eq!(*arena.alloc(1u8), 1);
    /// ```
    pub fn set_limit(&mut self, limit: Option<usize>) {
        self.limit = limit;
    }

    /// The arena's chunks, oldest first, each as the bytes it has in use (from its start
    /// to its bump position; padding between allocations is uninitialised, hence
    /// `MaybeUninit`). Chunks kept for reuse but not reached since the last reset show no
    /// bytes. Takes `&mut self`, so no allocation is borrowed meanwhile.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut arena = pool_core::Arena::new();
    /// arena.alloc_slice_copy(b"hello");
    /// let used: usize = arena.chunks().map(|c| c.len()).sum();
    /// assert_eq!(used, 5);
    /// let first = arena.chunks().next().unwrap();
    /// // SAFETY: the first five bytes were written by `alloc_slice_copy` just above.
    /// let bytes: Vec<u8> = first.iter().map(|b| unsafe { b.assume_init() }).collect();
    /// assert_eq!(bytes, b"hello");
    /// ```
    pub fn chunks(&mut self) -> Chunks<'_, 'a> {
        Chunks {
            arena: self,
            next: 0,
        }
    }
}

/// Iterator over an arena's chunks and the bytes each has in use; see [`Arena::chunks`].
///
/// # Examples
///
/// ```
/// let mut arena = pool_core::Arena::new();
/// arena.alloc(1u64);
/// assert_eq!(arena.chunks().count(), 1);
/// ```
#[derive(Debug)]
pub struct Chunks<'s, 'a> {
    arena: &'s Arena<'a>,
    next: usize,
}

impl<'s> Iterator for Chunks<'s, '_> {
    type Item = &'s [MaybeUninit<u8>];

    fn next(&mut self) -> Option<Self::Item> {
        let arena = self.arena;
        let i = self.next;
        let chunk = arena.chunk_list().get(i)?;
        self.next += 1;
        let current = arena.current.get();
        let used = match i.cmp(&current) {
            core::cmp::Ordering::Less => chunk.used.get(),
            core::cmp::Ordering::Equal => arena.cursor(),
            core::cmp::Ordering::Greater => 0,
        };
        // SAFETY: `used <= size`, within the chunk's memory, valid for reads for as long
        // as the arena is borrowed. The iterator borrows the arena exclusively (from
        // `chunks(&mut self)`), so no allocation handed out can be written meanwhile;
        // `MaybeUninit<u8>` admits the uninitialised padding.
        Some(unsafe {
            core::slice::from_raw_parts(chunk.at(0).as_ptr().cast::<MaybeUninit<u8>>(), used)
        })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.arena.chunk_list().len() - self.next;
        (n, Some(n))
    }
}

impl ExactSizeIterator for Chunks<'_, '_> {}
impl core::iter::FusedIterator for Chunks<'_, '_> {}
