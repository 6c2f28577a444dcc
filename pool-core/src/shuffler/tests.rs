//! Unit tests that need the shuffler's insides: generation wrap.

use super::{ShuffleHandle, Shuffler};
use crate::Handle;

/// Moves the live block `h` names to the last odd version (generation `key - 1`);
/// returns its new handle.
fn age_to_last_version<T>(s: &Shuffler<T>, h: ShuffleHandle<T>) -> ShuffleHandle<T> {
    let inner = s.inner();
    let last = inner.key.wrapping_sub(1);
    inner.slots[h.index() as usize].generation = last;
    // SAFETY: `last` is odd (the key is even).
    unsafe { Handle::from_generation(h.index(), last) }
}

#[test]
fn a_slot_whose_version_would_wrap_is_retired() {
    let s: Shuffler<String> = Shuffler::new();
    let h = s.alloc_with(2, |i| i.to_string());
    let old = age_to_last_version(&s, h);
    assert!(!s.contains(h));
    assert_eq!(s.rent(old).unwrap()[1], "1");
    assert!(s.free(old));
    s.shuffle();
    // Never reused: new blocks go to other slots, and the old handle never matches again.
    let hs: Vec<_> = (0..64)
        .map(|i| s.alloc_with(1, |_| i.to_string()))
        .collect();
    assert!(hs.iter().all(|n| n.index() != old.index()));
    assert!(!s.contains(old) && !s.free(old));
    assert_eq!(
        s.inner().slots[old.index() as usize].generation,
        s.inner().key
    );
}

#[test]
fn a_block_freed_while_rented_at_the_last_version_retires_its_slot() {
    let s: Shuffler<String> = Shuffler::new();
    let h = s.alloc_with(1, |_| String::from("pinned"));
    let old = age_to_last_version(&s, h);
    let guard = s.rent(old).unwrap();
    assert!(s.free(old));
    s.shuffle();
    assert_eq!(
        guard[0], "pinned",
        "a zombie's block stays until its guard returns"
    );
    drop(guard);
    s.shuffle();
    assert_eq!(s.stats().pending_frees, 0);
    let hs: Vec<_> = (0..16).map(|_| s.create(String::new())).collect();
    assert!(hs.iter().all(|n| n.index() != old.index()));
    assert!(!s.contains(old));
}
