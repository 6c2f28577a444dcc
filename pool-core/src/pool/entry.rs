//! Inserting in two steps: learn the handle first, then build the value
//! ([`VacantEntry`]), or build it with a closure that may fail
//! ([`Pool::try_insert_with`]).

use core::fmt;

use super::{insert_panic, Pool};
use crate::error::{PoolError, TryInsertError};
use crate::Handle;

/// A reserved vacant slot of a [`Pool`]: its [`handle`](VacantEntry::handle) is known
/// before the value exists. Dropping the entry inserts nothing and changes nothing.
///
/// # Examples
///
/// ```
/// use pool_core::{Handle, Pool};
/// struct Node { me: Handle<Node>, name: String }
/// let mut pool = Pool::new();
/// let entry = pool.vacant_entry();
/// let h = entry.handle();
/// let node = entry.insert(Node { me: h, name: format!("node {}", h.index()) });
/// assert_eq!(node.me, h);
/// assert_eq!(pool[h].name, "node 0");
/// ```
pub struct VacantEntry<'a, T> {
    pool: &'a mut Pool<T>,
    index: u32,
}

impl<'a, T> VacantEntry<'a, T> {
    /// The handle the value will have once inserted.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut pool = pool_core::Pool::new();
    /// let e = pool.vacant_entry();
    /// let h = e.handle();
    /// e.insert(5);
    /// assert_eq!(pool[h], 5);
    /// ```
    #[inline]
    pub fn handle(&self) -> Handle<T> {
        self.pool.handle_for_vacant(self.index)
    }

    /// Inserts the value at this entry's slot and returns a reference to it.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut pool = pool_core::Pool::new();
    /// *pool.vacant_entry().insert(1) += 1;
    /// assert_eq!(pool.values().next(), Some(&2));
    /// ```
    #[inline]
    #[cfg_attr(feature = "debug", track_caller)]
    pub fn insert(self, value: T) -> &'a mut T {
        let h = self.pool.commit(self.index, value);
        // The slot was just filled, so the handle is live.
        match self.pool.get_mut(h) {
            Some(v) => v,
            None => unreachable!("a value just inserted is live"),
        }
    }
}

impl<T> fmt::Debug for VacantEntry<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VacantEntry")
            .field("handle", &self.handle())
            .finish()
    }
}

impl<T> Pool<T> {
    /// Reserves a vacant slot; its handle is known before the value is built.
    ///
    /// # Panics
    ///
    /// As [`insert`](Pool::insert) when there is no room. See
    /// [`try_vacant_entry`](Pool::try_vacant_entry).
    ///
    /// # Examples
    ///
    /// ```
    /// let mut pool = pool_core::Pool::new();
    /// let e = pool.vacant_entry();
    /// let h = e.handle();
    /// e.insert(h.index());
    /// assert_eq!(pool[h], 0);
    /// ```
    #[track_caller]
    pub fn vacant_entry(&mut self) -> VacantEntry<'_, T> {
        match self.try_vacant_entry() {
            Ok(e) => e,
            Err(e) => insert_panic(e),
        }
    }

    /// Reserves a vacant slot, or says why there is no room.
    ///
    /// # Errors
    ///
    /// As [`try_insert`](Pool::try_insert).
    ///
    /// # Examples
    ///
    /// ```
    /// let mut pool: pool_core::Pool<u8> = pool_core::Pool::bounded(0);
    /// assert!(pool.try_vacant_entry().is_err());
    /// ```
    pub fn try_vacant_entry(&mut self) -> Result<VacantEntry<'_, T>, PoolError> {
        let index = self.vacant_index()?;
        Ok(VacantEntry { pool: self, index })
    }

    /// Inserts the value `f` builds from its own handle, when `f` may fail.
    ///
    /// `f` runs before the pool changes: if it returns an error or panics, the pool is as
    /// it was. When there is no room, `f` is not called.
    ///
    /// # Errors
    ///
    /// [`TryInsertError::NoRoom`] with the reason [`try_insert`](Pool::try_insert) would
    /// give, or [`TryInsertError::Init`] with `f`'s error.
    ///
    /// # Examples
    ///
    /// ```
    /// use pool_core::{Pool, TryInsertError};
    /// let mut pool: Pool<u16> = Pool::new();
    /// let h = pool.try_insert_with(|_| "42".parse()).unwrap();
    /// assert_eq!(pool[h], 42);
    /// assert!(matches!(pool.try_insert_with(|_| "x".parse()), Err(TryInsertError::Init(_))));
    /// assert_eq!(pool.len(), 1);
    /// ```
    #[inline]
    #[cfg_attr(feature = "debug", track_caller)]
    pub fn try_insert_with<E, F>(&mut self, f: F) -> Result<Handle<T>, TryInsertError<E>>
    where
        F: FnOnce(Handle<T>) -> Result<T, E>,
    {
        let index = self.vacant_index().map_err(TryInsertError::NoRoom)?;
        let handle = self.handle_for_vacant(index);
        // User code runs before any bookkeeping changes (`vacant_index` only reserved).
        let value = f(handle).map_err(TryInsertError::Init)?;
        Ok(self.commit(index, value))
    }
}
