//! Model-based property test: random operation sequences on a `Pool` against a `HashMap`
//! model, with drop counting.

mod common;

use std::collections::HashMap;

use common::{Counted, DropCounter};
use pool_core::{Handle, Pool, RentError};
use proptest::prelude::*;

#[derive(Clone, Debug)]
enum Op {
    Insert,
    InsertWith,
    /// Picks a handle from every handle ever issued (live or not).
    Remove(usize),
    Get(usize),
    GetMut(usize),
    Forged(u64),
    Release(usize),
    Acquire,
    RentPair(usize, usize),
    SharedThenExclusive(usize),
    Retain(u64),
    DrainSome(usize),
    Clear,
    Clone,
    Reserve(usize),
    ReserveExact(usize),
    ShrinkTo(usize),
    /// Drains this many values from the back, then drops the rest.
    DrainBack(usize),
    Vacant,
    /// `try_insert_with` whose closure fails when the flag is set.
    TryInsertWith(bool),
    /// Walks `iter` from both ends, front when the bit is set.
    BothEnds(u64),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        16 => Just(Op::Insert),
        4 => Just(Op::InsertWith),
        8 => any::<usize>().prop_map(Op::Remove),
        6 => any::<usize>().prop_map(Op::Get),
        3 => any::<usize>().prop_map(Op::GetMut),
        2 => any::<u64>().prop_map(Op::Forged),
        3 => any::<usize>().prop_map(Op::Release),
        3 => Just(Op::Acquire),
        3 => (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Op::RentPair(a, b)),
        2 => any::<usize>().prop_map(Op::SharedThenExclusive),
        1 => (2..5u64).prop_map(Op::Retain),
        1 => (0..4usize).prop_map(Op::DrainSome),
        1 => Just(Op::Clear),
        1 => Just(Op::Clone),
        1 => (0..16usize).prop_map(Op::Reserve),
        1 => (0..16usize).prop_map(Op::ReserveExact),
        2 => (0..24usize).prop_map(Op::ShrinkTo),
        1 => (0..4usize).prop_map(Op::DrainBack),
        3 => Just(Op::Vacant),
        3 => any::<bool>().prop_map(Op::TryInsertWith),
        2 => any::<u64>().prop_map(Op::BothEnds),
    ]
}

struct Harness {
    pool: Pool<Counted>,
    counter: DropCounter,
    model: HashMap<Handle<Counted>, u64>,
    issued: Vec<Handle<Counted>>,
    spares: usize,
    next_id: u64,
}

impl Harness {
    fn pick(&self, i: usize) -> Option<Handle<Counted>> {
        (!self.issued.is_empty()).then(|| self.issued[i % self.issued.len()])
    }

    fn fresh(&mut self) -> Counted {
        self.next_id += 1;
        self.counter.make(self.next_id)
    }

    fn issued(&mut self, h: Handle<Counted>, id: u64) {
        assert!(!self.issued.contains(&h), "handle {h:?} issued twice");
        self.issued.push(h);
        self.model.insert(h, id);
    }

    fn apply(&mut self, op: Op) {
        match op {
            Op::Insert => {
                let v = self.fresh();
                let id = v.id;
                let h = self.pool.insert(v);
                self.issued(h, id);
            }
            Op::InsertWith => {
                self.next_id += 1;
                let (id, counter) = (self.next_id, self.counter.clone());
                let mut seen = None;
                let h = self.pool.insert_with(|h| {
                    seen = Some(h);
                    counter.make(id)
                });
                assert_eq!(seen, Some(h));
                self.issued(h, id);
            }
            Op::Remove(i) => {
                if let Some(h) = self.pick(i) {
                    let got = self.pool.remove(h).map(|v| v.id);
                    assert_eq!(got, self.model.remove(&h));
                }
            }
            Op::Get(i) => {
                if let Some(h) = self.pick(i) {
                    assert_eq!(self.pool.get(h).map(|v| v.id), self.model.get(&h).copied());
                }
            }
            Op::GetMut(i) => {
                if let Some(h) = self.pick(i) {
                    let new = self.next_id + 1_000_000;
                    match (self.pool.get_mut(h), self.model.get_mut(&h)) {
                        (Some(v), Some(m)) => {
                            v.id = new;
                            *m = new;
                        }
                        (None, None) => {}
                        (a, b) => panic!("get_mut disagrees: {:?} vs {:?}", a.map(|v| v.id), b),
                    }
                }
            }
            Op::Forged(bits) => {
                if let Some(h) = Handle::from_bits(bits) {
                    assert_eq!(self.pool.get(h).map(|v| v.id), self.model.get(&h).copied());
                }
            }
            Op::Release(i) => {
                if let Some(h) = self.pick(i) {
                    let released = self.pool.release(h);
                    assert_eq!(released, self.model.remove(&h).is_some());
                    self.spares += released as usize;
                }
            }
            Op::Acquire => {
                let v = self.fresh();
                let fresh_id = v.id;
                let h = self.pool.acquire_with(|| v);
                // A spare comes back reset (id 0); else the fresh value is used.
                let id = if self.spares > 0 {
                    self.spares -= 1;
                    0
                } else {
                    fresh_id
                };
                assert_eq!(self.pool[h].id, id);
                self.issued(h, id);
            }
            Op::RentPair(a, b) => {
                let (Some(a), Some(b)) = (self.pick(a), self.pick(b)) else {
                    return;
                };
                let live_a = self.model.get(&a).copied();
                let rentals = self.pool.rentals();
                let ga = rentals.rent_mut(a);
                let gb = rentals.rent_mut(b);
                match (&ga, live_a) {
                    (Ok(g), Some(id)) => assert_eq!(g.id, id),
                    (Err(e), None) => assert_eq!(*e, RentError::Stale),
                    (r, live) => panic!("rent_mut({a:?}) = {:?}, live = {live:?}", r.is_ok()),
                }
                let expect_b = if !self.model.contains_key(&b) {
                    Err(RentError::Stale)
                } else if a == b {
                    Err(RentError::Busy)
                } else {
                    Ok(())
                };
                assert_eq!(gb.as_ref().map(|_| ()).map_err(|e| *e), expect_b);
                // While exclusively rented, no shared rent is handed out either.
                if ga.is_ok() {
                    assert_eq!(rentals.rent(a).unwrap_err(), RentError::Busy);
                }
            }
            Op::SharedThenExclusive(i) => {
                if let Some(h) = self.pick(i) {
                    let live = self.model.get(&h).copied();
                    let rentals = self.pool.rentals();
                    if let Ok(g) = rentals.rent(h) {
                        assert_eq!(rentals.rent_mut(h).unwrap_err(), RentError::Busy);
                        assert_eq!(Some(g.id), live);
                    } else {
                        assert!(live.is_none());
                    };
                }
            }
            Op::Retain(m) => {
                self.pool.retain(|_, v| v.id % m != 0);
                self.model.retain(|_, id| *id % m != 0);
            }
            Op::DrainSome(k) => {
                let mut d = self.pool.drain();
                for _ in 0..k {
                    if let Some((h, v)) = d.next() {
                        assert_eq!(self.model.get(&h), Some(&v.id));
                    }
                }
                drop(d);
                self.model.clear();
            }
            Op::Clear => {
                self.pool.clear();
                self.model.clear();
            }
            Op::Clone => {
                let copy = self.pool.clone();
                self.pool = copy;
            }
            Op::Reserve(n) => {
                self.pool.reserve(n);
                assert!(self.pool.capacity() >= self.pool.len() + n);
            }
            Op::ReserveExact(n) => {
                self.pool.reserve_exact(n);
                assert!(self.pool.capacity() >= self.pool.len() + n);
            }
            Op::ShrinkTo(n) => {
                let highest = self.pool.keys().next_back().map_or(0, |h| h.index() + 1);
                self.pool.shrink_to(n);
                assert!(self.pool.capacity() >= highest as usize);
            }
            Op::DrainBack(k) => {
                let mut d = self.pool.drain();
                let mut last = u32::MAX;
                for _ in 0..k {
                    if let Some((h, v)) = d.next_back() {
                        assert!(h.index() < last, "drain().next_back() goes down");
                        last = h.index();
                        assert_eq!(self.model.get(&h), Some(&v.id));
                    }
                }
                drop(d);
                self.model.clear();
            }
            Op::Vacant => {
                let v = self.fresh();
                let id = v.id;
                let entry = self.pool.vacant_entry();
                let h = entry.handle();
                assert_eq!(entry.insert(v).id, id);
                self.issued(h, id);
            }
            Op::TryInsertWith(fail) => {
                self.next_id += 1;
                let (id, counter) = (self.next_id, self.counter.clone());
                let r = self.pool.try_insert_with(|_| {
                    if fail {
                        Err("refused")
                    } else {
                        Ok(counter.make(id))
                    }
                });
                match r {
                    Ok(h) => self.issued(h, id),
                    Err(e) => assert!(fail, "{e:?}"),
                }
            }
            Op::BothEnds(pattern) => {
                let forward: Vec<_> = self.pool.iter().map(|(h, v)| (h, v.id)).collect();
                let mut it = self.pool.iter();
                let (mut front, mut back) = (Vec::new(), Vec::new());
                let mut bit = 0;
                loop {
                    assert_eq!(it.len(), forward.len() - front.len() - back.len());
                    let step = if pattern >> (bit % 64) & 1 == 1 {
                        it.next().map(|(h, v)| front.push((h, v.id)))
                    } else {
                        it.next_back().map(|(h, v)| back.push((h, v.id)))
                    };
                    bit += 1;
                    if step.is_none() {
                        break;
                    }
                }
                back.reverse();
                front.extend(back);
                assert_eq!(front, forward);
                let keys_back: Vec<_> = self.pool.keys().rev().collect();
                let values_back: Vec<u64> = self.pool.values().rev().map(|v| v.id).collect();
                let forward_keys: Vec<_> = forward.iter().rev().map(|&(h, _)| h).collect();
                let forward_ids: Vec<_> = forward.iter().rev().map(|&(_, id)| id).collect();
                assert_eq!(keys_back, forward_keys);
                assert_eq!(values_back, forward_ids);
                let mut_back: Vec<_> = self.pool.iter_mut().rev().map(|(h, _)| h).collect();
                assert_eq!(mut_back, forward_keys);
            }
        }
    }

    fn check(&mut self) {
        assert_eq!(self.pool.len(), self.model.len());
        for &h in &self.issued {
            assert_eq!(self.pool.get(h).map(|v| v.id), self.model.get(&h).copied());
            assert_eq!(self.pool.contains(h), self.model.contains_key(&h));
        }
        let mut seen: Vec<_> = self.pool.iter().map(|(h, v)| (h, v.id)).collect();
        let mut want: Vec<_> = self.model.iter().map(|(&h, &id)| (h, id)).collect();
        seen.sort();
        want.sort();
        assert_eq!(seen, want);
        let stats = self.pool.stats();
        assert_eq!(stats.spares, self.spares);
        assert_eq!(stats.inserts - stats.removes, self.model.len() as u64);
        // Every value made is live, a spare, or dropped exactly once.
        let alive = self.model.len() + self.spares;
        assert_eq!(self.counter.made(), self.counter.dropped() + alive);
    }
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: if cfg!(miri) { 6 } else { 256 },
        failure_persistence: None,
        rng_algorithm: common::proptest_rng(),
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn pool_matches_model(ops in proptest::collection::vec(op(), 1..if cfg!(miri) { 40 } else { 200 })) {
        let counter = DropCounter::new();
        let mut h = Harness {
            pool: Pool::new(),
            counter: counter.clone(),
            model: HashMap::new(),
            issued: Vec::new(),
            spares: 0,
            next_id: 0,
        };
        for op in ops {
            h.apply(op);
            h.check();
        }
        drop(h);
        prop_assert_eq!(counter.made(), counter.dropped());
    }
}
