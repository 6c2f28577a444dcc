//! Recycling across threads: [`SyncPool::acquire`] hands out a spare (a released value,
//! reset, still in its slot) before building a new value; [`SyncPool::release`] resets a
//! value and keeps it as a spare. Nothing is moved: a spare stays in its slot and gets a
//! new generation when acquired again. A release from another thread pushes the slot on
//! the owning shard's lock-free spare list; the owner takes that list whole when its own
//! runs dry.

use super::shard::bump;
use super::slot::{lock, pack, version, Slot, EXCL, HELD};
use super::{Count, Ctx, Recycled, Reservation, SyncPool, VacantUndo, RECYCLE};
use crate::error::{PoolError, RentError};
use crate::sync::atomic::Ordering;
use crate::{Handle, Reset};

#[cold]
#[track_caller]
fn acquire_panic(e: PoolError) -> ! {
    panic!("SyncPool: cannot acquire: {e}")
}

#[cold]
#[track_caller]
fn prefill_panic(e: PoolError) -> ! {
    panic!("SyncPool: cannot prefill: {e}")
}

impl<T: Reset> SyncPool<T> {
    /// A recycled value's handle: a spare if the caller's shard has one, else a value from
    /// the pool's factory, else `T::default()`.
    ///
    /// # Panics
    ///
    /// As [`insert`](SyncPool::insert); if `Reset` or the factory panics.
    ///
    /// # Examples
    ///
    /// ```
    /// let pool: pool_core::SyncPool<Vec<u8>> = pool_core::SyncPool::new();
    /// let h = pool.acquire();
    /// pool.rent_mut(h).unwrap().push(1);
    /// pool.release(h).unwrap();
    /// let h = pool.acquire();
    /// assert!(pool.get(h).unwrap().is_empty());
    /// assert_eq!(pool.stats().total.acquire_hits, 1);
    /// ```
    #[track_caller]
    pub fn acquire(&self) -> Handle<T>
    where
        T: Default,
    {
        self.acquire_with(T::default)
    }

    /// Like [`acquire`](SyncPool::acquire), reporting a full pool instead of panicking.
    ///
    /// # Errors
    ///
    /// As [`try_insert`](SyncPool::try_insert).
    ///
    /// # Examples
    ///
    /// ```
    /// let pool: pool_core::SyncPool<String> = pool_core::SyncPool::bounded(0);
    /// assert!(pool.try_acquire().is_err());
    /// ```
    #[cfg_attr(feature = "debug", track_caller)]
    pub fn try_acquire(&self) -> Result<Handle<T>, PoolError>
    where
        T: Default,
    {
        self.try_acquire_with(T::default)
    }

    /// Like [`acquire`](SyncPool::acquire), building a new value with `make` when there is
    /// no spare and the pool has no factory.
    ///
    /// # Panics
    ///
    /// As [`acquire`](SyncPool::acquire), and if `make` panics (nothing changes then).
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = pool_core::SyncPool::new();
    /// let h = pool.acquire_with(|| Vec::<u8>::with_capacity(1500));
    /// assert!(pool.get(h).unwrap().capacity() >= 1500);
    /// ```
    #[track_caller]
    pub fn acquire_with<F: FnOnce() -> T>(&self, make: F) -> Handle<T> {
        match self.try_acquire_with(make) {
            Ok(h) => h,
            Err(e) => acquire_panic(e),
        }
    }

    /// Like [`acquire_with`](SyncPool::acquire_with), reporting a full pool instead of
    /// panicking (`make` is not called then).
    ///
    /// # Errors
    ///
    /// As [`try_insert`](SyncPool::try_insert).
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = pool_core::SyncPool::bounded(1);
    /// assert!(pool.try_acquire_with(String::new).is_ok());
    /// assert!(pool.try_acquire_with(|| unreachable!()).is_err());
    /// ```
    #[cfg_attr(feature = "debug", track_caller)]
    pub fn try_acquire_with<F: FnOnce() -> T>(&self, make: F) -> Result<Handle<T>, PoolError> {
        self.acquire_inner(make, 0, true)
            .map(|(s, addr, _, v)| self.handle(s, addr, v))
    }

    /// Acquires a value (as [`acquire`](SyncPool::acquire)) inside a guard that releases
    /// it when dropped, on any thread.
    ///
    /// # Panics
    ///
    /// As [`acquire`](SyncPool::acquire).
    ///
    /// # Examples
    ///
    /// ```
    /// let pool: pool_core::SyncPool<String> = pool_core::SyncPool::new();
    /// {
    ///     let mut s = pool.acquire_guard();
    ///     s.push_str("scratch");
    /// } // released here
    /// assert_eq!(pool.len(), 0);
    /// assert_eq!(pool.stats().total.spares, 1);
    /// ```
    #[track_caller]
    pub fn acquire_guard(&self) -> Recycled<'_, T>
    where
        T: Default,
    {
        self.acquire_guard_with(T::default)
    }

    /// Like [`acquire_guard`](SyncPool::acquire_guard), building with `make` when there is
    /// no spare and no factory.
    ///
    /// # Panics
    ///
    /// As [`acquire_with`](SyncPool::acquire_with).
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = pool_core::SyncPool::new();
    /// let g = pool.acquire_guard_with(|| vec![0u8; 4]);
    /// assert_eq!(g.len(), 4);
    /// ```
    #[track_caller]
    pub fn acquire_guard_with<F: FnOnce() -> T>(&self, make: F) -> Recycled<'_, T> {
        match self.try_acquire_guard_with(make) {
            Ok(g) => g,
            Err(e) => acquire_panic(e),
        }
    }

    /// Like [`acquire_guard_with`](SyncPool::acquire_guard_with), reporting a full pool
    /// instead of panicking.
    ///
    /// # Errors
    ///
    /// As [`try_insert`](SyncPool::try_insert).
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = pool_core::SyncPool::bounded(1);
    /// let g = pool.try_acquire_guard_with(String::new).unwrap();
    /// assert!(pool.try_acquire_guard_with(String::new).is_err());
    /// drop(g);
    /// assert!(pool.try_acquire_guard_with(String::new).is_ok());
    /// ```
    #[cfg_attr(feature = "debug", track_caller)]
    pub fn try_acquire_guard_with<F: FnOnce() -> T>(
        &self,
        make: F,
    ) -> Result<Recycled<'_, T>, PoolError> {
        // No handle yet: nothing but this guard can reach the value, so dropping it needs
        // no read-modify-write and no pin check (see `Recycled::handle`).
        let (shard, addr, slot, version) = self.acquire_inner(make, EXCL, false)?;
        Ok(Recycled {
            pool: self,
            slot,
            shard,
            addr,
            version: core::cell::Cell::new(version),
        })
    }

    /// Builds spares until `n` wait in the calling thread's shard, so that its next `n`
    /// acquires find a value ready (what opool's `new_prefilled` does). Values come from
    /// the pool's factory, else `T::default()`.
    ///
    /// Spares are not live: they take slots, not places under a bound. A bounded pool
    /// keeps at most its bound of spares in one shard, since no more values can be live
    /// at once. Each thread has its own shard, so a thread prefills for itself.
    ///
    /// # Panics
    ///
    /// If the shard runs out of room or memory (see
    /// [`try_prefill_with`](SyncPool::try_prefill_with)), and if the factory or
    /// `T::default()` panics. The spares built until then stay.
    ///
    /// # Examples
    ///
    /// ```
    /// let pool: pool_core::SyncPool<Vec<u8>> = pool_core::SyncPool::new();
    /// pool.prefill(8);
    /// assert_eq!(pool.stats().total.spares, 8);
    /// assert!(pool.is_empty());
    /// let h = pool.acquire(); // a spare: nothing is built
    /// assert_eq!(pool.stats().total.acquire_hits, 1);
    /// assert!(pool.get(h).unwrap().is_empty());
    /// ```
    #[track_caller]
    pub fn prefill(&self, n: usize)
    where
        T: Default,
    {
        self.prefill_with(n, T::default);
    }

    /// Like [`prefill`](SyncPool::prefill) for any `T`: values come from the pool's
    /// factory, else `make`.
    ///
    /// # Panics
    ///
    /// As [`prefill`](SyncPool::prefill), and if `make` panics.
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = pool_core::SyncPool::new();
    /// pool.prefill_with(4, || Vec::<u8>::with_capacity(1500));
    /// let h = pool.acquire_with(|| unreachable!("a spare is waiting"));
    /// assert!(pool.get(h).unwrap().capacity() >= 1500);
    /// ```
    #[track_caller]
    pub fn prefill_with<F: FnMut() -> T>(&self, n: usize, make: F) {
        if let Err(e) = self.try_prefill_with(n, make) {
            prefill_panic(e)
        }
    }

    /// Like [`prefill_with`](SyncPool::prefill_with), but reports a shard out of room or
    /// memory instead of panicking; the spares built until then stay, and `make` is not
    /// called for a value that could not be kept.
    ///
    /// # Errors
    ///
    /// [`PoolError::CapacityOverflow`] when the shard has no slot left (2²⁴ a shard),
    /// [`PoolError::AllocFailed`] if growing the shard fails.
    ///
    /// # Examples
    ///
    /// ```
    /// let pool: pool_core::SyncPool<String> = pool_core::SyncPool::bounded(2);
    /// pool.try_prefill_with(10, String::new).unwrap();
    /// assert_eq!(pool.stats().total.spares, 2); // no more can be live at once
    /// ```
    pub fn try_prefill_with<F: FnMut() -> T>(
        &self,
        n: usize,
        mut make: F,
    ) -> Result<(), PoolError> {
        let want = self.bound.map_or(n, |bound| n.min(bound)) as u64;
        let ctx = self.ctx();
        loop {
            // Counted again each time: `make` is user code and may take spares itself.
            // Everything that can fail comes before `make`: a value built is always kept.
            let taken = self.with_own_shard(ctx, |s, sh| {
                if super::stats::spares_of(sh) >= want {
                    return Ok(None);
                }
                // SAFETY: `with_own_shard` runs this as the shard's owner.
                unsafe { sh.take_vacant() }.map(|(addr, slot)| Some((s, addr, slot)))
            })?;
            let Some((s, addr, slot)) = taken else {
                return Ok(());
            };
            let v = version(slot.state.load(Ordering::Relaxed));
            // If `make` panics, the slot goes back on a free list as it was.
            let undo = VacantUndo {
                pool: self,
                ctx,
                shard: s,
                addr,
                version: v,
                counted: false,
            };
            let value = match self.factory {
                Some(f) => f(),
                None => make(),
            };
            core::mem::forget(undo);
            // SAFETY: the slot is vacant (even version, no lock) and off every list: this
            // thread took it, and nobody else writes a vacant slot (invariant 2).
            unsafe { slot.value_ptr().write(value) };
            // A spare: initialised, not live, `HELD`, under the slot's even version.
            slot.state.store(pack(v, HELD), Ordering::Release);
            // Not a removal: the value was never live.
            self.push_spare(ctx, s, addr, slot, false);
        }
    }

    /// Takes the value `h` names out of use, resets it and keeps it as a spare in its
    /// slot. The handle is stale at once. From another thread than the value's shard's
    /// owner, this takes no lock. While a pin is active the reset waits: the value is
    /// deferred like a removal and becomes a spare (reset by the `acquire` that takes it)
    /// once no pin can see it.
    ///
    /// # Errors
    ///
    /// [`RentError::Stale`] if `h` names no live value here; [`RentError::Busy`] if a
    /// guard on it is alive (nothing changes then).
    ///
    /// # Examples
    ///
    /// ```
    /// use pool_core::{RentError, SyncPool};
    /// let pool: SyncPool<String> = SyncPool::new();
    /// let h = pool.acquire();
    /// let r = pool.get(h).unwrap();
    /// assert_eq!(pool.release(h), Err(RentError::Busy));
    /// drop(r);
    /// assert_eq!(pool.release(h), Ok(()));
    /// assert_eq!(pool.release(h), Err(RentError::Stale));
    /// ```
    pub fn release(&self, h: Handle<T>) -> Result<(), RentError> {
        let (shard, addr, slot) = self.locate(h).ok_or(RentError::Stale)?;
        self.release_held(shard, addr, slot, h.version(self.key), 0)
    }

    /// Releases the live value in `slot` (version `v`) whose lock bits are `held` (0 for
    /// `release`, `EXCL` for a `Recycled` guard).
    pub(super) fn release_held(
        &self,
        shard: u32,
        addr: u32,
        slot: &Slot<T>,
        v: u32,
        held: u32,
    ) -> Result<(), RentError> {
        let stale = v.wrapping_add(1);
        if let Err(now) = slot.state.compare_exchange(
            pack(v, held),
            pack(stale, HELD),
            Ordering::SeqCst,
            Ordering::Relaxed,
        ) {
            if held == EXCL {
                // Removed through the guard's handle while held: we are the last holder.
                self.unlock_exclusive(shard, addr, slot, v);
                return Err(RentError::Stale);
            }
            return Err(if version(now) == v {
                RentError::Busy
            } else {
                RentError::Stale
            });
        }
        let ctx = self.ctx();
        let owner = matches!(ctx, Ctx::Owned(s) if s == shard);
        if owner || stale == 0 || self.epochs.any_pinned() {
            self.note_removed(ctx, shard);
        } else {
            // Counted by the push on the remote spare list below.
            self.unreserve();
        }
        if stale == 0 {
            // The version wrapped: retire the slot rather than risk an old handle.
            slot.state.store(pack(0, 0), Ordering::Relaxed);
            // SAFETY: we own the released value (state `HELD`, off every list).
            drop(unsafe { slot.value_ptr().read() });
            return Ok(());
        }
        if self.epochs.any_pinned() {
            self.defer(shard, addr, slot, RECYCLE);
            return Ok(());
        }
        // The value is ours alone: its version is stale, no guard holds it, and no pin was
        // active after the version changed (epoch module).
        self.reset_to_spare(ctx, shard, addr, slot, owner);
        Ok(())
    }

    /// Resets a released value (state `HELD`, reachable by nobody else) and makes it a
    /// spare. If `Reset` panics, the value is dropped and its slot freed (and, for a release
    /// by another thread than the owner, its removal counted, which the spare push would
    /// have done).
    #[inline]
    fn reset_to_spare(&self, ctx: Ctx, shard: u32, addr: u32, slot: &Slot<T>, owner: bool) {
        let undo = ResetUndo {
            pool: self,
            ctx,
            shard,
            addr,
            uncounted: !owner,
        };
        // SAFETY: the caller owns the released value alone. User code may re-enter the
        // pool: nothing of the pool is borrowed here.
        unsafe { (*slot.value_ptr()).reset() };
        core::mem::forget(undo);
        self.push_spare(ctx, shard, addr, slot, true);
    }

    /// Releases the value of a `Recycled` guard that never got a handle (state: its even
    /// version `v`, `EXCL`): nothing else can reach it, so no compare-exchange and no pin
    /// check are needed.
    #[inline]
    pub(super) fn release_unpublished(&self, shard: u32, addr: u32, slot: &Slot<T>, v: u32) {
        slot.state.store(pack(v, HELD), Ordering::Relaxed);
        let ctx = self.ctx();
        let owner = matches!(ctx, Ctx::Owned(s) if s == shard);
        if owner {
            self.note_removed(ctx, shard);
        } else {
            // Counted by the push on the remote spare list below.
            self.unreserve();
        }
        // The value is ours alone: no handle names it, the guard was its only holder.
        self.reset_to_spare(ctx, shard, addr, slot, owner);
    }

    /// Takes a spare or makes a value; publishes it with lock bits `lock_bits`.
    #[cfg_attr(feature = "debug", track_caller)]
    #[inline]
    fn acquire_inner<F: FnOnce() -> T>(
        &self,
        make: F,
        lock_bits: u32,
        publish: bool,
    ) -> Result<(u32, u32, &Slot<T>, u32), PoolError> {
        let reservation = Reservation::take(self)?;
        let ctx = self.ctx();
        let spare = self.with_own_shard(ctx, |s, sh| {
            // SAFETY: `with_own_shard` runs this as the shard's owner.
            let (addr, slot) = unsafe { sh.pop_spare() }?;
            let dirty = lock(slot.state.load(Ordering::Relaxed)) & RECYCLE != 0;
            if !dirty {
                sh.note_added();
                bump(&sh.c.own.hits);
            }
            Some((s, addr, slot, dirty))
        });
        if let Some((s, addr, slot, dirty)) = spare {
            if dirty {
                // Released while a pin was active: reset it now.
                let undo = ResetUndo {
                    pool: self,
                    ctx,
                    shard: s,
                    addr,
                    uncounted: false,
                };
                // SAFETY: a spare is ours alone once off its list (invariant 2), and ripe.
                unsafe { (*slot.value_ptr()).reset() };
                core::mem::forget(undo);
                self.with_own_shard(ctx, |_, sh| {
                    sh.note_added();
                    bump(&sh.c.own.hits);
                });
            }
            reservation.keep();
            let v = version(slot.state.load(Ordering::Relaxed)) + u32::from(publish);
            #[cfg(feature = "debug")]
            self.record_insert(slot);
            slot.state.store(pack(v, lock_bits), Ordering::Release);
            return Ok((s, addr, slot, v));
        }
        // User code before any bookkeeping: a panic leaves the pool as it was.
        let value = match self.factory {
            Some(f) => f(),
            None => make(),
        };
        let (s, addr, slot) = self.alloc_slot(ctx, Count::Miss)?;
        reservation.keep();
        let v = self.place(slot, value, lock_bits, publish);
        Ok((s, addr, slot, v))
    }
}

impl<T> SyncPool<T> {
    /// Puts a spare on the owner's spare list if the caller owns the shard, else on the
    /// shard's remote spare list; `counts_removal`: the push also counts the release as
    /// the value's removal (see `shard::Remote::spare`).
    #[inline]
    pub(super) fn push_spare(
        &self,
        ctx: Ctx,
        shard: u32,
        addr: u32,
        slot: &Slot<T>,
        counts_removal: bool,
    ) {
        let sh = &self.shards[shard as usize];
        match ctx {
            Ctx::Owned(s) if s == shard => {
                // SAFETY: `ctx` says the calling thread owns this shard.
                unsafe { sh.push_spare_local(addr, slot) };
                bump(&sh.c.own.spared_local);
            }
            _ => {
                sh.remote.spare.push(addr, slot, counts_removal);
                if !counts_removal {
                    super::shard::bump_shared(&sh.c.shared.spared_remote_uncounted);
                }
            }
        }
    }
}

/// Drops a value whose `Reset` panicked and frees its slot.
struct ResetUndo<'a, T> {
    pool: &'a SyncPool<T>,
    ctx: Ctx,
    shard: u32,
    addr: u32,
    /// The release was to be counted by its push on the remote spare list, which will
    /// not happen now: count it as a removal here.
    uncounted: bool,
}

impl<T> Drop for ResetUndo<'_, T> {
    fn drop(&mut self) {
        let slot = self.pool.shards[self.shard as usize].slot(self.addr);
        let v = version(slot.state.load(Ordering::Relaxed));
        // SAFETY: the value was ours (released, off every list) when `reset` panicked;
        // it is still initialised.
        let value = unsafe { slot.value_ptr().read() };
        if self.uncounted {
            let c = &self.pool.shards[self.shard as usize].c;
            super::shard::bump_shared(&c.shared.remote_removed);
        }
        self.pool
            .free_vacant(self.ctx, self.shard, self.addr, slot, v);
        drop(value);
    }
}
