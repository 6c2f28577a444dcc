//! Typed views of blocks through `bytemuck`: [`PodHandle`] and the `*_pod` / `get_as`
//! methods of [`BinnedAllocator`].

use core::fmt;
use core::marker::PhantomData;

use bytemuck::Pod;

use super::{alloc_panic, BinnedAllocator, BlockHandle};
use crate::error::{BinnedError, ViewError};

/// A handle to a block holding one `T: Pod`, made by [`BinnedAllocator::alloc_pod`].
///
/// # Examples
///
/// ```
/// let mut a = pool_core::BinnedAllocator::new();
/// let h = a.alloc_pod([1u32, 2, 3]);
/// assert_eq!(a.get_pod(h), Some(&[1, 2, 3]));
/// let raw: pool_core::BlockHandle = h.block();
/// assert_eq!(a.len(raw), Some(12));
/// ```
pub struct PodHandle<T> {
    block: BlockHandle,
    _marker: PhantomData<fn() -> T>,
}

impl<T> PodHandle<T> {
    /// The untyped block handle.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut a = pool_core::BinnedAllocator::new();
    /// let h = a.alloc_pod(7u64);
    /// assert_eq!(a.block_size(h.block()), Some(16));
    /// ```
    #[inline]
    pub fn block(self) -> BlockHandle {
        self.block
    }
}

impl<T> Clone for PodHandle<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for PodHandle<T> {}
impl<T> PartialEq for PodHandle<T> {
    fn eq(&self, other: &Self) -> bool {
        self.block == other.block
    }
}
impl<T> Eq for PodHandle<T> {}
impl<T> fmt::Debug for PodHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "PodHandle<{}>({:?})",
            core::any::type_name::<T>(),
            self.block
        )
    }
}

impl BinnedAllocator {
    /// Allocates a block holding `value`, aligned for `T`.
    ///
    /// # Panics
    ///
    /// On any error of [`try_alloc`](Self::try_alloc) (`T` of size 0 included).
    ///
    /// # Examples
    ///
    /// ```
    /// let mut a = pool_core::BinnedAllocator::new();
    /// let h = a.alloc_pod(0xdead_beef_u32);
    /// assert_eq!(a.get_pod(h), Some(&0xdead_beef));
    /// ```
    #[track_caller]
    pub fn alloc_pod<T: Pod>(&mut self, value: T) -> PodHandle<T> {
        self.try_alloc_pod(value).unwrap_or_else(|e| alloc_panic(e))
    }

    /// Allocates a block holding `value`, or says why not.
    ///
    /// # Errors
    ///
    /// As [`try_alloc_layout`](Self::try_alloc_layout).
    ///
    /// # Examples
    ///
    /// ```
    /// let mut a = pool_core::BinnedAllocator::new();
    /// assert!(a.try_alloc_pod(1.5f64).is_ok());
    /// assert!(a.try_alloc_pod(()).is_ok()); // a zero-sized value takes an empty block
    /// ```
    #[cfg_attr(feature = "debug", track_caller)]
    pub fn try_alloc_pod<T: Pod>(&mut self, value: T) -> Result<PodHandle<T>, BinnedError> {
        let h = self.try_alloc_layout(core::mem::size_of::<T>(), core::mem::align_of::<T>())?;
        let e = *self.entries.get(h.cast()).ok_or(BinnedError::Stale)?;
        self.bytes_mut(&e, false)
            .copy_from_slice(bytemuck::bytes_of(&value));
        Ok(PodHandle {
            block: h,
            _marker: PhantomData,
        })
    }

    /// The block viewed as a `T`.
    ///
    /// # Errors
    ///
    /// [`ViewError::Stale`], or [`ViewError::Size`] / [`ViewError::Align`] if the block
    /// does not have exactly `T`'s size or is not aligned for it.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut a = pool_core::BinnedAllocator::new();
    /// let h = a.try_alloc_layout(8, 8).unwrap();
    /// assert_eq!(a.get_as::<u64>(h), Ok(&0));
    /// assert!(a.get_as::<u32>(h).is_err());
    /// ```
    pub fn get_as<T: Pod>(&self, h: BlockHandle) -> Result<&T, ViewError> {
        let bytes = self.get(h).ok_or(ViewError::Stale)?;
        bytemuck::try_from_bytes(bytes).map_err(|_| view_error::<T>(bytes))
    }

    /// The block viewed as a mutable `T`.
    ///
    /// # Errors
    ///
    /// As [`get_as`](Self::get_as).
    ///
    /// # Examples
    ///
    /// ```
    /// let mut a = pool_core::BinnedAllocator::new();
    /// let h = a.try_alloc_layout(4, 4).unwrap();
    /// *a.get_as_mut::<f32>(h).unwrap() = 2.5;
    /// assert_eq!(a.get_as::<f32>(h), Ok(&2.5));
    /// ```
    pub fn get_as_mut<T: Pod>(&mut self, h: BlockHandle) -> Result<&mut T, ViewError> {
        let bytes = self.get_mut(h).ok_or(ViewError::Stale)?;
        let err = view_error::<T>(bytes);
        bytemuck::try_from_bytes_mut(bytes).map_err(|_| err)
    }

    /// The value behind a typed handle; `None` once freed.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut a = pool_core::BinnedAllocator::new();
    /// let h = a.alloc_pod([1u8, 2]);
    /// assert_eq!(a.get_pod(h), Some(&[1, 2]));
    /// ```
    pub fn get_pod<T: Pod>(&self, h: PodHandle<T>) -> Option<&T> {
        self.get_as(h.block).ok()
    }

    /// The value behind a typed handle, mutably; `None` once freed.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut a = pool_core::BinnedAllocator::new();
    /// let h = a.alloc_pod(1u16);
    /// *a.get_pod_mut(h).unwrap() += 1;
    /// assert_eq!(a.get_pod(h), Some(&2));
    /// ```
    pub fn get_pod_mut<T: Pod>(&mut self, h: PodHandle<T>) -> Option<&mut T> {
        self.get_as_mut(h.block).ok()
    }
}

fn view_error<T>(bytes: &[u8]) -> ViewError {
    if bytes.len() != core::mem::size_of::<T>() {
        ViewError::Size {
            block: bytes.len(),
            view: core::mem::size_of::<T>(),
        }
    } else {
        ViewError::Align {
            view: core::mem::align_of::<T>(),
        }
    }
}
