//! Model-based property test of `Shuffler`: random alloc / free / rent / rent_mut / drop
//! guard / leak guard / shuffle / budgeted steps against a `HashMap` model. After every
//! step every live handle reads exactly its own data, freed handles are rejected, rented
//! blocks have not moved, and in the end every element is dropped exactly once.

mod common;

use std::cell::Cell;
use std::collections::HashMap;
use std::rc::Rc;

use pool_core::shuffler::{BlockRent, BlockRentMut};
use pool_core::{RentError, ShuffleHandle, Shuffler};
use proptest::prelude::*;

#[derive(Debug)]
struct Elem {
    id: u64,
    drops: Rc<Cell<u64>>,
}

impl Drop for Elem {
    fn drop(&mut self) {
        self.drops.set(self.drops.get() + 1);
    }
}

#[derive(Clone, Debug)]
enum Op {
    Alloc(usize),
    Free(usize),
    Rent(usize),
    RentMut(usize, u64),
    DropGuard(usize),
    LeakGuard(usize),
    Shuffle,
    Step(usize),
    Budget(Option<usize>),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        8 => prop_oneof![Just(0usize), 1..40usize, 40..300usize].prop_map(Op::Alloc),
        5 => any::<usize>().prop_map(Op::Free),
        3 => any::<usize>().prop_map(Op::Rent),
        2 => (any::<usize>(), any::<u64>()).prop_map(|(i, v)| Op::RentMut(i, v)),
        4 => any::<usize>().prop_map(Op::DropGuard),
        1 => any::<usize>().prop_map(Op::LeakGuard),
        2 => Just(Op::Shuffle),
        2 => (0..4096usize).prop_map(Op::Step),
        1 => prop_oneof![Just(None), (1..2048usize).prop_map(Some)].prop_map(Op::Budget),
    ]
}

enum Guard<'a> {
    Shared(BlockRent<'a, Elem>),
    Exclusive(BlockRentMut<'a, Elem>),
}

impl Guard<'_> {
    fn handle(&self) -> ShuffleHandle<Elem> {
        match self {
            Guard::Shared(g) => BlockRent::handle(g),
            Guard::Exclusive(g) => BlockRentMut::handle(g),
        }
    }
    fn ids(&self) -> Vec<u64> {
        match self {
            Guard::Shared(g) => g.iter().map(|e| e.id).collect(),
            Guard::Exclusive(g) => g.iter().map(|e| e.id).collect(),
        }
    }
    fn addr(&self) -> usize {
        match self {
            Guard::Shared(g) => g.as_ptr() as usize,
            Guard::Exclusive(g) => g.as_ptr() as usize,
        }
    }
}

fn run(ops: Vec<Op>) {
    let drops = Rc::new(Cell::new(0u64));
    let mut made = 0u64;
    {
        let s: Shuffler<Elem> = Shuffler::with_id(5);
        let mut model: HashMap<ShuffleHandle<Elem>, Vec<u64>> = HashMap::new();
        let mut issued: Vec<ShuffleHandle<Elem>> = Vec::new();
        let mut guards: Vec<(Guard<'_>, usize)> = Vec::new();
        // Handles of leaked guards (and whether exclusive): they stay rented forever.
        let mut leaked: Vec<(ShuffleHandle<Elem>, bool)> = Vec::new();
        let mut next_id = 0u64;
        let pick = |issued: &Vec<ShuffleHandle<Elem>>, i: usize| {
            (!issued.is_empty()).then(|| issued[i % issued.len()])
        };
        for op in ops {
            match op {
                Op::Alloc(n) => {
                    let base = next_id;
                    next_id += n as u64;
                    made += n as u64;
                    let d = drops.clone();
                    let h = s.alloc_with(n, |i| Elem {
                        id: base + i as u64,
                        drops: d.clone(),
                    });
                    assert!(!issued.contains(&h), "handle reused while a copy is live");
                    model.insert(h, (base..base + n as u64).collect());
                    issued.push(h);
                }
                Op::Free(i) => {
                    if let Some(h) = pick(&issued, i) {
                        let live = model.remove(&h).is_some();
                        assert_eq!(s.free(h), live);
                        assert!(!s.contains(h));
                        assert!(!s.free(h));
                    }
                }
                Op::Rent(i) => {
                    if let Some(h) = pick(&issued, i) {
                        let exclusive = guards
                            .iter()
                            .any(|(g, _)| g.handle() == h && matches!(g, Guard::Exclusive(_)))
                            || leaked.iter().any(|&(l, x)| l == h && x);
                        match s.rent(h) {
                            Ok(g) => {
                                assert!(!exclusive && model.contains_key(&h));
                                let addr = g.as_ptr() as usize;
                                guards.push((Guard::Shared(g), addr));
                            }
                            Err(RentError::Busy) => assert!(exclusive),
                            Err(e) => {
                                assert_eq!(e, RentError::Stale);
                                assert!(!model.contains_key(&h));
                            }
                        }
                    }
                }
                Op::RentMut(i, v) => {
                    if let Some(h) = pick(&issued, i) {
                        let rented = guards.iter().any(|(g, _)| g.handle() == h)
                            || leaked.iter().any(|&(l, _)| l == h);
                        match s.rent_mut(h) {
                            Ok(mut g) => {
                                assert!(!rented && model.contains_key(&h));
                                // Swap two elements; mirror it in the model.
                                if g.len() >= 2 {
                                    let k = (v as usize) % g.len();
                                    g.swap(0, k);
                                    model.get_mut(&h).unwrap().swap(0, k);
                                }
                                let addr = g.as_ptr() as usize;
                                guards.push((Guard::Exclusive(g), addr));
                            }
                            Err(RentError::Busy) => assert!(rented),
                            Err(e) => {
                                assert_eq!(e, RentError::Stale);
                                assert!(!model.contains_key(&h));
                            }
                        }
                    }
                }
                Op::DropGuard(i) => {
                    if !guards.is_empty() {
                        let k = i % guards.len();
                        drop(guards.remove(k));
                    }
                }
                Op::LeakGuard(i) => {
                    if !guards.is_empty() {
                        let k = i % guards.len();
                        let (g, _) = guards.remove(k);
                        leaked.push((g.handle(), matches!(g, Guard::Exclusive(_))));
                        std::mem::forget(g);
                    }
                }
                Op::Shuffle => {
                    s.shuffle();
                    // With nothing pinned, a full shuffle leaves no hole inside a chunk:
                    // every chunk's blocks form a prefix of it.
                    if guards.is_empty() && leaked.is_empty() {
                        for line in s.storage_map(usize::MAX).lines() {
                            let used = line.trim_end_matches('.');
                            assert!(!used.contains(['.', 'x', 'P']), "not packed: {line}");
                        }
                    }
                }
                Op::Step(b) => {
                    s.shuffle_step(b);
                }
                Op::Budget(b) => s.set_budget(b),
            }
            // Rented blocks did not move and still hold their data (or the model's, if
            // the block was freed while rented).
            for (g, addr) in &guards {
                assert_eq!(g.addr(), *addr, "a rented block moved");
                if let Some(ids) = model.get(&g.handle()) {
                    assert_eq!(&g.ids(), ids);
                }
            }
            // Every live handle reads its own data; freed ones are rejected.
            for &h in &issued {
                match model.get(&h) {
                    Some(ids) => {
                        assert!(s.contains(h));
                        assert_eq!(s.len_of(h), Some(ids.len()));
                        if let Ok(g) = s.rent(h) {
                            let got: Vec<u64> = g.iter().map(|e| e.id).collect();
                            assert_eq!(&got, ids);
                        }
                    }
                    None => {
                        assert!(!s.contains(h));
                        assert_eq!(s.rent(h).unwrap_err(), RentError::Stale);
                    }
                }
            }
            assert_eq!(s.len(), model.len());
        }
        drop(guards);
    }
    assert_eq!(drops.get(), made, "every element dropped exactly once");
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: if cfg!(miri) { 4 } else { 256 },
        failure_persistence: None,
        rng_algorithm: common::proptest_rng(),
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn shuffler_matches_model(ops in proptest::collection::vec(op(), 1..if cfg!(miri) { 30 } else { 120 })) {
        run(ops);
    }
}
