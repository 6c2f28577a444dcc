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
    assert_eq!(pool.slots[h.index() as usize].generation, pool.key);
}

#[test]
fn releasing_at_the_wrap_retires_the_slot_instead_of_keeping_a_spare() {
    let mut pool: Pool<alloc::vec::Vec<u8>> = Pool::new();
    let h = pool.acquire();
    let h = pool.force_version(h, u32::MAX);
    assert!(pool.release(h));
    assert_eq!((pool.stats().spares, pool.stats().retired_slots), (0, 1));
    assert!(pool.get(h).is_none());
    // Just below the wrap the spare is kept, and its next life is the last one.
    let h = pool.acquire();
    let h = pool.force_version(h, u32::MAX - 2);
    assert!(pool.release(h));
    assert_eq!(pool.stats().spares, 1);
    let h2 = pool.acquire();
    assert_eq!((h2.index(), h2.version(pool.key)), (h.index(), u32::MAX));
    assert!(pool.release(h2));
    assert_eq!((pool.stats().spares, pool.stats().retired_slots), (0, 2));
}

#[test]
fn a_lease_dropped_at_the_wrap_retires_its_slot() {
    let mut pool: Pool<alloc::vec::Vec<u8>> = Pool::new();
    let h = pool.acquire();
    let h = pool.force_version(h, u32::MAX - 2);
    assert!(pool.release(h));
    {
        let recycler = pool.recycler();
        let room = recycler.room();
        // Revives the spare at the last version; dropping the lease retires the slot.
        let lease = recycler.acquire();
        assert_eq!(Lease::handle(&lease).index(), h.index());
        drop(lease);
        assert_eq!(recycler.room(), room - 1);
    }
    let s = pool.stats();
    assert_eq!((s.len, s.spares, s.retired_slots), (0, 0, 1));
    assert_eq!(pool.slots[h.index() as usize].generation, pool.key);
}

#[test]
fn zero_sized_and_over_aligned_values_recycle_in_place() {
    #[derive(Default, Clone, Copy, PartialEq, Debug)]
    #[repr(align(4096))]
    struct Page(u8);
    impl crate::Reset for Page {
        fn reset(&mut self) {
            self.0 = 0;
        }
    }
    let mut pages: Pool<Page> = Pool::new();
    let a = pages.acquire();
    pages[a].0 = 9;
    assert_eq!(&pages[a] as *const Page as usize % 4096, 0);
    pages.release(a);
    let mut g = pages.acquire_guard();
    assert_eq!(*g, Page(0));
    g.0 = 1;
    assert_eq!(&*g as *const Page as usize % 4096, 0);
    drop(g);

    let mut units: Pool<()> = Pool::new();
    let hs: alloc::vec::Vec<_> = (0..10).map(|_| units.acquire()).collect();
    for h in hs {
        assert!(units.release(h));
    }
    assert_eq!(units.stats().spares, 10);
    drop(units.acquire_guard());
    assert_eq!((units.len(), units.stats().spares), (0, 10));
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

/// Slots keep version plus key (invariant 0), so a slot's generation passes through 0
/// long before its version wraps: that must be an ordinary step, not a retirement, and
/// every copy of the pool must agree on the handles either side of it.
#[test]
fn a_generation_passing_through_zero_is_not_a_retirement() {
    let mut pool = Pool::builder().id(7).build();
    assert_ne!(pool.key, 0, "the test needs a non-zero key");
    let h = pool.insert(1u32);
    // The version whose generation is `u32::MAX`: the next one is 0.
    let h = pool.force_version(h, u32::MAX - pool.key);
    assert_eq!(h.generation(), u32::MAX);
    assert_eq!(pool.remove(h), Some(1));
    assert_eq!(pool.slots[h.index() as usize].generation, 0);
    assert_eq!(pool.stats().retired_slots, 0);
    let h2 = pool.insert(2);
    assert_eq!((h2.index(), h2.generation()), (h.index(), 1));
    assert!(pool.get(h).is_none() && !pool.release(h));
    assert_eq!(pool.get(h2), Some(&2));
    // Release and acquire across the same point.
    pool.remove(h2);
    let h3 = pool.insert(3);
    let h3 = pool.force_version(h3, u32::MAX - pool.key);
    pool.release(h3);
    let h4 = pool.acquire_with(|| 0);
    assert_eq!((h4.index(), h4.generation()), (h3.index(), 1));
    assert_eq!(pool[h4], 0, "reset on release, kept in place");
    pool[h4] = 3;
    // Copies keep the generations; an export keeps the versions.
    let copy = pool.clone();
    assert_eq!(copy.get(h4), Some(&3));
    assert!(copy.get(h3).is_none());
    let raw = pool.export();
    let back = Pool::import(raw).unwrap();
    assert_eq!(back.get(h4), Some(&3));
    assert!(back.get(h3).is_none());
    assert_eq!(back.slots[h4.index() as usize].generation, 1);
    #[cfg(feature = "serde")]
    {
        // The format holds versions, the key comes back from the id.
        let json = serde_json::to_string(&pool).unwrap();
        let version = u32::MAX - pool.key + 2;
        assert!(json.contains(&format!("[{version},3]")), "{json}");
        let back: Pool<u32> = serde_json::from_str(&json).unwrap();
        assert_eq!(back.get(h4), Some(&3));
        assert!(back.get(h3).is_none());
    }
}
