//! Unit tests that need the pool's insides: generation wrap.

use super::slot::pack;
use super::SyncPool;
use crate::sync::atomic::Ordering;
use crate::Handle;

/// Moves the live value `h` names to the last odd version; returns its new handle.
fn age_to_last_version<T>(pool: &SyncPool<T>, h: Handle<T>) -> Handle<T> {
    let (s, addr, slot) = pool.locate(h).unwrap();
    slot.state.store(pack(u32::MAX, 0), Ordering::Relaxed);
    pool.handle(s, addr, u32::MAX)
}

#[test]
fn a_slot_whose_version_would_wrap_is_retired() {
    let pool = SyncPool::new();
    let h = pool.insert(String::from("old"));
    let old = age_to_last_version(&pool, h);
    assert_eq!(*pool.get(old).unwrap(), "old");
    assert!(pool.remove(old));
    // The slot is not reused: a new value goes elsewhere, and no handle of the old slot
    // (of any generation) ever matches again.
    let hs: Vec<_> = (0..64).map(|i| pool.insert(i.to_string())).collect();
    assert!(hs.iter().all(|n| n.index() != old.index()));
    assert!(pool.get(old).is_none());
    let (_, _, slot) = pool.locate(old).unwrap();
    assert_eq!(slot.state.load(Ordering::Relaxed), pack(0, 0));
}

#[test]
fn a_release_at_the_last_version_retires_the_slot_too() {
    let pool: SyncPool<Vec<u8>> = SyncPool::new();
    let h = pool.acquire();
    let old = age_to_last_version(&pool, h);
    pool.release(old).unwrap();
    assert_eq!(pool.stats().total.spares, 0, "not kept as a spare");
    let again = pool.acquire();
    assert_ne!(again.index(), old.index());
}

#[test]
fn a_take_at_the_last_version_retires_the_slot() {
    let pool = SyncPool::new();
    let h = pool.insert(5u8);
    let old = age_to_last_version(&pool, h);
    assert_eq!(pool.take(old), Ok(5));
    assert_ne!(pool.insert(6).index(), old.index());
}
