//! Unit tests of `Pool` internals: generation wrap and rent counts.

use super::*;
use crate::RentError;

#[test]
fn a_slot_whose_generation_would_wrap_is_retired() {
    let mut pool = Pool::builder().id(1).build();
    let h = pool.insert(1u8);
    let h = pool.force_version(h, u32::MAX);
    assert_eq!(pool.get(h), Some(&1));
    assert_eq!(pool.remove(h), Some(1));
    assert_eq!(pool.stats().retired_slots, 1);
    // Never handed out again: the next value gets a fresh slot.
    let h2 = pool.insert(2);
    assert_ne!(h2.index(), h.index());
    assert!(pool.get(h).is_none());
    // Clear and drain keep it retired too.
    pool.clear();
    let h3 = pool.insert(3);
    assert_ne!(h3.index(), h.index());
    assert_eq!(pool.slots[h.index() as usize].version, 0);
}

#[test]
fn generation_just_below_the_limit_still_reuses() {
    let mut pool = Pool::new();
    let h = pool.insert(1u8);
    let h = pool.force_version(h, u32::MAX - 2);
    pool.remove(h);
    let h2 = pool.insert(2);
    assert_eq!(h2.index(), h.index());
    assert_eq!(h2.version(pool.key), u32::MAX);
    assert!(pool.get(h).is_none());
}

#[test]
fn bounded_pool_shrinks_by_retired_slots() {
    let mut pool = Pool::bounded(1);
    let h = pool.insert(1u8);
    let h = pool.force_version(h, u32::MAX);
    pool.remove(h);
    assert_eq!(pool.capacity(), 0);
    let err = pool.try_insert(5).unwrap_err();
    assert_eq!(err.reason(), PoolError::Full { capacity: 1 });
}

#[test]
fn shared_rent_count_saturates_as_busy() {
    let mut pool = Pool::new();
    let h = pool.insert(1u8);
    pool.slots[0].state.set(slot::MAX_SHARED - 1);
    let rentals = pool.rentals();
    let g = rentals.rent(h).unwrap();
    assert_eq!(rentals.rent(h).unwrap_err(), RentError::Busy);
    drop(g);
    assert!(rentals.rent(h).is_ok());
}
