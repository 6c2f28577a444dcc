//! `pool_serde`: deserialising arbitrary bytes as a `Pool`, a `Handle` and a `Shuffler`,
//! in JSON and in postcard. Each must give an error or a consistent store that survives
//! a round trip unchanged; no input may panic, abort or make handles alias.

use std::collections::HashSet;

use pool_core::{Handle, Pool, Shuffler};

/// Runs every decoder on `data`.
pub fn run(data: &[u8]) {
    if let Ok(pool) = postcard::from_bytes::<Pool<u16>>(data) {
        check_pool(pool);
    }
    if let Ok(pool) = serde_json::from_slice::<Pool<String>>(data) {
        check_pool(pool);
    }
    if let Ok(h) = postcard::from_bytes::<Handle<u8>>(data) {
        assert_eq!(Handle::<u8>::from_bits(h.to_bits()), Some(h));
    }
    if let Ok(h) = serde_json::from_slice::<Handle<u8>>(data) {
        assert_eq!(h.generation() & 1, 1);
    }
    if let Ok(s) = postcard::from_bytes::<Shuffler<u8>>(data) {
        check_shuffler(s);
    }
    if let Ok(s) = serde_json::from_slice::<Shuffler<u8>>(data) {
        check_shuffler(s);
    }
}

fn check_pool<T>(mut pool: Pool<T>)
where
    T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let keys: Vec<_> = pool.keys().collect();
    assert_eq!(keys.len(), pool.len());
    assert_eq!(
        keys.iter().collect::<HashSet<_>>().len(),
        keys.len(),
        "aliasing handles"
    );
    for &k in &keys {
        assert!(pool.get(k).is_some());
    }
    let bytes = postcard::to_allocvec(&pool).unwrap();
    let again: Pool<T> = postcard::from_bytes(&bytes).expect("a saved pool loads");
    assert!(
        pool.iter().eq(again.iter()),
        "a round trip changed the pool"
    );
    if let Ok(e) = pool.try_vacant_entry() {
        assert!(
            !keys.contains(&e.handle()),
            "the next insert aliases a live value"
        );
    }
}

fn check_shuffler(mut s: Shuffler<u8>) {
    let n = s.len();
    let blocks: Vec<(Handle<_>, Vec<u8>)> = s.iter().map(|(h, b)| (h, b.to_vec())).collect();
    assert_eq!(blocks.len(), n);
    let bytes = postcard::to_allocvec(&s).unwrap();
    let mut again: Shuffler<u8> = postcard::from_bytes(&bytes).expect("a saved shuffler loads");
    for (h, b) in &blocks {
        assert_eq!(again.get(*h), Some(&b[..]));
    }
    let fresh = s.alloc_from_slice(&[1, 2]);
    assert!(
        blocks.iter().all(|(h, _)| *h != fresh),
        "a new block aliases a live one"
    );
    s.shuffle();
    for (h, b) in &blocks {
        assert_eq!(s.get(*h), Some(&b[..]));
    }
}
