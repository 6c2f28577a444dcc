//! `pool_ops`: operation sequences on a `Pool` against a `HashMap` model, with forged
//! handles from raw bits and drop counting.

use std::collections::HashMap;

use pool_core::{Handle, Lease, Pool, PoolError, RentError, TryInsertError};

use super::{pick, Drops, Input, Tracked};

/// Runs the operations `data` encodes.
pub fn run(data: &[u8]) {
    let mut input = Input::new(data);
    let mut drops = Drops::default();
    let (mut pool, bounded): (Pool<Tracked>, bool) = match input.u8() % 4 {
        0 => (Pool::bounded(input.u8() as usize), true),
        1 => (Pool::with_capacity(input.u8() as usize), false),
        _ => (Pool::new(), false),
    };
    let bound = pool.capacity();
    let mut model: HashMap<Handle<Tracked>, u64> = HashMap::new();
    let mut issued: Vec<Handle<Tracked>> = Vec::new();
    let mut spares = 0usize;
    let mut next = 0u64;
    while !input.is_empty() {
        next += 1;
        let op = input.u8();
        match op % 20 {
            0..=3 => match pool.try_insert(drops.make(next)) {
                Ok(h) => {
                    assert!(model.insert(h, next).is_none(), "handle issued twice");
                    issued.push(h);
                }
                Err(e) => {
                    assert!(bounded && model.len() >= bound, "{}", e.reason());
                    assert_eq!(e.into_value().id, next);
                }
            },
            4..=6 => {
                if let Some(h) = pick(&issued, input.u16()) {
                    assert_eq!(pool.remove(h).map(|v| v.id), model.remove(&h));
                }
            }
            7 => {
                if let Some(h) = pick(&issued, input.u16()) {
                    assert_eq!(pool.get(h).map(|v| v.id), model.get(&h).copied());
                    if let Some(v) = pool.get(h) {
                        assert_eq!(pool.handle_of(v), Some(h));
                    }
                    if let (Some(v), Some(m)) = (pool.get_mut(h), model.get_mut(&h)) {
                        v.id = next;
                        *m = next;
                    }
                }
            }
            8 => {
                // A forged handle: from raw bits, or a live one with its bits flipped.
                let bits = match pick(&issued, input.u16()) {
                    Some(h) if op & 0x80 != 0 => h.to_bits() ^ (1 << (input.u8() % 64)),
                    _ => input.u64(),
                };
                if let Some(h) = Handle::<Tracked>::from_bits(bits) {
                    assert_eq!(pool.get(h).map(|v| v.id), model.get(&h).copied());
                    assert_eq!(pool.contains(h), model.contains_key(&h));
                    assert_eq!(pool.rent(h).is_ok(), model.contains_key(&h));
                }
            }
            9 => {
                if let Some(h) = pick(&issued, input.u16()) {
                    let released = pool.release(h);
                    assert_eq!(released, model.remove(&h).is_some());
                    let kept = pool.stats().spares;
                    assert!(kept <= spares + 1);
                    spares = kept;
                }
            }
            10 => match pool.try_acquire_with(|| drops.make(next)) {
                Ok(h) => {
                    let id = pool[h].id;
                    if spares > 0 {
                        assert_eq!(id, 0, "a spare comes back reset");
                        spares -= 1;
                    }
                    assert!(model.insert(h, id).is_none());
                    issued.push(h);
                }
                Err(e) => assert!(matches!(e, PoolError::Full { .. })),
            },
            11 => {
                let (a, b) = (input.u16(), input.u16());
                if let (Some(a), Some(b)) = (pick(&issued, a), pick(&issued, b)) {
                    let rentals = pool.rentals();
                    let ga = rentals.rent_mut(a);
                    assert_eq!(ga.is_ok(), model.contains_key(&a));
                    let gb = rentals.rent(b);
                    match (&ga, &gb) {
                        (Ok(_), Err(RentError::Busy)) => assert_eq!(a, b),
                        (_, Ok(g)) => assert_eq!(Some(g.id), model.get(&b).copied()),
                        (_, Err(e)) => {
                            assert_eq!(*e, RentError::Stale);
                            assert!(!model.contains_key(&b));
                        }
                    }
                }
            }
            12 => {
                let m = u64::from(input.u8() % 5 + 2);
                pool.retain(|_, v| v.id % m != 0);
                model.retain(|_, id| *id % m != 0);
            }
            13 => {
                let (k, back) = (input.u8() % 8, op & 0x80 != 0);
                let mut d = pool.drain();
                for _ in 0..k {
                    let got = if back { d.next_back() } else { d.next() };
                    if let Some((h, v)) = got {
                        assert_eq!(model.get(&h), Some(&v.id));
                    }
                }
                drop(d);
                model.clear();
            }
            14 => {
                pool.shrink_to(input.u8() as usize);
                let highest = model.keys().map(|h| h.index() + 1).max().unwrap_or(0);
                assert!(pool.capacity() >= highest as usize);
            }
            15 => {
                let copy = pool.clone();
                drops.cloned(model.len() + spares);
                pool = copy;
            }
            16 => {
                let fail = op & 0x80 != 0;
                let id = next;
                let made = &mut drops;
                match pool.try_insert_with(|_| if fail { Err(()) } else { Ok(made.make(id)) }) {
                    Ok(h) => {
                        model.insert(h, id);
                        issued.push(h);
                    }
                    Err(TryInsertError::Init(())) => assert!(fail),
                    Err(TryInsertError::NoRoom(_)) => assert!(bounded),
                }
            }
            17 => {
                if let Ok(e) = pool.try_vacant_entry() {
                    let h = e.handle();
                    assert_eq!(e.insert(drops.make(next)).id, next);
                    model.insert(h, next);
                    issued.push(h);
                }
            }
            18 if op & 0x80 != 0 => {
                // A recycler session: leases alive at once, released or kept.
                let recycler = pool.recycler();
                let mut leases = Vec::new();
                for _ in 0..input.u8() % 16 {
                    let b = input.u8();
                    match b % 3 {
                        0 => {
                            let room = recycler.room();
                            next += 1;
                            let id = next;
                            let made = &mut drops;
                            match recycler.try_acquire_with(|| made.make(id)) {
                                Ok(lease) if spares > 0 => {
                                    assert_eq!(lease.id, 0, "a spare comes back reset");
                                    spares -= 1;
                                    leases.push(lease);
                                }
                                Ok(lease) => {
                                    assert_eq!(lease.id, id);
                                    leases.push(lease);
                                }
                                Err(e) => {
                                    assert_eq!((spares, room), (0, 0), "{e}");
                                    assert!(matches!(
                                        e,
                                        PoolError::Full { .. } | PoolError::NoRoomInPlace { .. }
                                    ));
                                }
                            }
                        }
                        1 if !leases.is_empty() => {
                            let n = leases.len();
                            drop(leases.swap_remove(b as usize / 3 % n));
                            spares += 1;
                        }
                        2 if !leases.is_empty() => {
                            let n = leases.len();
                            let lease = leases.swap_remove(b as usize / 3 % n);
                            let id = lease.id;
                            let h = Lease::into_handle(lease);
                            assert!(model.insert(h, id).is_none(), "handle issued twice");
                            issued.push(h);
                        }
                        _ => {}
                    }
                }
                spares += leases.len();
            }
            18 => {
                let _ = pool.try_reserve(input.u8() as usize);
            }
            _ => {
                pool.shrink_spares(input.u8() as usize % 4);
                spares = pool.stats().spares;
            }
        }
        if matches!(op % 20, 0..=3 | 16 | 17) {
            // Spares keep their slots: an insert into a full bounded pool drops the newest
            // spare and takes its slot (at most one per insert).
            let now = pool.stats().spares;
            assert!(
                now == spares || (bounded && now + 1 == spares),
                "spares went from {spares} to {now} on an insert"
            );
            spares = now;
        }
        check(&mut pool, &model, spares, &drops);
    }
    drop(pool);
    assert_eq!(
        drops.made(),
        drops.dropped(),
        "a value was leaked or dropped twice"
    );
}

fn check(
    pool: &mut Pool<Tracked>,
    model: &HashMap<Handle<Tracked>, u64>,
    spares: usize,
    drops: &Drops,
) {
    assert_eq!(pool.len(), model.len());
    let mut seen: Vec<(Handle<Tracked>, u64)> = pool.iter().map(|(h, v)| (h, v.id)).collect();
    let back: Vec<Handle<Tracked>> = pool.keys().rev().collect();
    assert!(back.iter().rev().eq(seen.iter().map(|(h, _)| h)));
    let mut want: Vec<(Handle<Tracked>, u64)> = model.iter().map(|(&h, &id)| (h, id)).collect();
    seen.sort_unstable();
    want.sort_unstable();
    assert_eq!(seen, want);
    assert_eq!(pool.stats().spares, spares);
    assert_eq!(
        drops.made(),
        drops.dropped() + (model.len() + spares) as u64
    );
}
