//! Object recycling: [`Pool::release`] resets a value and keeps it as a spare,
//! [`Pool::acquire`] hands spares out again before building new values.

use alloc::vec::Vec;

use super::{insert_panic, Pool};
use crate::error::PoolError;
use crate::{Handle, Reset};

impl<T> Pool<T> {
    /// Takes the value `h` names out of use, resets it with [`Reset::reset`] and keeps it
    /// as a spare for [`acquire`](Pool::acquire). Returns `false` if `h` is not live.
    ///
    /// The handle is invalid from now on. If `reset` panics, the value is dropped and the
    /// pool stays consistent.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut pool: pool_core::Pool<Vec<u8>> = pool_core::Pool::new();
    /// let h = pool.acquire();
    /// pool[h].push(1);
    /// assert!(pool.release(h));
    /// assert!(!pool.release(h));
    /// assert_eq!(pool.stats().spares, 1);
    /// ```
    pub fn release(&mut self, h: Handle<T>) -> bool
    where
        T: Reset,
    {
        let Some(mut value) = self.remove(h) else {
            return false;
        };
        if self.spares.len() >= self.max_spares {
            // Past the spare limit the value is simply dropped.
            drop(value);
            return true;
        }
        value.reset();
        self.spares.push(value);
        true
    }

    /// Inserts a recycled value: a spare if there is one (already reset), else one built
    /// by the pool's factory, else `T::default()`.
    ///
    /// # Panics
    ///
    /// As [`insert`](Pool::insert); see [`try_acquire`](Pool::try_acquire).
    ///
    /// # Examples
    ///
    /// ```
    /// let mut pool: pool_core::Pool<String> = pool_core::Pool::new();
    /// let h = pool.acquire();
    /// assert_eq!(pool[h], "");
    /// ```
    #[track_caller]
    pub fn acquire(&mut self) -> Handle<T>
    where
        T: Default,
    {
        self.acquire_with(T::default)
    }

    /// Like [`acquire`](Pool::acquire), but reports a full pool instead of panicking; the
    /// spare (if any) stays a spare.
    ///
    /// # Errors
    ///
    /// As [`try_insert`](Pool::try_insert).
    ///
    /// # Examples
    ///
    /// ```
    /// let mut pool: pool_core::Pool<u8> = pool_core::Pool::bounded(0);
    /// assert!(pool.try_acquire().is_err());
    /// ```
    #[cfg_attr(feature = "debug", track_caller)]
    pub fn try_acquire(&mut self) -> Result<Handle<T>, PoolError>
    where
        T: Default,
    {
        self.try_acquire_with(T::default)
    }

    /// Like [`acquire`](Pool::acquire) for any `T`: a spare, else the pool's factory,
    /// else `make()`.
    ///
    /// # Panics
    ///
    /// As [`insert`](Pool::insert), and if `make` panics (the pool is unchanged then).
    ///
    /// # Examples
    ///
    /// ```
    /// struct Conn { buf: Vec<u8> }
    /// let mut pool = pool_core::Pool::new();
    /// let h = pool.acquire_with(|| Conn { buf: Vec::with_capacity(16) });
    /// assert!(pool[h].buf.capacity() >= 16);
    /// ```
    #[track_caller]
    pub fn acquire_with<F: FnOnce() -> T>(&mut self, make: F) -> Handle<T> {
        match self.try_acquire_with(make) {
            Ok(h) => h,
            Err(e) => insert_panic(e),
        }
    }

    /// Like [`acquire_with`](Pool::acquire_with), but reports a full pool instead of
    /// panicking; `make` is not called then.
    ///
    /// # Errors
    ///
    /// As [`try_insert`](Pool::try_insert).
    ///
    /// # Examples
    ///
    /// ```
    /// let mut pool = pool_core::Pool::bounded(1);
    /// assert!(pool.try_acquire_with(|| 1).is_ok());
    /// assert!(pool.try_acquire_with(|| 2).is_err());
    /// ```
    #[cfg_attr(feature = "debug", track_caller)]
    pub fn try_acquire_with<F: FnOnce() -> T>(&mut self, make: F) -> Result<Handle<T>, PoolError> {
        let index = self.vacant_index()?;
        let value = match self.spares.pop() {
            Some(spare) => {
                self.counters.acquire_hits += 1;
                spare
            }
            None => {
                // User code; the pool has only reserved room so far, and the miss is
                // counted once the value exists, so a panic here changes nothing.
                let value = match self.factory {
                    Some(factory) => factory(),
                    None => make(),
                };
                self.counters.acquire_misses += 1;
                value
            }
        };
        Ok(self.commit(index, value))
    }

    /// Drops every spare kept by [`release`](Pool::release).
    ///
    /// # Examples
    ///
    /// ```
    /// let mut pool: pool_core::Pool<Vec<u8>> = pool_core::Pool::new();
    /// let h = pool.acquire();
    /// pool.release(h);
    /// pool.clear_spares();
    /// assert_eq!(pool.stats().spares, 0);
    /// ```
    pub fn clear_spares(&mut self) {
        // Empty the list first, so a panicking `Drop` cannot leave it half-dropped.
        drop(core::mem::take(&mut self.spares));
    }

    /// Keeps at most `keep` spares (the most recently released ones) and gives the rest,
    /// and the list's spare room, back to the allocator.
    ///
    /// If a spare's `Drop` panics, the spares after it are still dropped (as `Vec` does)
    /// and the pool is consistent.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut pool: pool_core::Pool<Vec<u8>> = pool_core::Pool::new();
    /// let hs: Vec<_> = (0..10).map(|_| pool.acquire()).collect();
    /// for h in hs {
    ///     pool.release(h);
    /// }
    /// pool.shrink_spares(2);
    /// assert_eq!(pool.stats().spares, 2);
    /// ```
    pub fn shrink_spares(&mut self, keep: usize) {
        if keep >= self.spares.len() {
            self.spares.shrink_to_fit();
            return;
        }
        // The oldest spares go: move the kept ones into a fresh list first, so the pool
        // already holds its final state when user `Drop`s run.
        let start = self.spares.len() - keep;
        let mut kept = Vec::new();
        if kept.try_reserve_exact(keep).is_ok() {
            kept.extend(self.spares.drain(start..));
            drop(core::mem::replace(&mut self.spares, kept));
        } else {
            // No memory for a smaller list: drop the excess in place.
            drop(self.spares.drain(..start));
        }
    }

    /// Sets the most spares kept (see
    /// [`PoolBuilder::max_spares`](crate::PoolBuilder::max_spares)); spares past it are
    /// dropped now.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut pool: pool_core::Pool<String> = pool_core::Pool::new();
    /// let h = pool.acquire();
    /// pool.release(h);
    /// pool.set_max_spares(0);
    /// assert_eq!(pool.stats().spares, 0);
    /// ```
    pub fn set_max_spares(&mut self, n: usize) {
        self.max_spares = n;
        if self.spares.len() > n {
            self.shrink_spares(n);
        }
    }
}
