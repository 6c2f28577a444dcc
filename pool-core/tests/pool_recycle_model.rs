//! Model-based property test of in-place recycling: a bounded or growing `Pool` under
//! random inserts, removes, releases (some with a panicking `Reset`), acquires (handles,
//! `Recycled` guards, and batches of `Recycler` leases alive at once), spare trimming and
//! `clear`, prefilling (with a factory that may panic), against a model that knows which value every handle and every spare holds.
//! Every value is dropped exactly once.

mod common;

use std::cell::RefCell;
use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::rc::Rc;

use pool_core::{Handle, Lease, Pool, PoolError, Recycled, Reset};
use proptest::prelude::*;

/// A value that records its own drop; `reset` panics for ids divisible by 5.
struct Item {
    id: usize,
    dirty: bool,
    drops: Rc<RefCell<Vec<u32>>>,
}

impl Reset for Item {
    fn reset(&mut self) {
        if self.id % 5 == 0 {
            panic!("reset of {} panics", self.id);
        }
        self.dirty = false;
    }
}

impl Drop for Item {
    fn drop(&mut self) {
        self.drops.borrow_mut()[self.id] += 1;
    }
}

#[derive(Clone, Debug)]
enum Op {
    Insert,
    Remove(usize),
    Release(usize),
    Acquire,
    /// Acquire a guard, dirty the value, and either drop the guard or keep the handle.
    Guard(bool),
    ShrinkSpares(usize),
    ClearSpares,
    Clear,
    /// Reserve room, then open a `Recycler` and run these steps with its leases.
    Session(usize, Vec<Step>),
    /// Prefill up to this many spares; the factory panics on its call number `.1`.
    Prefill(usize, Option<usize>),
}

/// One step inside a `Recycler` session.
#[derive(Clone, Debug)]
enum Step {
    Acquire,
    /// Dirty the value of lease `i` through the lease.
    Dirty(usize),
    /// Drop lease `i` (its value is released).
    Drop(usize),
    /// Keep lease `i`'s value under its handle.
    Keep(usize),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        4 => Just(Step::Acquire),
        2 => any::<usize>().prop_map(Step::Dirty),
        3 => any::<usize>().prop_map(Step::Drop),
        1 => any::<usize>().prop_map(Step::Keep),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => Just(Op::Insert),
        2 => any::<usize>().prop_map(Op::Remove),
        4 => any::<usize>().prop_map(Op::Release),
        4 => Just(Op::Acquire),
        2 => any::<bool>().prop_map(Op::Guard),
        1 => (0usize..4).prop_map(Op::ShrinkSpares),
        1 => Just(Op::ClearSpares),
        1 => Just(Op::Clear),
        2 => (0usize..4, prop::collection::vec(step(), 0..12)).prop_map(|(r, s)| Op::Session(r, s)),
        1 => (0usize..8, prop::option::weighted(0.3, 0usize..4)).prop_map(|(n, p)| Op::Prefill(n, p)),
    ]
}

/// Drops a lease: its value becomes a spare, or is dropped if its `reset` panics.
fn drop_lease(lease: Lease<'_, Item>, id: usize, gone: &mut Vec<usize>, spares: &mut Vec<usize>) {
    let r = catch_unwind(AssertUnwindSafe(move || drop(lease)));
    if id % 5 == 0 {
        assert!(r.is_err(), "reset of {id} must panic");
        gone.push(id);
    } else {
        assert!(r.is_ok());
        spares.push(id);
    }
}

fn new_item(drops: &Rc<RefCell<Vec<u32>>>) -> Item {
    let mut counts = drops.borrow_mut();
    counts.push(0);
    Item {
        id: counts.len() - 1,
        dirty: true,
        drops: drops.clone(),
    }
}

struct Harness {
    pool: Pool<Item>,
    /// `Some(bound)` for a bounded pool.
    bound: Option<usize>,
    live: HashMap<Handle<Item>, usize>,
    /// Ids of the spares, the most recently released last.
    spares: Vec<usize>,
    issued: Vec<Handle<Item>>,
    drops: Rc<RefCell<Vec<u32>>>,
    /// Ids the model expects dropped.
    gone: Vec<usize>,
}

impl Harness {
    fn make(&mut self) -> Item {
        new_item(&self.drops)
    }

    /// A `Recycler` session: leases of many values alive at once.
    fn session(&mut self, reserve: usize, steps: Vec<Step>) {
        if self.bound.is_none() {
            self.pool.reserve(reserve);
        }
        let recycler = self.pool.recycler();
        let mut leases: Vec<(Lease<'_, Item>, usize)> = Vec::new();
        for step in steps {
            match step {
                Step::Acquire => {
                    let full = self
                        .bound
                        .is_some_and(|b| self.live.len() + leases.len() + self.spares.len() >= b);
                    let room = recycler.room();
                    let fresh = new_item(&self.drops);
                    let fresh_id = fresh.id;
                    let r = recycler.try_acquire_with(|| fresh);
                    match self.spares.pop() {
                        Some(id) => {
                            let lease = r.unwrap();
                            assert_eq!((lease.id, lease.dirty), (id, false));
                            leases.push((lease, id));
                            self.gone.push(fresh_id); // `make` was not called
                        }
                        None if full => {
                            assert!(matches!(r, Err(PoolError::Full { .. })));
                            self.gone.push(fresh_id);
                        }
                        None if room == 0 => {
                            assert!(matches!(r, Err(PoolError::NoRoomInPlace { .. })));
                            self.gone.push(fresh_id);
                        }
                        None => {
                            let lease = r.unwrap();
                            assert_eq!(lease.id, fresh_id);
                            leases.push((lease, fresh_id));
                        }
                    }
                }
                Step::Dirty(i) if !leases.is_empty() => {
                    let n = leases.len();
                    leases[i % n].0.dirty = true;
                }
                Step::Drop(i) if !leases.is_empty() => {
                    let n = leases.len();
                    let (lease, id) = leases.remove(i % n);
                    drop_lease(lease, id, &mut self.gone, &mut self.spares);
                }
                Step::Keep(i) if !leases.is_empty() => {
                    let n = leases.len();
                    let (lease, id) = leases.remove(i % n);
                    let h = Lease::into_handle(lease);
                    self.live.insert(h, id);
                    self.issued.push(h);
                }
                _ => {}
            }
            // Every lease still reaches its own value.
            for (lease, id) in &leases {
                assert_eq!(lease.id, *id);
            }
        }
        for (lease, id) in leases {
            drop_lease(lease, id, &mut self.gone, &mut self.spares);
        }
    }

    fn full(&self) -> bool {
        self.bound
            .is_some_and(|b| self.live.len() + self.spares.len() >= b)
    }

    /// What the pool does before an insert into a full pool: drops the newest spare.
    fn evict_if_full(&mut self) {
        if self.full() {
            if let Some(id) = self.spares.pop() {
                self.gone.push(id);
            }
        }
    }

    fn run(&mut self, op: Op) {
        match op {
            Op::Insert => {
                let v = self.make();
                let id = v.id;
                self.evict_if_full();
                if self.full() {
                    let err = self.pool.try_insert(v).unwrap_err();
                    assert_eq!(err.into_value().id, id);
                    self.gone.push(id);
                } else {
                    let h = self.pool.try_insert(v).ok().unwrap();
                    self.live.insert(h, id);
                    self.issued.push(h);
                }
            }
            Op::Remove(i) => {
                if let Some(&h) = self.issued.get(i % self.issued.len().max(1)) {
                    let got = self.pool.remove(h).map(|v| v.id);
                    let want = self.live.remove(&h);
                    assert_eq!(got, want);
                    self.gone.extend(want);
                }
            }
            Op::Release(i) => {
                if let Some(&h) = self.issued.get(i % self.issued.len().max(1)) {
                    let want = self.live.remove(&h);
                    let r = catch_unwind(AssertUnwindSafe(|| self.pool.release(h)));
                    match want {
                        None => assert!(!r.unwrap()),
                        Some(id) if id % 5 == 0 => {
                            assert!(r.is_err(), "reset of {id} must panic");
                            self.gone.push(id);
                        }
                        Some(id) => {
                            assert!(r.unwrap());
                            self.spares.push(id);
                        }
                    }
                }
            }
            Op::Acquire => {
                let v = self.make();
                let fresh = v.id;
                let r = self.pool.try_acquire_with(|| v);
                match self.spares.pop() {
                    Some(id) => {
                        let h = r.unwrap();
                        assert_eq!((self.pool[h].id, self.pool[h].dirty), (id, false));
                        self.live.insert(h, id);
                        self.issued.push(h);
                        self.gone.push(fresh); // `make` was not called: dropped unused
                    }
                    None if self.full() => {
                        assert!(matches!(r, Err(PoolError::Full { .. })));
                        self.gone.push(fresh);
                    }
                    None => {
                        let h = r.unwrap();
                        assert_eq!(self.pool[h].id, fresh);
                        self.live.insert(h, fresh);
                        self.issued.push(h);
                    }
                }
            }
            Op::Guard(keep) => {
                let v = self.make();
                let fresh = v.id;
                let from_spare = self.spares.pop();
                if from_spare.is_none() && self.full() {
                    self.gone.push(fresh);
                    return;
                }
                let id = from_spare.unwrap_or(fresh);
                if from_spare.is_some() {
                    self.gone.push(fresh);
                }
                let mut g = self.pool.acquire_guard_with(|| v);
                assert_eq!(g.id, id);
                g.dirty = true;
                if keep {
                    let h = Recycled::into_handle(g);
                    self.live.insert(h, id);
                    self.issued.push(h);
                } else {
                    let r = catch_unwind(AssertUnwindSafe(move || drop(g)));
                    if id % 5 == 0 {
                        assert!(r.is_err());
                        self.gone.push(id);
                    } else {
                        assert!(r.is_ok());
                        self.spares.push(id);
                    }
                }
            }
            Op::ShrinkSpares(keep) => {
                self.pool.shrink_spares(keep);
                let excess = self.spares.len().saturating_sub(keep);
                self.gone.extend(self.spares.drain(..excess));
            }
            Op::ClearSpares => {
                self.pool.clear_spares();
                self.gone.append(&mut self.spares);
            }
            Op::Clear => {
                self.pool.clear();
                self.gone.extend(self.live.drain().map(|(_, id)| id));
            }
            Op::Session(reserve, steps) => self.session(reserve, steps),
            Op::Prefill(n, panic_at) => self.prefill(n, panic_at),
        }
    }

    /// `try_prefill_with` with a factory that may panic: the spares built before a panic
    /// or a full pool stay, newest on top, and nothing else changes.
    fn prefill(&mut self, n: usize, panic_at: Option<usize>) {
        let drops = self.drops.clone();
        let mut built = Vec::new();
        let r = catch_unwind(AssertUnwindSafe(|| {
            self.pool.try_prefill_with(n, || {
                if Some(built.len()) == panic_at {
                    panic!("factory panics");
                }
                let mut item = new_item(&drops);
                item.dirty = false; // fresh, as a reset value is
                built.push(item.id);
                item
            })
        }));
        // Up to the spare limit (a bounded pool's is its bound).
        let target = n.min(self.pool.stats().max_spares);
        let mut calls = 0;
        let outcome = loop {
            if self.spares.len() >= target {
                break "ok";
            }
            if self.full() {
                break "full";
            }
            if Some(calls) == panic_at {
                break "panic";
            }
            self.spares.push(built[calls]);
            calls += 1;
        };
        assert_eq!(built.len(), calls, "values built");
        match outcome {
            "ok" => assert_eq!(r.unwrap(), Ok(())),
            "full" => assert!(matches!(r.unwrap(), Err(PoolError::Full { .. }))),
            _ => assert!(r.is_err(), "the factory's panic goes through"),
        }
    }

    fn check(&self) {
        let stats = self.pool.stats();
        assert_eq!(
            (stats.len, stats.spares),
            (self.live.len(), self.spares.len())
        );
        for (&h, &id) in &self.live {
            assert_eq!(self.pool.get(h).map(|v| v.id), Some(id));
        }
        for &h in &self.issued {
            assert_eq!(self.pool.contains(h), self.live.contains_key(&h));
        }
        let drops = self.drops.borrow();
        let mut want = vec![0u32; drops.len()];
        for &id in &self.gone {
            want[id] += 1;
        }
        assert_eq!(*drops, want, "drop counts per value");
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: if cfg!(miri) { 4 } else { 256 },
        failure_persistence: None,
        rng_algorithm: common::proptest_rng(),
        ..ProptestConfig::default()
    })]

    #[test]
    fn recycling_matches_the_model(
        bound in prop::option::of(1usize..6),
        ops in prop::collection::vec(op(), 1..if cfg!(miri) { 40 } else { 150 }),
    ) {
        let drops = Rc::new(RefCell::new(Vec::new()));
        let pool = match bound {
            Some(b) => Pool::bounded(b),
            None => Pool::new(),
        };
        let mut h = Harness {
            pool,
            bound,
            live: HashMap::new(),
            spares: Vec::new(),
            issued: Vec::new(),
            drops: drops.clone(),
            gone: Vec::new(),
        };
        for op in ops {
            h.run(op);
            h.check();
        }
        drop(h.pool);
        assert!(drops.borrow().iter().all(|&n| n == 1), "every value dropped exactly once");
    }
}
