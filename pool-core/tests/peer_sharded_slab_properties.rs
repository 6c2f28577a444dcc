//! sharded-slab's property test (`src/tests/properties.rs`), carried over to `SyncPool`:
//! random inserts, removes, takes and reads from several threads against a model, with
//! forged handles among them. The rest of sharded-slab's suite is in `peer_sharded_slab.rs`.

mod common;

use std::collections::HashMap;
use std::sync::mpsc;
use std::thread;

use pool_core::{Handle, RentError, SyncPool};
use proptest::prelude::*;

// === properties.rs: random actions from several threads against a model ===

#[derive(Clone, Debug)]
enum Kind {
    Insert,
    InsertWith,
    RemoveRandom(u64),
    RemoveExistent(usize),
    TakeRandom(u64),
    TakeExistent(usize),
    GetRandom(u64),
    GetExistent(usize),
}

fn kind() -> impl Strategy<Value = Kind> {
    prop_oneof![
        1 => Just(Kind::Insert),
        1 => Just(Kind::InsertWith),
        1 => any::<u64>().prop_map(Kind::RemoveRandom),
        1 => any::<usize>().prop_map(Kind::RemoveExistent),
        1 => any::<u64>().prop_map(Kind::TakeRandom),
        1 => any::<usize>().prop_map(Kind::TakeExistent),
        5 => any::<u64>().prop_map(Kind::GetRandom),
        5 => any::<usize>().prop_map(Kind::GetExistent),
    ]
}

/// What one worker thread did, for the model to check.
#[derive(Debug, PartialEq)]
enum Done {
    Inserted(Handle<u32>),
    Removed(bool),
    Taken(Result<u32, RentError>),
    Got(Option<u32>),
}

/// An operation for a worker thread: sharded-slab overrides its thread id to act as
/// several threads deterministically; here each "thread id" is a real thread that runs
/// one operation at a time, in the order the test gives, so the run is deterministic and
/// the pool really has several shards, with remote frees between them.
enum Job {
    Insert(u32),
    InsertWith(u32),
    Remove(Handle<u32>),
    Take(Handle<u32>),
    Get(Handle<u32>),
}

fn run_job(pool: &SyncPool<u32>, job: Job) -> Done {
    match job {
        Job::Insert(v) => Done::Inserted(pool.insert(v)),
        Job::InsertWith(v) => Done::Inserted(pool.insert_with(|h| {
            assert!(pool.get(h).is_none(), "readable before it was inserted");
            v
        })),
        Job::Remove(h) => Done::Removed(pool.remove(h)),
        Job::Take(h) => Done::Taken(pool.take(h)),
        Job::Get(h) => {
            let got = pool.get(h).map(|r| *r);
            assert_eq!(got.is_some(), pool.contains(h), "get and contains disagree");
            Done::Got(got)
        }
    }
}

fn run_actions(actions: Vec<(usize, Kind)>) -> Result<(), TestCaseError> {
    let mut pool = SyncPool::<u32>::new();
    // The model: live handles in insertion order (so a seed picks one deterministically).
    let mut live: Vec<(Handle<u32>, u32)> = Vec::new();
    let mut next = 0u32;
    thread::scope(|s| -> Result<(), TestCaseError> {
        let pool = &pool;
        let workers: Vec<_> = (0..3)
            .map(|_| {
                let (job_tx, job_rx) = mpsc::channel::<Job>();
                let (done_tx, done_rx) = mpsc::channel::<Done>();
                s.spawn(move || {
                    for job in job_rx {
                        done_tx.send(run_job(pool, job)).unwrap();
                    }
                });
                (job_tx, done_rx)
            })
            .collect();
        let ask = |tid: usize, job: Job| {
            workers[tid].0.send(job).unwrap();
            workers[tid].1.recv().expect("a worker panicked")
        };
        let find = |live: &[(Handle<u32>, u32)], h: Handle<u32>| live.iter().position(|e| e.0 == h);
        for (tid, kind) in actions {
            match kind {
                Kind::Insert | Kind::InsertWith => {
                    next += 1;
                    let job = if matches!(kind, Kind::Insert) {
                        Job::Insert(next)
                    } else {
                        Job::InsertWith(next)
                    };
                    let Done::Inserted(h) = ask(tid, job) else {
                        unreachable!()
                    };
                    prop_assert!(
                        find(&live, h).is_none(),
                        "a live handle was handed out again"
                    );
                    live.push((h, next));
                }
                Kind::RemoveRandom(bits) | Kind::TakeRandom(bits) | Kind::GetRandom(bits) => {
                    let Some(h) = Handle::<u32>::from_bits(bits) else {
                        continue;
                    };
                    let expected = find(&live, h).map(|i| live[i].1);
                    match kind {
                        Kind::RemoveRandom(_) => {
                            prop_assert_eq!(
                                ask(tid, Job::Remove(h)),
                                Done::Removed(expected.is_some())
                            );
                        }
                        Kind::TakeRandom(_) => {
                            prop_assert_eq!(
                                ask(tid, Job::Take(h)),
                                Done::Taken(expected.ok_or(RentError::Stale))
                            );
                        }
                        _ => prop_assert_eq!(ask(tid, Job::Get(h)), Done::Got(expected)),
                    }
                    if !matches!(kind, Kind::GetRandom(_)) {
                        live.retain(|e| e.0 != h);
                    }
                }
                Kind::RemoveExistent(seed) | Kind::TakeExistent(seed) | Kind::GetExistent(seed) => {
                    if live.is_empty() {
                        continue;
                    }
                    let (h, v) = live[seed % live.len()];
                    prop_assert_eq!(ask(tid, Job::Get(h)), Done::Got(Some(v)));
                    match kind {
                        Kind::RemoveExistent(_) => {
                            prop_assert_eq!(ask(tid, Job::Remove(h)), Done::Removed(true));
                            live.retain(|e| e.0 != h);
                        }
                        Kind::TakeExistent(_) => {
                            prop_assert_eq!(ask(tid, Job::Take(h)), Done::Taken(Ok(v)));
                            live.retain(|e| e.0 != h);
                        }
                        _ => {}
                    }
                }
            }
        }
        // Every live value is still there, from every thread.
        for &(h, v) in &live {
            for tid in 0..3 {
                prop_assert_eq!(ask(tid, Job::Get(h)), Done::Got(Some(v)));
            }
        }
        Ok(())
    })?;
    prop_assert_eq!(pool.len(), live.len());
    let mut expected: Vec<u32> = live.iter().map(|e| e.1).collect();
    expected.sort_unstable();
    let mut actual: Vec<u32> = pool.iter().map(|(_, &v)| v).collect();
    actual.sort_unstable();
    prop_assert_eq!(actual, expected);
    let by_handle: HashMap<Handle<u32>, u32> = pool.iter().map(|(h, &v)| (h, v)).collect();
    for &(h, v) in &live {
        prop_assert_eq!(by_handle.get(&h), Some(&v));
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: if cfg!(miri) { 1 } else { 64 },
        failure_persistence: None,
        rng_algorithm: common::proptest_rng(),
        ..ProptestConfig::default()
    })]

    #[test]
    fn random_actions_from_several_threads(
        actions in prop::collection::vec((0..3usize, kind()), 1..if cfg!(miri) { 24 } else { 1000 })
    ) {
        run_actions(actions)?;
    }
}
