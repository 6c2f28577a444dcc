//! Exclusive phases: with `&mut SyncPool` no other thread can hold a guard or a pin, so
//! values are reached directly: [`get_mut`](SyncPool::get_mut), [`iter`](SyncPool::iter),
//! [`iter_mut`](SyncPool::iter_mut), [`drain`](SyncPool::drain),
//! [`clear`](SyncPool::clear).
//!
//! Lock bits left by leaked guards (`mem::forget`) are ignored here: a forgotten guard can
//! no longer be used, so its lock is only bookkeeping.

use alloc::boxed::Box;
use core::fmt;
use core::iter::FusedIterator;

use super::shard::Shard;
use super::slot::{lock, pack, version};
use super::SyncPool;
use crate::sync::atomic::Ordering::Relaxed;
use crate::Handle;

/// Walks the slots of every shard in order: (shard, address) of each slot made.
struct Cursor {
    shard: u32,
    addr: u32,
    /// Slots made in `shard`.
    made: u32,
}

impl Cursor {
    fn new<T>(pool: &mut SyncPool<T>) -> Self {
        let made = pool.shards.first_mut().map_or(0, Shard::made);
        Cursor {
            shard: 0,
            addr: 0,
            made,
        }
    }

    /// The next slot whose state satisfies `want`.
    fn next<T>(&mut self, pool: &SyncPool<T>, want: impl Fn(u64) -> bool) -> Option<(u32, u32)> {
        loop {
            if self.addr == self.made {
                self.shard += 1;
                let sh = pool.shards.get(self.shard as usize)?;
                self.addr = 0;
                // SAFETY: the cursor belongs to an iterator that borrows the pool
                // exclusively, so no thread owns a shard right now.
                self.made = unsafe { sh.with_local(|l| l.made) };
                continue;
            }
            let addr = self.addr;
            self.addr += 1;
            let st = pool.shards[self.shard as usize]
                .slot(addr)
                .state
                .load(Relaxed);
            if want(st) {
                return Some((self.shard, addr));
            }
        }
    }
}

fn live(state: u64) -> bool {
    version(state) & 1 == 1
}

impl<T> SyncPool<T> {
    /// The value `h` names, mutably, with no guard (the pool is borrowed exclusively).
    ///
    /// # Examples
    ///
    /// ```
    /// let mut pool = pool_core::SyncPool::new();
    /// let h = pool.insert(1);
    /// *pool.get_mut(h).unwrap() += 1;
    /// assert_eq!(*pool.get(h).unwrap(), 2);
    /// ```
    pub fn get_mut(&mut self, h: Handle<T>) -> Option<&mut T> {
        let (_, _, slot) = self.locate(h)?;
        if version(slot.state.load(Relaxed)) != h.version(self.key) {
            return None;
        }
        // SAFETY: live (odd version); `&mut self` excludes every guard and pin.
        Some(unsafe { &mut *slot.value_ptr() })
    }

    /// Every live value with its handle, shard by shard in slot order.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut pool = pool_core::SyncPool::new();
    /// pool.insert(1);
    /// pool.insert(2);
    /// assert_eq!(pool.iter().map(|(_, v)| *v).sum::<i32>(), 3);
    /// ```
    pub fn iter(&mut self) -> Iter<'_, T> {
        Iter {
            cursor: Cursor::new(self),
            pool: self,
        }
    }

    /// Every live value, mutably, with its handle.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut pool = pool_core::SyncPool::new();
    /// let h = pool.insert(1);
    /// for (_, v) in pool.iter_mut() {
    ///     *v *= 10;
    /// }
    /// assert_eq!(*pool.get(h).unwrap(), 10);
    /// ```
    pub fn iter_mut(&mut self) -> IterMut<'_, T> {
        IterMut {
            cursor: Cursor::new(self),
            pool: self,
        }
    }

    /// Removes every live value, yielding each with its handle. Values the iterator has
    /// not reached when it is dropped are removed and dropped then.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut pool = pool_core::SyncPool::new();
    /// let h = pool.insert("a");
    /// let all: Vec<_> = pool.drain().collect();
    /// assert_eq!(all, [(h, "a")]);
    /// assert!(pool.is_empty() && !pool.contains(h));
    /// ```
    pub fn drain(&mut self) -> Drain<'_, T> {
        Drain {
            cursor: Cursor::new(self),
            pool: self,
        }
    }

    /// Drops every value: live ones (their handles go stale), values waiting for an
    /// epoch or held by leaked guards, and spares. Keeps the memory. If a `Drop` panics,
    /// the others are still dropped and the pool is consistent (and empty) when the panic
    /// continues.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut pool = pool_core::SyncPool::new();
    /// let h = pool.insert(String::from("x"));
    /// pool.clear();
    /// assert!(pool.is_empty() && !pool.contains(h));
    /// let h2 = pool.insert(String::new());
    /// assert_ne!(h, h2);
    /// ```
    pub fn clear(&mut self) {
        let panic = self.drop_all(true);
        self.live.store(0, Relaxed);
        self.link.publish_len(0);
        if let Some(p) = panic {
            std::panic::resume_unwind(p);
        }
    }

    /// Drops every value (see `clear`); keeps dropping after a panicking `Drop` and
    /// returns the first panic. With `rebuild`, the free lists are rebuilt (the pool
    /// stays usable); without, the pool is being dropped.
    pub(super) fn drop_all(&mut self, rebuild: bool) -> Option<Box<dyn core::any::Any + Send>> {
        let mut panic = None;
        for s in 0..self.shards.len() {
            let sh = &mut self.shards[s];
            let made = sh.made();
            for addr in 0..made {
                let slot = sh.slot(addr);
                let st = slot.state.load(Relaxed);
                if !(live(st) || lock(st) != 0) {
                    continue;
                }
                // Bookkeeping first: the slot is vacant before its value's `Drop` runs.
                let v = version(st) + (version(st) & 1);
                slot.state.store(pack(v, 0), Relaxed);
                let ptr = slot.value_ptr();
                // SAFETY: the value was initialised (invariant 1) and nothing else can
                // reach it (`&mut self`); its state now says vacant, so it is dropped once.
                let result = std::panic::catch_unwind(core::panic::AssertUnwindSafe(|| unsafe {
                    ptr.drop_in_place()
                }));
                if let Err(p) = result {
                    panic.get_or_insert(p);
                }
            }
            if rebuild {
                let sh = &mut self.shards[s];
                for c in [
                    &sh.c.own.added,
                    &sh.c.own.local_removed,
                    &sh.c.shared.remote_removed,
                ] {
                    c.store(0, Relaxed);
                }
                for c in [
                    &sh.c.own.spared_local,
                    &sh.c.own.spared_remote_taken,
                    &sh.c.shared.spared_remote_uncounted,
                    &sh.c.own.remote_seen,
                    &sh.c.own.hits,
                ] {
                    c.store(0, Relaxed);
                }
                // A vacant slot at version 0 below `made` was retired (its version
                // wrapped) and stays out of use.
                let vacant: alloc::vec::Vec<u32> = (0..made)
                    .filter(|&a| version(sh.slot(a).state.load(Relaxed)) != 0)
                    .collect();
                sh.rebuild(vacant.into_iter());
            }
        }
        panic
    }

    /// `Drop`: every value still held.
    pub(super) fn drop_values(&mut self) {
        if let Some(p) = self.drop_all(false) {
            std::panic::resume_unwind(p);
        }
    }
}

/// The live values of a [`SyncPool`] with their handles; see [`SyncPool::iter`].
pub struct Iter<'a, T> {
    pool: &'a SyncPool<T>,
    cursor: Cursor,
}

impl<'a, T> Iterator for Iter<'a, T> {
    type Item = (Handle<T>, &'a T);
    fn next(&mut self) -> Option<Self::Item> {
        let (s, addr) = self.cursor.next(self.pool, live)?;
        let slot = self.pool.shards[s as usize].slot(addr);
        let v = version(slot.state.load(Relaxed));
        // SAFETY: live; the iterator borrows the pool exclusively (made from `&mut`).
        Some((self.pool.handle(s, addr, v), unsafe {
            &*slot.value_const()
        }))
    }
}

impl<T> FusedIterator for Iter<'_, T> {}

impl<T> fmt::Debug for Iter<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Iter").finish_non_exhaustive()
    }
}

/// The live values of a [`SyncPool`], mutably; see [`SyncPool::iter_mut`].
pub struct IterMut<'a, T> {
    pool: &'a SyncPool<T>,
    cursor: Cursor,
}

impl<'a, T> Iterator for IterMut<'a, T> {
    type Item = (Handle<T>, &'a mut T);
    fn next(&mut self) -> Option<Self::Item> {
        let (s, addr) = self.cursor.next(self.pool, live)?;
        let slot = self.pool.shards[s as usize].slot(addr);
        let v = version(slot.state.load(Relaxed));
        // SAFETY: live; the iterator borrows the pool exclusively and visits each slot
        // once, so the references it hands out never overlap.
        Some((self.pool.handle(s, addr, v), unsafe {
            &mut *slot.value_ptr()
        }))
    }
}

impl<T> FusedIterator for IterMut<'_, T> {}

impl<T> fmt::Debug for IterMut<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IterMut").finish_non_exhaustive()
    }
}

// SAFETY: the iterators are a `&SyncPool` made from `&mut SyncPool` plus a cursor; they
// hand out `&T` / `&mut T` on whichever thread holds them.
unsafe impl<T: Sync> Send for Iter<'_, T> {}
// SAFETY: as above.
unsafe impl<T: Sync> Sync for Iter<'_, T> {}
// SAFETY: as above (`&mut T` crossing threads needs `T: Send`).
unsafe impl<T: Send> Send for IterMut<'_, T> {}
// SAFETY: `&IterMut` hands out nothing.
unsafe impl<T: Sync> Sync for IterMut<'_, T> {}

/// Removes and yields every live value of a [`SyncPool`]; see [`SyncPool::drain`].
pub struct Drain<'a, T> {
    pool: &'a mut SyncPool<T>,
    cursor: Cursor,
}

impl<T> Iterator for Drain<'_, T> {
    type Item = (Handle<T>, T);
    fn next(&mut self) -> Option<Self::Item> {
        let (s, addr) = self.cursor.next(self.pool, live)?;
        let pool = &*self.pool;
        let sh = &pool.shards[s as usize];
        let slot = sh.slot(addr);
        let v = version(slot.state.load(Relaxed));
        let h = pool.handle(s, addr, v);
        let stale = v.wrapping_add(1);
        // SAFETY: live; the pool is borrowed exclusively; the state says vacant from
        // here on, so the value is moved out once.
        let value = unsafe { slot.value_ptr().read() };
        super::shard::bump(&sh.c.own.local_removed);
        pool.unreserve();
        slot.state.store(pack(stale, 0), Relaxed);
        if stale != 0 {
            // SAFETY: exclusive borrow: no thread owns the shard now.
            unsafe { sh.push_free_local(addr, slot) };
        }
        Some((h, value))
    }
}

impl<T> FusedIterator for Drain<'_, T> {}

impl<T> Drop for Drain<'_, T> {
    fn drop(&mut self) {
        self.for_each(drop);
    }
}

impl<T> fmt::Debug for Drain<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Drain").finish_non_exhaustive()
    }
}
