//! SmallPool as the process allocator: everything in this test binary (the test harness,
//! std's collections, thread spawns) allocates from it. A multi-threaded stress with
//! values dropped on other threads than the ones that made them, and thread churn;
//! checksums catch any block handed out twice or corrupted.

// Outside loom's models the pool needs `core`'s atomics. Not under Miri: as the process
// allocator, the pool is handed blocks by the standard library while a `Box` argument of
// the freeing function is still protected (e.g. a thread's start closure), and an
// allocator that writes its free-list link into the freed block is then, under Stacked
// Borrows, writing under a protected tag; how aliasing models treat allocators is not
// settled yet. The same stress through `allocator_api2` collections runs under Miri in
// `small_pool.rs`.
#![cfg(not(any(loom, miri)))]

mod common;

use std::collections::HashMap;
use std::sync::mpsc;

use common::Rng;
use pool_core::small_pool::SmallPool;

#[global_allocator]
static ALLOC: SmallPool = SmallPool::new();

/// Something allocated on one thread and checked and dropped on another.
enum Parcel {
    Numbers(Vec<u64>, u64),
    Text(String, u64),
    Map(HashMap<u64, String>, u64),
    Boxed(Box<[u8; 200]>, u64),
}

fn sum(v: &[u64]) -> u64 {
    v.iter()
        .fold(0u64, |a, &x| a.wrapping_mul(31).wrapping_add(x))
}

fn text_sum(s: &str) -> u64 {
    s.bytes()
        .fold(7u64, |a, b| a.wrapping_mul(131).wrapping_add(u64::from(b)))
}

fn map_sum(m: &HashMap<u64, String>) -> u64 {
    m.iter()
        .map(|(k, v)| k.wrapping_mul(text_sum(v)))
        .fold(0, u64::wrapping_add)
}

fn make(rng: &mut Rng) -> Parcel {
    match rng.below(4) {
        0 => {
            // Mostly small, with a tail to 64 KiB and past it (the fallback).
            let len = match rng.below(100) {
                0 => 9000 + rng.below(3000),
                1..=10 => rng.below(2000),
                _ => rng.below(16),
            } as usize;
            let v: Vec<u64> = (0..len).map(|_| rng.next()).collect();
            let s = sum(&v);
            Parcel::Numbers(v, s)
        }
        1 => {
            let mut s = String::new();
            for _ in 0..rng.below(40) {
                s.push_str(&rng.next().to_string());
            }
            let c = text_sum(&s);
            Parcel::Text(s, c)
        }
        2 => {
            let mut m = HashMap::new();
            for _ in 0..rng.below(30) {
                m.insert(rng.next(), format!("v{}", rng.below(1000)));
            }
            let c = map_sum(&m);
            Parcel::Map(m, c)
        }
        _ => {
            let mut b = Box::new([0u8; 200]);
            for x in b.iter_mut() {
                *x = rng.below(256) as u8;
            }
            let c = b.iter().map(|&x| u64::from(x)).sum();
            Parcel::Boxed(b, c)
        }
    }
}

fn verify(p: Parcel) {
    match p {
        Parcel::Numbers(v, s) => assert_eq!(sum(&v), s),
        Parcel::Text(t, s) => assert_eq!(text_sum(&t), s),
        Parcel::Map(m, s) => assert_eq!(map_sum(&m), s),
        Parcel::Boxed(b, s) => assert_eq!(b.iter().map(|&x| u64::from(x)).sum::<u64>(), s),
    }
}

#[test]
fn multi_threaded_churn_with_cross_thread_drops_and_thread_churn() {
    let threads = 4;
    let (rounds, per_round, spawn_rounds) = if cfg!(miri) {
        (2, 15, 2)
    } else {
        (40, 400, 30)
    };
    let before = ALLOC.snapshot_stats();

    // A ring: thread i sends what it makes to thread i + 1, which checks and drops it.
    let (senders, receivers): (Vec<_>, Vec<_>) =
        (0..threads).map(|_| mpsc::channel::<Parcel>()).unzip();
    let mut receivers: Vec<Option<mpsc::Receiver<Parcel>>> =
        receivers.into_iter().map(Some).collect();
    let handles: Vec<_> = (0..threads)
        .map(|i| {
            let tx = senders[(i + 1) % threads].clone();
            let rx = receivers[i].take().unwrap();
            std::thread::spawn(move || {
                let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ (i as u64 + 1));
                let mut kept: Vec<Parcel> = Vec::new();
                for _ in 0..rounds {
                    for _ in 0..per_round {
                        let p = make(&mut rng);
                        if rng.below(3) == 0 {
                            kept.push(p);
                        } else {
                            tx.send(p).unwrap();
                        }
                    }
                    // Local churn: drop some of what this thread kept.
                    while kept.len() > 64 {
                        let j = rng.below(kept.len() as u64) as usize;
                        verify(kept.swap_remove(j));
                    }
                    while let Ok(p) = rx.try_recv() {
                        verify(p);
                    }
                }
                drop(tx);
                kept.into_iter().for_each(verify);
                rx
            })
        })
        .collect();
    drop(senders);
    let rxs: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    // Everything still in flight was made by threads that have exited.
    for rx in rxs {
        rx.into_iter().for_each(verify);
    }

    // Thread churn: short-lived threads that allocate, hand values to the main thread,
    // and exit.
    for r in 0..spawn_rounds {
        let (tx, rx) = mpsc::channel();
        let hs: Vec<_> = (0..threads)
            .map(|i| {
                let tx = tx.clone();
                std::thread::spawn(move || {
                    let mut rng = Rng(r * 131 + i as u64 + 7);
                    for _ in 0..per_round / 4 {
                        tx.send(make(&mut rng)).unwrap();
                    }
                })
            })
            .collect();
        drop(tx);
        hs.into_iter().for_each(|h| h.join().unwrap());
        rx.into_iter().for_each(verify);
    }

    ALLOC.collect_garbage();
    let after = ALLOC.snapshot_stats();
    println!("{after}");
    assert!(after.shards.hits > before.shards.hits);
    assert!(
        after.shards.deferred_reclaimed > 0,
        "values were dropped on other threads"
    );
    // Short-lived threads reuse the shards of exited ones.
    assert!(
        after.shards.created <= threads + 3,
        "{} shards for at most {} threads alive at once",
        after.shards.created,
        threads + 2
    );
    assert!(
        after.fallback.allocs > 0,
        "the tail past 64 KiB used the fallback"
    );
    assert_eq!(
        after.fallback.allocs - after.fallback.frees,
        before.fallback.allocs - before.fallback.frees
    );
    // What is in use now is what the harness itself holds, as before the test (give or
    // take the harness's own bookkeeping of this test).
    assert!(
        after.in_use() <= before.in_use() + 256,
        "{} blocks in use after, {} before",
        after.in_use(),
        before.in_use()
    );
}
