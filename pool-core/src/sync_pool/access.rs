//! Reads, rents and removal through `&self`: [`SyncPool::get`], [`SyncPool::rent`],
//! [`SyncPool::rent_mut`], [`SyncPool::contains`], [`SyncPool::len`],
//! [`SyncPool::remove`], [`SyncPool::take`], and what the last holder of a removed value
//! does (drop it, or defer it past the pins that may see it).

use super::shard::bump_shared;
use super::slot::{lock, pack, version, Slot, EXCL, HELD, REFS};
use super::{Ctx, Ref, RentMut, SyncPool};
use crate::error::RentError;
use crate::sync::atomic::Ordering;
use crate::Handle;

// === reads and rents ===

impl<T> SyncPool<T> {
    /// A shared guard on the value `h` names, or `None` if `h` is stale or the value is
    /// exclusively rented. While the guard lives, the value is neither dropped nor reused.
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = pool_core::SyncPool::new();
    /// let h = pool.insert("hi");
    /// let r = pool.get(h).unwrap();
    /// assert!(pool.remove(h)); // stale at once...
    /// assert_eq!(*r, "hi"); // ...dropped when the last guard goes
    /// assert!(pool.get(h).is_none());
    /// ```
    #[inline]
    #[cfg_attr(feature = "debug", track_caller)]
    pub fn get(&self, h: Handle<T>) -> Option<Ref<'_, T>> {
        self.rent(h).ok()
    }

    /// Like [`get`](SyncPool::get), saying why it failed.
    ///
    /// # Errors
    ///
    /// [`RentError::Stale`] if `h` names no live value here, [`RentError::Busy`] if the
    /// value is exclusively rented.
    ///
    /// # Examples
    ///
    /// ```
    /// use pool_core::{RentError, SyncPool};
    /// let pool = SyncPool::new();
    /// let h = pool.insert(1);
    /// let w = pool.rent_mut(h).unwrap();
    /// assert_eq!(pool.rent(h).unwrap_err(), RentError::Busy);
    /// drop(w);
    /// assert!(pool.rent(h).is_ok());
    /// ```
    #[inline]
    #[cfg_attr(feature = "debug", track_caller)]
    pub fn rent(&self, h: Handle<T>) -> Result<Ref<'_, T>, RentError> {
        let (shard, addr, slot) = self.locate(h).ok_or(RentError::Stale)?;
        let v = h.version(self.key);
        let mut cur = slot.state.load(Ordering::Relaxed);
        loop {
            if version(cur) != v {
                return Err(RentError::Stale);
            }
            let l = lock(cur);
            if l & EXCL != 0 || l & REFS == REFS {
                return Err(RentError::Busy);
            }
            match slot.state.compare_exchange_weak(
                cur,
                cur + 1,
                Ordering::Acquire,
                Ordering::Relaxed,
            ) {
                Ok(_) => {
                    #[cfg(feature = "debug")]
                    slot.debug.rented(core::panic::Location::caller());
                    return Ok(Ref {
                        pool: self,
                        slot,
                        shard,
                        addr,
                        version: v,
                    });
                }
                Err(now) => cur = now,
            }
        }
    }

    /// An exclusive guard on the value `h` names, from any thread.
    ///
    /// # Errors
    ///
    /// [`RentError::Stale`] if `h` names no live value here; [`RentError::Busy`] if a
    /// guard on it is alive, or any pin of this pool is active (a pinned reader may be
    /// looking at it).
    ///
    /// # Examples
    ///
    /// ```
    /// use pool_core::{RentError, SyncPool};
    /// let pool = SyncPool::new();
    /// let h = pool.insert(1);
    /// *pool.rent_mut(h).unwrap() += 1;
    /// let g = pool.rent_mut(h).unwrap();
    /// assert_eq!(pool.rent_mut(h).unwrap_err(), RentError::Busy);
    /// assert_eq!(*g, 2);
    /// ```
    #[cfg_attr(feature = "debug", track_caller)]
    pub fn rent_mut(&self, h: Handle<T>) -> Result<RentMut<'_, T>, RentError> {
        let (shard, addr, slot, v) = self.lock_exclusive(h)?;
        Ok(RentMut {
            pool: self,
            slot,
            shard,
            addr,
            version: v,
        })
    }

    /// Sets `EXCL` on the live slot `h` names, unless a guard or a pin may see it.
    #[cfg_attr(feature = "debug", track_caller)]
    pub(super) fn lock_exclusive(
        &self,
        h: Handle<T>,
    ) -> Result<(u32, u32, &Slot<T>, u32), RentError> {
        let (shard, addr, slot) = self.locate(h).ok_or(RentError::Stale)?;
        let v = h.version(self.key);
        let free = pack(v, 0);
        if let Err(now) =
            slot.state
                .compare_exchange(free, pack(v, EXCL), Ordering::SeqCst, Ordering::Relaxed)
        {
            return Err(if version(now) == v {
                RentError::Busy
            } else {
                RentError::Stale
            });
        }
        if self.epochs.any_pinned() {
            self.unlock_exclusive(shard, addr, slot, v);
            return Err(RentError::Busy);
        }
        #[cfg(feature = "debug")]
        slot.debug.rented(core::panic::Location::caller());
        Ok((shard, addr, slot, v))
    }

    /// Clears `EXCL`; finishes the removal if the value was removed meanwhile.
    pub(super) fn unlock_exclusive(&self, shard: u32, addr: u32, slot: &Slot<T>, v: u32) {
        let prev = slot.state.fetch_and(!u64::from(EXCL), Ordering::SeqCst);
        if version(prev) != v {
            self.finish_removal(self.ctx(), shard, addr, slot);
        }
    }

    /// Whether `h` names a live value here.
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = pool_core::SyncPool::new();
    /// let h = pool.insert(());
    /// assert!(pool.contains(h));
    /// pool.remove(h);
    /// assert!(!pool.contains(h));
    /// ```
    #[inline]
    pub fn contains(&self, h: Handle<T>) -> bool {
        self.locate(h).is_some_and(|(_, _, slot)| {
            version(slot.state.load(Ordering::Acquire)) == h.version(self.key)
        })
    }

    /// Live values over all shards (a snapshot while other threads work), in O(shards).
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = pool_core::SyncPool::new();
    /// pool.insert(1);
    /// assert_eq!(pool.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        let n: u64 = self.shards.iter().map(|s| s.live()).sum();
        let n = usize::try_from(n).unwrap_or(usize::MAX);
        self.link.publish_len(n);
        n
    }

    /// Whether no value is live.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(pool_core::SyncPool::<u8>::new().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

// === removal ===

impl<T> SyncPool<T> {
    /// Removes the value `h` names: the handle is stale at once, on every thread. The
    /// value is dropped now, or by the last guard on it, or (if a pin may see it) once the
    /// epoch has moved past every such pin. Returns `false` if `h` was not live.
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = pool_core::SyncPool::new();
    /// let h = pool.insert(1);
    /// assert!(pool.remove(h));
    /// assert!(!pool.remove(h));
    /// ```
    pub fn remove(&self, h: Handle<T>) -> bool {
        let Some((shard, addr, slot)) = self.locate(h) else {
            return false;
        };
        let v = h.version(self.key);
        let mut cur = slot.state.load(Ordering::Relaxed);
        loop {
            if version(cur) != v {
                return false;
            }
            let stale = pack(v.wrapping_add(1), lock(cur));
            match slot
                .state
                .compare_exchange_weak(cur, stale, Ordering::SeqCst, Ordering::Relaxed)
            {
                Ok(_) => break,
                Err(now) => cur = now,
            }
        }
        let ctx = self.ctx();
        self.note_removed(ctx, shard);
        if lock(cur) == 0 {
            self.finish_removal(ctx, shard, addr, slot);
        }
        true
    }

    /// Removes the value `h` names and returns it, if no guard and no pin can see it.
    ///
    /// # Errors
    ///
    /// [`RentError::Stale`] if `h` names no live value here; [`RentError::Busy`] if a
    /// guard on it is alive or a pin of this pool is active (the value stays then).
    ///
    /// # Examples
    ///
    /// ```
    /// use pool_core::{RentError, SyncPool};
    /// let pool = SyncPool::new();
    /// let h = pool.insert(String::from("x"));
    /// let r = pool.get(h).unwrap();
    /// assert_eq!(pool.take(h).unwrap_err(), RentError::Busy);
    /// drop(r);
    /// assert_eq!(pool.take(h).unwrap(), "x");
    /// assert_eq!(pool.take(h).unwrap_err(), RentError::Stale);
    /// ```
    #[cfg_attr(feature = "debug", track_caller)]
    pub fn take(&self, h: Handle<T>) -> Result<T, RentError> {
        let (shard, addr, slot, v) = self.lock_exclusive(h)?;
        let stale = v.wrapping_add(1);
        match slot.state.compare_exchange(
            pack(v, EXCL),
            pack(stale, 0),
            Ordering::SeqCst,
            Ordering::Relaxed,
        ) {
            Ok(_) => {
                let ctx = self.ctx();
                self.note_removed(ctx, shard);
                // SAFETY: the slot held a live value, and from the moment we set `EXCL`
                // no guard, pin or remover could reach it; the version is stale now, so
                // we are its only owner.
                let value = unsafe { slot.value_ptr().read() };
                self.free_vacant(ctx, shard, addr, slot, stale);
                Ok(value)
            }
            Err(_) => {
                // Another thread removed it while we held it: we are its last holder.
                self.unlock_exclusive(shard, addr, slot, v);
                Err(RentError::Stale)
            }
        }
    }

    /// Called by the last holder of a removed value (state: even version, no lock): drops
    /// it and frees the slot, or defers both while a pin may see it.
    pub(super) fn finish_removal(&self, ctx: Ctx, shard: u32, addr: u32, slot: &Slot<T>) {
        // The sequentially consistent read-modify-write that made us the last holder
        // comes before this read of the pin word in their total order (`epoch` module).
        if self.epochs.any_pinned() {
            self.defer(shard, addr, slot, 0);
            return;
        }
        let v = version(slot.state.load(Ordering::Acquire));
        // SAFETY: the value is initialised (invariant 1: it was live, and no one has
        // taken it since) and nobody else can reach it: its version is stale, no guard
        // holds it, and no pin was active after the version changed.
        let value = unsafe { slot.value_ptr().read() };
        self.free_vacant(ctx, shard, addr, slot, v);
        drop(value);
    }

    /// Puts a removed value on its shard's deferred list, stamped with the epoch.
    pub(super) fn defer(&self, shard: u32, addr: u32, slot: &Slot<T>, extra: u32) {
        let v = version(slot.state.load(Ordering::Relaxed));
        slot.state.store(pack(v, HELD | extra), Ordering::Relaxed);
        slot.stamp
            .store(self.epochs.now() as u32, Ordering::Relaxed);
        let sh = &self.shards[shard as usize];
        sh.remote.deferred.push(addr, slot, false);
        bump_shared(&sh.c.shared.deferred);
    }

    /// Frees a vacant slot whose value is gone (its version is `v`, even): onto the
    /// owner's list if the caller owns the shard, else onto its remote list. A slot whose
    /// version wrapped to 0 is retired instead.
    #[inline]
    pub(super) fn free_vacant(&self, ctx: Ctx, shard: u32, addr: u32, slot: &Slot<T>, v: u32) {
        slot.state.store(pack(v, 0), Ordering::Relaxed);
        if v == 0 {
            return;
        }
        let sh = &self.shards[shard as usize];
        match ctx {
            // SAFETY: `ctx` says the calling thread owns this shard.
            Ctx::Owned(s) if s == shard => unsafe { sh.push_free_local(addr, slot) },
            _ => sh.push_free_remote(addr, slot),
        }
    }
}
