//! Model-based test of SyncPool (one thread) against a `HashMap`, with drop counting and
//! values whose `Drop` or `Reset` panics: every value is dropped exactly once, and the pool
//! agrees with the model after every operation, panics included.

mod common;

use std::cell::RefCell;
use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::rc::Rc;

use pool_core::{Handle, RentError, Reset, SyncPool};
use proptest::prelude::*;

#[derive(Default)]
struct Ledger {
    dropped: Vec<u64>,
}

struct Val {
    id: u64,
    data: u64,
    panic_on_drop: bool,
    panic_on_reset: bool,
    ledger: Rc<RefCell<Ledger>>,
}

impl Drop for Val {
    fn drop(&mut self) {
        self.ledger.borrow_mut().dropped.push(self.id);
        if self.panic_on_drop && !std::thread::panicking() {
            panic!("drop of {}", self.id);
        }
    }
}

impl Reset for Val {
    fn reset(&mut self) {
        self.data = 0;
        if self.panic_on_reset {
            panic!("reset of {}", self.id);
        }
    }
}

#[derive(Clone, Debug)]
enum Op {
    Insert {
        panic_drop: bool,
        panic_reset: bool,
    },
    Remove(usize),
    Take(usize),
    Get(usize),
    Modify(usize, u64),
    Release(usize),
    Acquire,
    /// Prefill up to `n` spares; the maker panics on its `panic_at`-th call (never if 0).
    Prefill {
        n: u8,
        panic_at: u8,
    },
    PinRemove(usize),
    Collect,
    Stale(usize),
    Clear,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (any::<u8>(), any::<u8>()).prop_map(|(d, r)| Op::Insert { panic_drop: d < 20, panic_reset: r < 20 }),
        2 => any::<usize>().prop_map(Op::Remove),
        1 => any::<usize>().prop_map(Op::Take),
        2 => any::<usize>().prop_map(Op::Get),
        2 => (any::<usize>(), any::<u64>()).prop_map(|(i, v)| Op::Modify(i, v)),
        2 => any::<usize>().prop_map(Op::Release),
        2 => Just(Op::Acquire),
        1 => (0u8..5, 0u8..4).prop_map(|(n, panic_at)| Op::Prefill { n, panic_at }),
        1 => any::<usize>().prop_map(Op::PinRemove),
        1 => Just(Op::Collect),
        1 => any::<usize>().prop_map(Op::Stale),
        1 => Just(Op::Clear),
    ]
}

struct World {
    pool: SyncPool<Val>,
    model: HashMap<Handle<Val>, (u64, u64)>,
    order: Vec<Handle<Val>>,
    stale: Vec<Handle<Val>>,
    ledger: Rc<RefCell<Ledger>>,
    next_id: u64,
    made: u64,
}

impl World {
    fn pick(&self, i: usize) -> Option<Handle<Val>> {
        (!self.order.is_empty()).then(|| self.order[i % self.order.len()])
    }

    fn forget(&mut self, h: Handle<Val>) {
        self.model.remove(&h);
        self.order.retain(|x| *x != h);
        self.stale.push(h);
    }

    fn new_val(&mut self, panic_on_drop: bool, panic_on_reset: bool) -> Val {
        self.next_id += 1;
        self.made += 1;
        Val {
            id: self.next_id,
            data: 0,
            panic_on_drop,
            panic_on_reset,
            ledger: self.ledger.clone(),
        }
    }

    fn apply(&mut self, op: Op) {
        match op {
            Op::Insert {
                panic_drop,
                panic_reset,
            } => {
                let v = self.new_val(panic_drop, panic_reset);
                let id = v.id;
                let h = self.pool.insert(v);
                assert!(
                    self.model.insert(h, (id, 0)).is_none(),
                    "handles are unique"
                );
                self.order.push(h);
            }
            Op::Remove(i) => {
                if let Some(h) = self.pick(i) {
                    self.forget(h);
                    let r = catch_unwind(AssertUnwindSafe(|| self.pool.remove(h)));
                    assert!(r.unwrap_or(true));
                }
            }
            Op::Take(i) => {
                if let Some(h) = self.pick(i) {
                    let (id, data) = self.model[&h];
                    self.forget(h);
                    let v = self.pool.take(h).unwrap();
                    assert_eq!((v.id, v.data), (id, data));
                    let _ = catch_unwind(AssertUnwindSafe(|| drop(v)));
                }
            }
            Op::Get(i) => {
                if let Some(h) = self.pick(i) {
                    let r = self.pool.get(h).unwrap();
                    assert_eq!((r.id, r.data), self.model[&h]);
                }
            }
            Op::Modify(i, x) => {
                if let Some(h) = self.pick(i) {
                    self.pool.rent_mut(h).unwrap().data = x;
                    self.model.get_mut(&h).unwrap().1 = x;
                }
            }
            Op::Release(i) => {
                if let Some(h) = self.pick(i) {
                    self.forget(h);
                    let r = catch_unwind(AssertUnwindSafe(|| self.pool.release(h)));
                    if let Ok(r) = r {
                        assert_eq!(r, Ok(()));
                    }
                }
            }
            Op::Acquire => {
                let fresh = self.new_val(false, false);
                let fresh_id = fresh.id;
                let r = catch_unwind(AssertUnwindSafe(|| self.pool.acquire_with(|| fresh)));
                // A spare's deferred reset may panic: the spare and `fresh` are dropped.
                let Ok(h) = r else { return };
                let g = self.pool.get(h).unwrap();
                assert_eq!(g.data, 0, "a spare comes back reset");
                let id = g.id;
                drop(g);
                // Either `fresh` or a spare (then `fresh` was dropped unused).
                assert!(id == fresh_id || self.ledger.borrow().dropped.contains(&fresh_id));
                assert!(self.model.insert(h, (id, 0)).is_none());
                self.order.push(h);
            }
            Op::Prefill { n, panic_at } => {
                let (pool, ledger) = (&self.pool, &self.ledger);
                let (next_id, made) = (&mut self.next_id, &mut self.made);
                let mut calls = 0;
                let r = catch_unwind(AssertUnwindSafe(|| {
                    pool.prefill_with(usize::from(n), || {
                        calls += 1;
                        if calls == panic_at {
                            panic!("maker failed");
                        }
                        *next_id += 1;
                        *made += 1;
                        Val {
                            id: *next_id,
                            data: 0,
                            panic_on_drop: false,
                            panic_on_reset: false,
                            ledger: ledger.clone(),
                        }
                    })
                }));
                if r.is_ok() {
                    assert!(self.pool.stats().total.spares >= u64::from(n));
                }
            }
            Op::PinRemove(i) => {
                if let Some(h) = self.pick(i) {
                    let (id, data) = self.model[&h];
                    self.forget(h);
                    let g = self.pool.pin();
                    let v = self.pool.get_pinned(&g, h).unwrap();
                    assert!(self.pool.remove(h));
                    assert_eq!((v.id, v.data), (id, data), "still readable while pinned");
                    assert!(!self.ledger.borrow().dropped.contains(&id));
                    assert!(self.pool.get_pinned(&g, h).is_none());
                    if let Some(&other) = self.order.first() {
                        // Exclusive access waits while a pin is active.
                        assert!(matches!(self.pool.take(other), Err(RentError::Busy)));
                        assert!(matches!(self.pool.rent_mut(other), Err(RentError::Busy)));
                    }
                    // The last pin reclaims what waited (a `Drop` may panic there).
                    let _ = catch_unwind(AssertUnwindSafe(|| drop(g)));
                    assert!(self.ledger.borrow().dropped.contains(&id));
                }
            }
            Op::Collect => {
                let _ = catch_unwind(AssertUnwindSafe(|| self.pool.collect()));
            }
            Op::Stale(i) => {
                if !self.stale.is_empty() {
                    let h = self.stale[i % self.stale.len()];
                    assert!(self.pool.get(h).is_none());
                    assert!(!self.pool.contains(h));
                    assert!(matches!(self.pool.rent_mut(h), Err(RentError::Stale)));
                    assert!(!self.pool.remove(h));
                }
            }
            Op::Clear => {
                let hs: Vec<_> = self.order.clone();
                for h in hs {
                    self.forget(h);
                }
                let _ = catch_unwind(AssertUnwindSafe(|| self.pool.clear()));
            }
        }
        assert_eq!(self.pool.len(), self.model.len());
        for (&h, &(id, data)) in &self.model {
            let r = self.pool.get(h).expect("model value is live");
            assert_eq!((r.id, r.data), (id, data));
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

    #[test]
    fn sync_pool_matches_a_hashmap(ops in prop::collection::vec(op(), 1..if cfg!(miri) { 40 } else { 200 })) {
        let prev = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        let ledger = Rc::new(RefCell::new(Ledger::default()));
        let mut w = World {
            pool: SyncPool::new(),
            model: HashMap::new(),
            order: Vec::new(),
            stale: Vec::new(),
            ledger: ledger.clone(),
            next_id: 0,
            made: 0,
        };
        for op in ops {
            w.apply(op);
        }
        let made = w.made;
        let pool = std::mem::replace(&mut w.pool, SyncPool::new());
        let _ = catch_unwind(AssertUnwindSafe(|| drop(pool)));
        drop(w);
        std::panic::set_hook(prev);
        let mut dropped = ledger.borrow().dropped.clone();
        let n = dropped.len();
        dropped.sort_unstable();
        dropped.dedup();
        prop_assert_eq!(dropped.len(), n, "a value was dropped twice");
        prop_assert_eq!(n as u64, made, "a value was never dropped");
    }
}
