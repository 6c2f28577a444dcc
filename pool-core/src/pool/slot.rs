//! One slot of a [`Pool`](super::Pool) and the encoding of its rent state.

use core::cell::{Cell, UnsafeCell};
use core::mem::{ManuallyDrop, MaybeUninit};
use core::ptr;

/// `state` of an occupied slot that is exclusively rented.
pub(super) const EXCLUSIVE: u32 = u32::MAX;
/// Most shared rents of one value at once.
pub(super) const MAX_SHARED: u32 = EXCLUSIVE - 1;
/// Ends the free list.
pub(super) const NONE: u32 = u32::MAX;
/// `state` of a vacant slot that holds a spare: a released, reset value kept in place for
/// `acquire`. Never a slot index (a pool has at most `u32::MAX - 1` slots).
pub(super) const SPARE: u32 = u32::MAX - 1;

/// A slot: a value (initialised iff `generation` is odd, or the slot holds a spare), its
/// generation, and its rent state, free-list link or [`SPARE`] mark.
pub(super) struct Slot<T> {
    /// Initialised iff `generation` is odd or the slot is a spare (see `is_spare`).
    value: UnsafeCell<MaybeUninit<T>>,
    /// The slot's version plus the pool's (even) key, wrapping: exactly the generation
    /// the slot's handle carries, so a lookup compares it with the handle's as is. Odd
    /// while occupied, even while vacant; equal to the key on a vacant slot (version 0)
    /// means retired. Only changes through `&mut Pool`.
    pub(super) generation: u32,
    /// Occupied: `EXCLUSIVE` while a `RentMut` of the value exists (or was leaked),
    /// otherwise the number of counted `Rent`s alive (or leaked). Vacant: the index of the
    /// next free slot ([`NONE`] ends the list), or [`SPARE`] if the slot keeps a spare. Written only through `&mut Pool` or a
    /// `Rentals`, which holds `&mut Pool`. (Keeping the link here rather than in the
    /// value's bytes measured faster for large `T`: a remove and the insert that follows
    /// it then never touch the same bytes.)
    pub(super) state: Cell<u32>,
}

impl<T> Slot<T> {
    /// Where the value lies inside a slot, in bytes.
    pub(super) const VALUE_OFFSET: usize = core::mem::offset_of!(Self, value);

    #[inline]
    pub(super) fn occupied(value: T, generation: u32) -> Self {
        debug_assert!(generation & 1 == 1);
        Slot {
            value: UnsafeCell::new(MaybeUninit::new(value)),
            generation,
            state: Cell::new(0),
        }
    }

    /// A spare: a vacant slot (even `generation`, not retired) keeping `value`.
    pub(super) fn spare(value: T, generation: u32) -> Self {
        debug_assert!(generation & 1 == 0);
        Slot {
            value: UnsafeCell::new(MaybeUninit::new(value)),
            generation,
            state: Cell::new(SPARE),
        }
    }

    #[inline]
    pub(super) fn vacant(generation: u32, next_free: u32) -> Self {
        debug_assert!(generation & 1 == 0);
        Slot {
            value: UnsafeCell::new(MaybeUninit::uninit()),
            generation,
            state: Cell::new(next_free),
        }
    }

    #[inline]
    pub(super) fn is_occupied(&self) -> bool {
        self.generation & 1 == 1
    }

    /// Whether the slot is vacant but keeps a spare value (initialised, reset, not live).
    #[inline]
    pub(super) fn is_spare(&self) -> bool {
        !self.is_occupied() && self.state.get() == SPARE
    }

    /// Whether the value is initialised: occupied, or a spare.
    #[inline]
    fn holds_value(&self) -> bool {
        self.is_occupied() || self.state.get() == SPARE
    }

    /// Turns an occupied slot into a spare with generation `next`; the value stays.
    ///
    /// # Safety
    ///
    /// - The slot must be occupied; `next` must be even and not the pool's key (a spare
    ///   never sits in a retired slot).
    #[inline]
    pub(super) unsafe fn make_spare(&mut self, next: u32) {
        debug_assert!(self.is_occupied() && next & 1 == 0);
        self.generation = next;
        *self.state.get_mut() = SPARE;
    }

    /// Turns a spare back into an occupied slot with `generation`; the value stays.
    #[inline]
    pub(super) fn revive(&mut self, generation: u32) {
        debug_assert!(self.is_spare() && generation & 1 == 1);
        self.generation = generation;
        *self.state.get_mut() = 0;
    }

    /// Drops a spare's value and leaves the slot free, linked to `next_free`.
    ///
    /// The slot is marked free before the value's `Drop` runs: if it panics, the value is
    /// not dropped again.
    ///
    /// # Safety
    ///
    /// - The slot must be a spare.
    #[inline]
    pub(super) unsafe fn drop_spare(&mut self, next_free: u32) {
        debug_assert!(self.is_spare());
        *self.state.get_mut() = next_free;
        // SAFETY: a spare's value is initialised (caller); the slot is free from now on,
        // so it is dropped exactly once.
        unsafe { self.value.get_mut().assume_init_drop() }
    }

    /// Raw pointer to the value; valid to read while occupied.
    #[inline]
    pub(super) fn value_ptr(&self) -> *mut T {
        self.value.get().cast::<T>()
    }

    /// Raw pointer to the value of the slot at `slot`, without creating a reference.
    ///
    /// # Safety
    ///
    /// - `slot` must point to a live `Slot<T>`.
    #[inline]
    pub(super) unsafe fn raw_value_ptr(slot: *mut Self) -> *mut T {
        // SAFETY: the caller guarantees `slot` points to a live slot, so projecting to
        // its fields stays in bounds; no reference is created.
        let cell = unsafe { ptr::addr_of_mut!((*slot).value) };
        UnsafeCell::raw_get(cell).cast::<T>()
    }

    /// The next slot on the free list; meaningful only while vacant.
    #[inline]
    pub(super) fn next_free(&self) -> u32 {
        debug_assert!(!self.is_occupied());
        self.state.get()
    }

    /// The value, through `&mut`; `None` if vacant.
    #[inline]
    pub(super) fn get_mut(&mut self) -> Option<&mut T> {
        if self.is_occupied() {
            // SAFETY: the slot is occupied, so the value is initialised; `&mut self`
            // rules out every other reference to it.
            Some(unsafe { self.value.get_mut().assume_init_mut() })
        } else {
            None
        }
    }

    /// Moves the value out and leaves the slot vacant with generation `next`, linked to
    /// `next_free`.
    ///
    /// # Safety
    ///
    /// - The slot must be occupied.
    /// - `next` must be even.
    #[inline]
    pub(super) unsafe fn take(&mut self, next: u32, next_free: u32) -> T {
        debug_assert!(self.is_occupied() && next & 1 == 0);
        self.generation = next;
        *self.state.get_mut() = next_free;
        // SAFETY: the slot was occupied (caller), so the value is initialised; it is read
        // exactly once (the generation is even from now on).
        unsafe { self.value.get_mut().assume_init_read() }
    }

    /// Writes a value into a vacant slot, making it occupied with `generation`.
    #[inline]
    pub(super) fn fill(&mut self, value: T, generation: u32) {
        debug_assert!(!self.is_occupied() && generation & 1 == 1);
        self.value.get_mut().write(value);
        self.generation = generation;
        *self.state.get_mut() = 0;
    }

    /// Writes a value into a vacant slot as a spare; the generation stays (even).
    ///
    /// The caller has taken the slot off the free list and lists it as a spare.
    #[inline]
    pub(super) fn fill_spare(&mut self, value: T) {
        debug_assert!(!self.is_occupied());
        self.value.get_mut().write(value);
        *self.state.get_mut() = SPARE;
    }

    /// Consumes the slot, giving its value if it was occupied (a spare is dropped).
    #[inline]
    pub(super) fn into_value(self) -> Option<T> {
        if !self.is_occupied() {
            // Vacant or spare: `Drop` drops a spare.
            return None;
        }
        let mut this = ManuallyDrop::new(self);
        // SAFETY: occupied, so initialised; `this` is never dropped, so the value is
        // moved out exactly once.
        Some(unsafe { this.value.get_mut().assume_init_read() })
    }
}

impl<T> Drop for Slot<T> {
    #[inline]
    fn drop(&mut self) {
        if core::mem::needs_drop::<T>() && self.holds_value() {
            // Mark empty first: if the value's `Drop` panics, it is not dropped again.
            self.generation = self.generation.wrapping_add(self.generation & 1);
            *self.state.get_mut() = NONE;
            // SAFETY: the slot was occupied or a spare, so the value is initialised, and
            // it is dropped here exactly once (the slot is empty from now on).
            unsafe { self.value.get_mut().assume_init_drop() }
        }
    }
}
