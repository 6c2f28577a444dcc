//! slotmap's own tests, carried over to `Pool`: drop counting through removal and
//! cloning, every combination of disjoint borrows (meant for Miri), equivalence with a
//! `HashMap` under random operations with clones and serde round trips in between, and a
//! self-referential pool saved and loaded.

mod common;

use std::collections::HashMap;

use common::DropCounter;
use pool_core::{Handle, Pool};
use proptest::prelude::*;

#[test]
fn drops_once_through_remove_clone_and_reuse() {
    let counter = DropCounter::new();
    {
        let mut clone = {
            let mut pool = Pool::new();
            let hs: Vec<_> = (0..1000).map(|i| pool.insert(counter.make(i))).collect();
            for h in hs.iter().step_by(2) {
                pool.remove(*h);
            }
            assert_eq!(counter.dropped(), 500);
            pool.clone()
        };
        // The original's 500 values are gone; the clone holds copies of them.
        assert_eq!(counter.dropped(), 1000);
        for i in 0..250 {
            clone.insert(counter.make(2000 + i));
        }
    }
    assert_eq!(counter.dropped(), counter.made());
    assert_eq!(counter.made(), 1750);
}

#[test]
fn every_pair_and_triple_of_disjoint_borrows() {
    let mut pool = Pool::new();
    for i in 0..if cfg!(miri) { 10usize } else { 20 } {
        pool.insert(i);
    }
    pool.retain(|_, i| *i % 2 == 0);
    let keys: Vec<_> = pool.keys().collect();
    for (i, &a) in keys.iter().enumerate() {
        for (j, &b) in keys.iter().enumerate() {
            match pool.get_disjoint_mut([a, b]) {
                Some([r0, r1]) => {
                    *r0 ^= *r1;
                    *r1 = r1.wrapping_add(*r0);
                }
                None => assert_eq!(i, j),
            }
        }
    }
    for (i, &a) in keys.iter().enumerate() {
        for (j, &b) in keys.iter().enumerate() {
            for (k, &c) in keys.iter().enumerate() {
                match pool.get_disjoint_mut([a, b, c]) {
                    Some([r0, r1, r2]) => {
                        *r0 ^= *r1;
                        *r0 = r0.wrapping_add(*r2);
                        *r1 ^= *r0;
                        *r1 = r1.wrapping_add(*r2);
                        *r2 ^= *r0;
                        *r2 = r2.wrapping_add(*r1);
                    }
                    None => assert!(i == j || j == k || i == k),
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: if cfg!(miri) { 4 } else { 256 },
        failure_persistence: None,
        rng_algorithm: common::proptest_rng(),
        ..ProptestConfig::default()
    })]

    /// Random inserts, removes (sometimes a whole drain), lookups and clones (and serde
    /// round trips with the feature) agree with a `HashMap`.
    #[test]
    fn behaves_like_a_hash_map(ops in prop::collection::vec((0u8..4, any::<u32>()), 0..if cfg!(miri) { 40 } else { 200 })) {
        let mut map = HashMap::new();
        let mut map_keys = Vec::new();
        let mut next = 0u32;
        let mut pool = Pool::new();
        let mut handles: Vec<Handle<u32>> = Vec::new();
        for (op, val) in ops {
            match op {
                0 => {
                    map.insert(next, val);
                    map_keys.push(next);
                    next += 1;
                    handles.push(pool.insert(val));
                }
                1 => {
                    if val % 10 == 0 {
                        let mut a: Vec<_> = map.drain().map(|(_, v)| v).collect();
                        let mut b: Vec<_> = pool.drain().map(|(_, v)| v).collect();
                        a.sort_unstable();
                        b.sort_unstable();
                        prop_assert_eq!(a, b);
                    }
                    if map_keys.is_empty() {
                        continue;
                    }
                    let i = val as usize % map_keys.len();
                    prop_assert_eq!(map.remove(&map_keys[i]), pool.remove(handles[i]));
                }
                2 => {
                    if map_keys.is_empty() {
                        continue;
                    }
                    let i = val as usize % map_keys.len();
                    prop_assert_eq!(map.contains_key(&map_keys[i]), pool.contains(handles[i]));
                    prop_assert_eq!(map.get(&map_keys[i]), pool.get(handles[i]));
                }
                _ => {
                    if val % 2 == 0 {
                        #[cfg(feature = "serde")]
                        {
                            let text = serde_json::to_string(&pool).unwrap();
                            pool = serde_json::from_str(&text).unwrap();
                        }
                    } else {
                        pool = pool.clone();
                    }
                }
            }
        }
        let mut a: Vec<_> = map.values().collect();
        let mut b: Vec<_> = pool.values().collect();
        a.sort_unstable();
        b.sort_unstable();
        prop_assert_eq!(a, b);
        prop_assert_eq!(pool.iter().count(), pool.len());
    }
}

#[cfg(feature = "serde")]
#[test]
fn a_self_referential_pool_round_trips() {
    // Values that name other values of the same pool (`Handle<(u64, i32)>` as bits).
    type Node = (u64, i32);
    let link = |h: Handle<Node>| h.to_bits();
    let follow = |bits: u64| Handle::<Node>::from_bits(bits).unwrap();

    let mut pool: Pool<Node> = Pool::new();
    let first = pool.insert_with(|h| (link(h), 23));
    let second = pool.insert((link(first), 42));
    let empties = [pool.insert((link(first), 0)), pool.insert((link(first), 0))];
    for h in empties {
        pool.remove(h);
    }
    let third = pool.insert((link(second), 0));
    pool[first].0 = link(third);

    let text = serde_json::to_string(&pool).unwrap();
    let loaded: Pool<Node> = serde_json::from_str(&text).unwrap();
    assert_eq!(loaded.len(), pool.len());
    let a: Vec<_> = pool.iter().map(|(h, v)| (h, *v)).collect();
    let b: Vec<_> = loaded.iter().map(|(h, v)| (h, *v)).collect();
    assert_eq!(a, b);
    // The links resolve in the loaded pool; the removed values stay gone.
    assert_eq!(loaded[follow(loaded[first].0)], (link(second), 0));
    assert_eq!(loaded[follow(loaded[follow(loaded[first].0)].0)].1, 42);
    assert!(empties.iter().all(|&h| !loaded.contains(h)));
}

#[cfg(feature = "serde")]
#[test]
fn a_loaded_free_list_is_usable() {
    let mut pool = Pool::new();
    let h = pool.insert(5i32);
    pool.remove(h);
    let text = serde_json::to_string(&pool).unwrap();
    let mut loaded: Pool<i32> = serde_json::from_str(&text).unwrap();
    let hs = [loaded.insert(0), loaded.insert(1), loaded.insert(2)];
    assert_eq!(loaded.len(), 3);
    assert!(!loaded.contains(h));
    assert_eq!(hs.map(|h| loaded[h]), [0, 1, 2]);
}
