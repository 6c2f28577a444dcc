//! Error types: small enums with hand-written `Display`, and `std::error::Error` behind
//! the `std` feature.

use core::fmt;

/// Why a pool could not make room for a value.
///
/// # Examples
///
/// ```
/// use pool_core::{Pool, PoolError};
/// let mut pool = Pool::bounded(1);
/// pool.insert(1);
/// assert_eq!(pool.try_insert(2).unwrap_err().reason(), PoolError::Full { capacity: 1 });
/// assert_eq!(pool.try_reserve(usize::MAX), Err(PoolError::CapacityOverflow));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PoolError {
    /// A bounded pool already holds as many values as it may.
    Full {
        /// The bound the pool was created with.
        capacity: usize,
    },
    /// The request would need more slots than the `u32` index space (or `isize::MAX`
    /// bytes) allows.
    CapacityOverflow,
    /// The global allocator refused the memory.
    AllocFailed,
    /// A [`Recycler`](crate::Recycler) has no spare, free slot or unused capacity left:
    /// it never moves the pool's values (its leases point into them), so it cannot grow
    /// the pool. Reserve room before opening it.
    NoRoomInPlace {
        /// Slots the pool had room for.
        capacity: usize,
    },
}

impl fmt::Display for PoolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PoolError::Full { capacity } => {
                write!(f, "pool is full (bounded to {capacity} values)")
            }
            PoolError::CapacityOverflow => f.write_str("pool capacity overflow"),
            PoolError::AllocFailed => f.write_str("memory allocation failed"),
            PoolError::NoRoomInPlace { capacity } => write!(
                f,
                "no room left without moving the pool's values (room for {capacity}); \
                 reserve before opening the recycler"
            ),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for PoolError {}

/// A failed insert: the value comes back inside the error, so nothing is lost.
///
/// # Examples
///
/// ```
/// use pool_core::Pool;
/// let mut pool = Pool::bounded(0);
/// let err = pool.try_insert(String::from("kept")).unwrap_err();
/// assert_eq!(err.into_value(), "kept");
/// ```
pub struct InsertError<T> {
    value: T,
    reason: PoolError,
}

impl<T> InsertError<T> {
    pub(crate) fn new(value: T, reason: PoolError) -> Self {
        InsertError { value, reason }
    }

    /// Why the insert failed.
    ///
    /// # Examples
    ///
    /// ```
    /// use pool_core::{Pool, PoolError};
    /// let mut pool = Pool::bounded(0);
    /// assert!(matches!(pool.try_insert(1).unwrap_err().reason(), PoolError::Full { .. }));
    /// ```
    pub fn reason(&self) -> PoolError {
        self.reason
    }

    /// Gives the value back.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut pool = pool_core::Pool::bounded(0);
    /// assert_eq!(pool.try_insert(7).unwrap_err().into_value(), 7);
    /// ```
    pub fn into_value(self) -> T {
        self.value
    }

    /// Borrows the value that was not inserted.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut pool = pool_core::Pool::bounded(0);
    /// assert_eq!(*pool.try_insert(7).unwrap_err().value(), 7);
    /// ```
    pub fn value(&self) -> &T {
        &self.value
    }
}

/// Does not require `T: Debug`: the value is elided.
impl<T> fmt::Debug for InsertError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InsertError")
            .field("reason", &self.reason)
            .finish_non_exhaustive()
    }
}

impl<T> fmt::Display for InsertError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "insert failed: {}", self.reason)
    }
}

#[cfg(feature = "std")]
impl<T> std::error::Error for InsertError<T> {}

/// Why [`Pool::try_insert_with`](crate::Pool::try_insert_with) inserted nothing: no room,
/// or the initialiser failed. Either way the pool is as it was.
///
/// # Examples
///
/// ```
/// use pool_core::{Pool, PoolError, TryInsertError};
/// let mut pool: Pool<u32> = Pool::bounded(1);
/// let err = pool.try_insert_with(|_| "x".parse::<u32>()).unwrap_err();
/// assert!(matches!(err, TryInsertError::Init(_)));
/// pool.insert(1);
/// let err = pool.try_insert_with(|_| Ok::<u32, ()>(2)).unwrap_err();
/// assert_eq!(err, TryInsertError::NoRoom(PoolError::Full { capacity: 1 }));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TryInsertError<E> {
    /// The pool could not make room; the initialiser was not called.
    NoRoom(PoolError),
    /// The initialiser returned this error.
    Init(E),
}

impl<E: fmt::Display> fmt::Display for TryInsertError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TryInsertError::NoRoom(e) => write!(f, "cannot insert: {e}"),
            TryInsertError::Init(e) => write!(f, "initialiser failed: {e}"),
        }
    }
}

#[cfg(feature = "std")]
impl<E: std::error::Error + 'static> std::error::Error for TryInsertError<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            TryInsertError::NoRoom(e) => Some(e),
            TryInsertError::Init(e) => Some(e),
        }
    }
}

/// Why a rent guard could not be handed out.
///
/// # Examples
///
/// ```
/// use pool_core::{Pool, RentError};
/// let mut pool = Pool::new();
/// let h = pool.insert(1);
/// let rentals = pool.rentals();
/// let guard = rentals.rent_mut(h).unwrap();
/// assert_eq!(rentals.rent(h).unwrap_err(), RentError::Busy);
/// drop(guard);
/// drop(rentals);
/// pool.remove(h);
/// assert_eq!(pool.rent(h).unwrap_err(), RentError::Stale);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RentError {
    /// The value is rented in a way that conflicts with the request: exclusively rented
    /// (or its exclusive guard was leaked), or, for `rent_mut`, shared-rented.
    Busy,
    /// The handle names no live value in this pool: it was removed, never issued here,
    /// or forged.
    Stale,
}

impl fmt::Display for RentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RentError::Busy => "value is busy: already rented or borrowed",
            RentError::Stale => "stale handle: no live value for it in this pool",
        })
    }
}

#[cfg(feature = "std")]
impl std::error::Error for RentError {}

/// Why a [`BinnedAllocator`](crate::BinnedAllocator) operation failed.
///
/// # Examples
///
/// ```
/// use pool_core::{BinnedAllocator, BinnedError};
/// let mut a = BinnedAllocator::new();
/// assert_eq!(a.try_alloc_aligned(0, 8192), Err(BinnedError::ZeroSize));
/// assert_eq!(a.try_alloc(usize::MAX), Err(BinnedError::SizeOverflow));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BinnedError {
    /// A block of zero bytes aligned above 4 KiB was requested. Such blocks come straight
    /// from the global allocator at exactly their length, which cannot be zero; a
    /// zero-length block of any smaller alignment is an ordinary empty block.
    ZeroSize,
    /// The size, rounded up to its class or alignment, does not fit in memory.
    SizeOverflow,
    /// The alignment is not a power of two.
    BadAlign,
    /// The allocation would take the allocator's storage past its configured limit.
    LimitExceeded {
        /// The configured limit in bytes.
        limit: usize,
    },
    /// The backing allocator refused the memory.
    AllocFailed,
    /// The handle names no live block here: freed, never issued here, or forged.
    Stale,
    /// The data is longer than the block.
    TooLong {
        /// Bytes offered.
        len: usize,
        /// Bytes the block holds.
        capacity: usize,
    },
}

impl fmt::Display for BinnedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BinnedError::ZeroSize => f.write_str("zero-sized block aligned above 4 KiB requested"),
            BinnedError::SizeOverflow => f.write_str("block size overflows"),
            BinnedError::BadAlign => f.write_str("alignment is not a power of two"),
            BinnedError::LimitExceeded { limit } => {
                write!(f, "storage limit of {limit} bytes exceeded")
            }
            BinnedError::AllocFailed => f.write_str("memory allocation failed"),
            BinnedError::Stale => f.write_str("stale handle: no live block for it"),
            BinnedError::TooLong { len, capacity } => {
                write!(f, "{len} bytes do not fit in a block of {capacity}")
            }
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for BinnedError {}

/// Why a typed view of a block was refused.
///
/// # Examples
///
/// ```
/// use pool_core::{BinnedAllocator, ViewError};
/// let mut a = BinnedAllocator::new();
/// let h = a.alloc(3);
/// assert_eq!(a.get_as::<u32>(h), Err(ViewError::Size { block: 3, view: 4 }));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ViewError {
    /// The handle names no live block.
    Stale,
    /// The block's length differs from the size of the viewed type.
    Size {
        /// The block's length.
        block: usize,
        /// `size_of` the viewed type.
        view: usize,
    },
    /// The block is not aligned for the viewed type.
    Align {
        /// `align_of` the viewed type.
        view: usize,
    },
}

impl fmt::Display for ViewError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ViewError::Stale => f.write_str("stale handle: no live block for it"),
            ViewError::Size { block, view } => {
                write!(f, "block of {block} bytes viewed as a type of {view} bytes")
            }
            ViewError::Align { view } => write!(f, "block is not aligned to {view}"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for ViewError {}

/// Why a snapshot was rejected by
/// [`BinnedAllocator::restore`](crate::BinnedAllocator::restore). A rejected snapshot
/// changes nothing.
///
/// # Examples
///
/// ```
/// use pool_core::{BinnedAllocator, SnapshotError};
/// let mut a = BinnedAllocator::new();
/// assert_eq!(a.restore(b"nonsense"), Err(SnapshotError::BadMagic));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SnapshotError {
    /// Not a snapshot of a `BinnedAllocator`.
    BadMagic,
    /// Made by an incompatible version of this crate.
    UnsupportedVersion(u16),
    /// The bytes end too early.
    Truncated,
    /// The checksum does not match: the bytes were changed.
    Checksum,
    /// The structure is inconsistent; the text says what.
    Corrupt(&'static str),
    /// Rebuilding it needs memory the allocator refused, or more than its limit.
    AllocFailed,
}

impl fmt::Display for SnapshotError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SnapshotError::BadMagic => f.write_str("not a BinnedAllocator snapshot"),
            SnapshotError::UnsupportedVersion(v) => write!(f, "unsupported snapshot version {v}"),
            SnapshotError::Truncated => f.write_str("snapshot is truncated"),
            SnapshotError::Checksum => f.write_str("snapshot checksum mismatch"),
            SnapshotError::Corrupt(what) => write!(f, "corrupt snapshot: {what}"),
            SnapshotError::AllocFailed => f.write_str("not enough memory to restore snapshot"),
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for SnapshotError {}
