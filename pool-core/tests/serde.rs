//! serde support (feature `serde`): round trips in JSON and a binary format (postcard)
//! keep handles valid, and hostile documents (truncated, reordered, duplicated, forged,
//! with huge claimed lengths, or with any byte flipped) give an error or a consistent
//! store, never a panic, an abort or aliasing handles.
#![cfg(feature = "serde")]

mod common;

use std::collections::HashSet;

use pool_core::{BinnedAllocator, Handle, Pool, Shuffler};

fn sample_pool() -> (Pool<String>, Vec<Handle<String>>, Vec<Handle<String>>) {
    let mut pool = Pool::builder().id(77).build();
    let mut live = Vec::new();
    let mut dead = Vec::new();
    for i in 0..12 {
        live.push(pool.insert(format!("v{i}")));
    }
    for i in [1, 4, 5, 9] {
        let h = live[i];
        pool.remove(h);
        dead.push(h);
    }
    // Bump some generations.
    for _ in 0..3 {
        let h = pool.insert("tmp".to_string());
        pool.remove(h);
        dead.push(h);
    }
    live.retain(|h| pool.contains(*h));
    (pool, live, dead)
}

/// Checks a loaded pool the way a user would rely on it: `len` matches iteration, every
/// key reads its value, no two keys are equal, and the next insert's handle is fresh.
fn check_pool<T>(pool: &mut Pool<T>) {
    let keys = common::check_consistent(pool);
    let distinct: HashSet<_> = keys.iter().collect();
    assert_eq!(distinct.len(), keys.len(), "two live values share a handle");
    // The next insert's handle is fresh: it names no live value.
    if let Ok(e) = pool.try_vacant_entry() {
        let next = e.handle();
        assert!(
            !keys.contains(&next),
            "the next insert would alias {next:?}"
        );
    }
}

#[test]
fn pool_round_trips_keep_handles() {
    let (pool, live, dead) = sample_pool();
    let json = serde_json::to_string(&pool).unwrap();
    let bin = postcard::to_allocvec(&pool).unwrap();
    for mut back in [
        serde_json::from_str::<Pool<String>>(&json).unwrap(),
        postcard::from_bytes::<Pool<String>>(&bin).unwrap(),
    ] {
        assert_eq!(back.id(), 77);
        assert_eq!(back.len(), pool.len());
        for &h in &live {
            assert_eq!(back.get(h), pool.get(h));
        }
        for &h in &dead {
            assert!(back.get(h).is_none());
        }
        // New inserts reuse vacant slots with fresh generations.
        let new: Vec<_> = (0..10).map(|i| back.insert(format!("n{i}"))).collect();
        for &h in &dead {
            assert!(back.get(h).is_none(), "a stale handle came back to life");
        }
        assert_eq!(new.len(), 10);
        check_pool(&mut back);
    }
}

#[test]
fn bounded_shrunk_and_lazy_pools_round_trip() {
    let mut bounded = Pool::bounded(3);
    let a = bounded.insert(1u8);
    let json = serde_json::to_string(&bounded).unwrap();
    let mut back: Pool<u8> = serde_json::from_str(&json).unwrap();
    assert_eq!(back[a], 1);
    back.insert(2);
    back.insert(3);
    assert!(back.try_insert(4).is_err(), "the bound survives");

    let mut shrunk = Pool::new();
    let hs: Vec<_> = (0..20u32).map(|i| shrunk.insert(i)).collect();
    for &h in &hs[5..] {
        shrunk.remove(h);
    }
    shrunk.shrink_to_fit();
    let mut back: Pool<u32> =
        postcard::from_bytes(&postcard::to_allocvec(&shrunk).unwrap()).unwrap();
    for _ in 0..30 {
        back.insert(0);
    }
    for &h in &hs[5..] {
        assert!(
            back.get(h).is_none(),
            "a handle of a trimmed slot came back"
        );
    }

    let lazy: Pool<u8> = Pool::new();
    let json = serde_json::to_string(&lazy).unwrap();
    assert_eq!(
        json,
        r#"{"id":null,"limit":null,"regrow":[0,0],"slots":[]}"#
    );
    let mut back: Pool<u8> = serde_json::from_str(&json).unwrap();
    back.insert(1);
    assert_ne!(back.id(), 0);
}

#[test]
fn option_values_are_not_confused_with_vacant_slots() {
    let mut pool: Pool<Option<u8>> = Pool::builder().id(3).build();
    let a = pool.insert(None);
    let b = pool.insert(Some(2));
    let back: Pool<Option<u8>> =
        serde_json::from_str(&serde_json::to_string(&pool).unwrap()).unwrap();
    assert_eq!((back.get(a), back.get(b)), (Some(&None), Some(&Some(2))));
}

#[test]
fn json_fields_in_any_order_but_not_twice_or_unknown() {
    let doc = r#"{"slots":[[1,"a"],[2,null],[3,"c"]],"regrow":[0,0],"limit":null,"id":5}"#;
    let mut pool: Pool<String> = serde_json::from_str(doc).unwrap();
    assert_eq!(pool.len(), 2);
    check_pool(&mut pool);
    // The vacant slot 1 is reused with generation 3.
    let h = pool.insert("b".into());
    assert_eq!((h.index(), pool[h].as_str()), (1, "b"));
    for bad in [
        r#"{"id":5,"id":5,"limit":null,"regrow":[0,0],"slots":[]}"#,
        r#"{"id":5,"limit":null,"regrow":[0,0],"slots":[],"extra":1}"#,
        r#"{"id":5,"limit":null,"slots":[]}"#,
        r#"{"id":5,"limit":null,"regrow":[0,1],"slots":[]}"#,
        r#"{"id":null,"limit":null,"regrow":[0,0],"slots":[[1,"x"]]}"#,
        r#"{"id":5,"limit":1,"regrow":[0,0],"slots":[[1,"x"],[1,"y"]]}"#,
        r#"{"id":5,"limit":null,"regrow":[0,0],"slots":[[1,null]]}"#,
        r#"{"id":5,"limit":null,"regrow":[0,0],"slots":[[2,"x"]]}"#,
        r#"{"id":5,"limit":null,"regrow":[0,0],"slots":[[1]]}"#,
        r#"{"id":5,"limit":null,"regrow":[0,0],"slots":[[1,"x",3]]}"#,
        r#"{"id":5,"limit":null,"regrow":[0,0],"slots":[[-1,"x"]]}"#,
        r#"{"id":5,"limit":null,"regrow":[0,0],"slots":{}}"#,
        r#"[5,null,[0,0]]"#,
    ] {
        let r = serde_json::from_str::<Pool<String>>(bad);
        assert!(r.is_err(), "accepted {bad}");
    }
}

#[test]
fn every_truncation_and_every_flipped_byte_is_an_error_or_a_consistent_pool() {
    let (pool, _, _) = sample_pool();
    let json = serde_json::to_vec(&pool).unwrap();
    let bin = postcard::to_allocvec(&pool).unwrap();
    let step = if cfg!(miri) { 17 } else { 1 };
    for n in (0..json.len()).step_by(step) {
        assert!(serde_json::from_slice::<Pool<String>>(&json[..n]).is_err());
    }
    for n in (0..bin.len()).step_by(step) {
        assert!(postcard::from_bytes::<Pool<String>>(&bin[..n]).is_err());
    }
    for i in (0..bin.len()).step_by(step) {
        for bit in [0x01u8, 0x40, 0x80] {
            let mut forged = bin.clone();
            forged[i] ^= bit;
            if let Ok(mut p) = postcard::from_bytes::<Pool<String>>(&forged) {
                check_pool(&mut p);
            }
        }
    }
}

#[test]
fn huge_claimed_lengths_do_not_allocate() {
    // postcard: id Some(1), limit None, regrow (0, 0), then a slot count of 2^62.
    let mut doc = vec![1, 1, 0, 0, 0];
    doc.extend_from_slice(&[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x3f]);
    assert!(postcard::from_bytes::<Pool<u64>>(&doc).is_err());
    // A shuffler with one block claiming 2^62 elements.
    let mut doc = vec![1, 1, 1];
    doc.extend_from_slice(&[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x3f]);
    assert!(postcard::from_bytes::<Shuffler<u64>>(&doc).is_err());
    // A binned snapshot claiming a huge byte string.
    let doc = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x3f];
    assert!(postcard::from_bytes::<BinnedAllocator>(&doc).is_err());
}

#[test]
fn handles_serialize_as_their_bits() {
    let mut pool = Pool::new();
    let h = pool.insert(1u8);
    let json = serde_json::to_string(&h).unwrap();
    assert_eq!(json, h.to_bits().to_string());
    let back: Handle<u8> = serde_json::from_str(&json).unwrap();
    assert_eq!(back, h);
    let back: Handle<u8> = postcard::from_bytes(&postcard::to_allocvec(&h).unwrap()).unwrap();
    assert_eq!(back, h);
    // An even generation is not a handle any store issues.
    assert!(serde_json::from_str::<Handle<u8>>("8589934592").is_err());
    assert!(serde_json::from_str::<Handle<u8>>("0").is_err());
    assert!(serde_json::from_str::<Handle<u8>>("-1").is_err());
    assert!(serde_json::from_str::<Handle<u8>>("\"1\"").is_err());
}

#[test]
fn shuffler_round_trips_and_refuses_to_save_a_block_being_written() {
    let s: Shuffler<u32> = Shuffler::with_id(9);
    let a = s.alloc_from_slice(&[1, 2, 3]);
    let b = s.create(4);
    let c = s.alloc_with(0, |i| i as u32);
    s.free(b);
    let d = s.alloc_with(5, |i| i as u32 * 10);
    let json = serde_json::to_string(&s).unwrap();
    let bin = postcard::to_allocvec(&s).unwrap();
    for mut back in [
        serde_json::from_str::<Shuffler<u32>>(&json).unwrap(),
        postcard::from_bytes::<Shuffler<u32>>(&bin).unwrap(),
    ] {
        assert_eq!(back.get(a), Some(&[1, 2, 3][..]));
        assert_eq!(back.get(b), None);
        assert_eq!(back.get(c), Some(&[][..]));
        assert_eq!(back.get(d), Some(&[0, 10, 20, 30, 40][..]));
        let e = back.create(7);
        assert_ne!(e, b);
        assert_eq!(back.len(), 4);
    }
    {
        let _w = s.rent_mut(a).unwrap();
        let err = serde_json::to_string(&s).unwrap_err();
        assert!(err.to_string().contains("rented"), "{err}");
    }
    // Shared rents do not stop saving.
    let _r = s.rent(a).unwrap();
    assert!(serde_json::to_string(&s).is_ok());
    for bad in [
        r#"{"id":1,"slots":[[1,null]]}"#,
        r#"{"id":1,"slots":[[2,[1]]]}"#,
        r#"{"id":1,"id":1,"slots":[]}"#,
        r#"{"id":1}"#,
        r#"{"id":1,"slots":[[1,[1]],"x"]}"#,
    ] {
        assert!(
            serde_json::from_str::<Shuffler<u32>>(bad).is_err(),
            "accepted {bad}"
        );
    }
    let step = if cfg!(miri) { 7 } else { 1 };
    for i in (0..bin.len()).step_by(step) {
        let mut forged = bin.clone();
        forged[i] ^= 0x41;
        if let Ok(mut f) = postcard::from_bytes::<Shuffler<u32>>(&forged) {
            let n = f.len();
            assert_eq!(f.iter().count(), n);
            f.create(1);
            f.shuffle();
        }
    }
}

#[test]
fn binned_allocator_round_trips_as_its_snapshot() {
    let mut a = BinnedAllocator::builder().id(4).build();
    let h = a.alloc(40);
    a.write(h, b"hello").unwrap();
    let json = serde_json::to_string(&a).unwrap();
    let bin = postcard::to_allocvec(&a).unwrap();
    let from_json: BinnedAllocator = serde_json::from_str(&json).unwrap();
    let from_bin: BinnedAllocator = postcard::from_bytes(&bin).unwrap();
    for back in [&from_json, &from_bin] {
        assert_eq!(&back.get(h).unwrap()[..5], b"hello");
    }
    let mut forged = bin.clone();
    let last = forged.len() - 1;
    forged[last] ^= 1; // the checksum catches it
    assert!(postcard::from_bytes::<BinnedAllocator>(&forged).is_err());
    assert!(serde_json::from_str::<BinnedAllocator>("[1,2,3]").is_err());
    assert!(serde_json::from_str::<BinnedAllocator>("[1,2,300]").is_err());
}
