//! Finding values of a [`Pool`]: by handle (`get`, `get_mut`, `get_disjoint_mut`, and
//! their unchecked forms), and from a reference back to its handle (`handle_of`).

use super::slot::Slot;
use super::Pool;
use crate::Handle;

impl<T> Pool<T> {
    /// The slot `h` names, if `h` is live in this pool (invariant 5).
    #[inline]
    pub(super) fn live_slot(&self, h: Handle<T>) -> Option<&Slot<T>> {
        let slot = self.slot_at(h.index() as usize)?;
        if slot.generation == h.generation() {
            Some(slot)
        } else {
            None
        }
    }

    #[inline]
    pub(super) fn live_slot_mut(&mut self, h: Handle<T>) -> Option<&mut Slot<T>> {
        let slot = self.slot_at_mut(h.index() as usize)?;
        if slot.generation == h.generation() {
            Some(slot)
        } else {
            None
        }
    }

    /// Whether `h` names a live value in this pool (rented or not).
    ///
    /// # Examples
    ///
    /// ```
    /// let mut pool = pool_core::Pool::new();
    /// let h = pool.insert(1);
    /// assert!(pool.contains(h));
    /// pool.remove(h);
    /// assert!(!pool.contains(h));
    /// ```
    #[inline]
    pub fn contains(&self, h: Handle<T>) -> bool {
        self.live_slot(h).is_some()
    }

    /// A shared reference to the value `h` names; `None` if `h` is stale, foreign or
    /// forged.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut pool = pool_core::Pool::new();
    /// let h = pool.insert(3);
    /// assert_eq!(pool.get(h), Some(&3));
    /// ```
    #[inline]
    pub fn get(&self, h: Handle<T>) -> Option<&T> {
        let slot = self.live_slot(h)?;
        // SAFETY: the slot is occupied (invariant 5), and through `&self` no `&mut T` to
        // its value exists (invariant 4).
        Some(unsafe { &*slot.value_ptr() })
    }

    /// A mutable reference to the value `h` names; `None` if `h` is not live here.
    ///
    /// Reaches values whose rent guard was leaked, too: `&mut self` proves no guard is
    /// alive.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut pool = pool_core::Pool::new();
    /// let h = pool.insert(3);
    /// *pool.get_mut(h).unwrap() += 1;
    /// assert_eq!(pool[h], 4);
    /// ```
    #[inline]
    pub fn get_mut(&mut self, h: Handle<T>) -> Option<&mut T> {
        let slot = self.live_slot_mut(h)?;
        // SAFETY: the slot is occupied (invariant 5: the version matched), and `&mut self`
        // rules out every other reference to its value.
        Some(unsafe { &mut *slot.value_ptr() })
    }

    /// Mutable references to several values at once.
    ///
    /// `None` if any handle is not live here, or if two handles name the same value.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut pool = pool_core::Pool::new();
    /// let (a, b) = (pool.insert(1), pool.insert(2));
    /// let [x, y] = pool.get_disjoint_mut([a, b]).unwrap();
    /// core::mem::swap(x, y);
    /// assert_eq!((pool[a], pool[b]), (2, 1));
    /// assert!(pool.get_disjoint_mut([a, a]).is_none());
    /// ```
    pub fn get_disjoint_mut<const N: usize>(
        &mut self,
        handles: [Handle<T>; N],
    ) -> Option<[&mut T; N]> {
        for (i, &h) in handles.iter().enumerate() {
            self.live_slot(h)?;
            if handles[..i].iter().any(|&o| o.index() == h.index()) {
                return None;
            }
        }
        let base = self.slots.as_mut_ptr();
        Some(handles.map(|h| {
            // SAFETY: every handle is live (checked above), so its index is in bounds and
            // its slot occupied; the indices are pairwise distinct, so the `&mut T`s do
            // not overlap; `&mut self` excludes every other reference into `slots`.
            unsafe { &mut *Slot::raw_value_ptr(base.add(h.index() as usize)) }
        }))
    }

    /// A shared reference to the value `h` names, without checking `h`.
    ///
    /// [`get`](Pool::get) is the checked form: one comparison more.
    ///
    /// # Safety
    ///
    /// `h` must name a live value of this pool: `self.contains(h)`.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut pool = pool_core::Pool::new();
    /// let h = pool.insert(3);
    /// assert!(pool.contains(h));
    /// // SAFETY: `h` was just checked to be live.
    /// assert_eq!(unsafe { pool.get_unchecked(h) }, &3);
    /// ```
    #[inline]
    pub unsafe fn get_unchecked(&self, h: Handle<T>) -> &T {
        debug_assert!(
            self.contains(h),
            "get_unchecked with a handle that is not live"
        );
        // SAFETY: `h` is live (caller), so its index is in bounds and its slot occupied
        // (invariants 1 and 5); through `&self` no `&mut T` exists (invariant 4).
        unsafe { &*self.slots.get_unchecked(h.index() as usize).value_ptr() }
    }

    /// A mutable reference to the value `h` names, without checking `h`.
    ///
    /// [`get_mut`](Pool::get_mut) is the checked form.
    ///
    /// # Safety
    ///
    /// `h` must name a live value of this pool: `self.contains(h)`.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut pool = pool_core::Pool::new();
    /// let h = pool.insert(3);
    /// assert!(pool.contains(h));
    /// // SAFETY: `h` was just checked to be live.
    /// unsafe { *pool.get_unchecked_mut(h) += 1 };
    /// assert_eq!(pool[h], 4);
    /// ```
    #[inline]
    pub unsafe fn get_unchecked_mut(&mut self, h: Handle<T>) -> &mut T {
        debug_assert!(
            self.contains(h),
            "get_unchecked_mut with a handle that is not live"
        );
        // SAFETY: as in `get_unchecked`; `&mut self` rules out every other reference to
        // the value.
        unsafe { &mut *self.slots.get_unchecked(h.index() as usize).value_ptr() }
    }

    /// The handle of a live value of this pool, from a reference to it (slab's
    /// `key_of`); `None` if `value` is anything else: another pool's value, a copy, a
    /// value that was removed.
    ///
    /// O(1): the reference's address names the slot; no value is read.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut pool = pool_core::Pool::new();
    /// let (a, b) = (pool.insert(5), pool.insert(5));
    /// assert_eq!(pool.handle_of(&pool[b]), Some(b));
    /// assert_eq!(pool.handle_of(&pool[a]), Some(a));
    /// assert_eq!(pool.handle_of(&5), None); // equal, but not in the pool
    /// ```
    pub fn handle_of(&self, value: &T) -> Option<Handle<T>> {
        let stride = core::mem::size_of::<Slot<T>>();
        // Addresses only: no pointer is made from the difference.
        let offset = (value as *const T)
            .addr()
            .wrapping_sub(self.slots.as_ptr().addr())
            .wrapping_sub(Slot::<T>::VALUE_OFFSET);
        if offset % stride != 0 {
            return None;
        }
        let i = offset / stride;
        let slot = self.slot_at(i)?;
        if !slot.is_occupied() {
            return None;
        }
        // SAFETY: the slot is occupied (checked just above).
        Some(unsafe { Self::slot_handle(i as u32, slot) })
    }
}
