//! Model-based property test of `BinnedAllocator`: random alloc / free / write / read /
//! snapshot / restore / trim against a `HashMap` model, on two allocators in lockstep to
//! check determinism, with the stats invariants and the pointer-to-handle lookup checked
//! after every step.

mod common;

use std::collections::HashMap;

use pool_core::{BinnedAllocator, BlockHandle};
use proptest::prelude::*;

#[derive(Clone, Debug)]
enum Op {
    Alloc(usize),
    AllocZeroed(usize),
    AllocAligned(usize, u8),
    Free(usize),
    Write(usize, u8),
    Read(usize),
    Snapshot,
    Restore,
    Trim,
}

fn size() -> impl Strategy<Value = usize> {
    prop_oneof![
        1 => Just(0usize),
        8 => 1..=256usize,
        3 => 257..=4096usize,
        1 => 4097..=65536usize,
        1 => 65537..=140_000usize,
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => size().prop_map(Op::Alloc),
        2 => size().prop_map(Op::AllocZeroed),
        1 => (0..=512usize, 0..14u8).prop_map(|(s, a)| Op::AllocAligned(s, a)),
        5 => any::<usize>().prop_map(Op::Free),
        3 => (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Op::Write(i, b)),
        3 => any::<usize>().prop_map(Op::Read),
        1 => Just(Op::Snapshot),
        1 => Just(Op::Restore),
        1 => Just(Op::Trim),
    ]
}

#[derive(Clone)]
struct Model {
    live: HashMap<BlockHandle, Vec<u8>>,
}

struct World {
    a: BinnedAllocator,
    b: BinnedAllocator,
    model: Model,
    issued: Vec<BlockHandle>,
    saved: Option<(Vec<u8>, Model)>,
}

impl World {
    fn pick(&self, i: usize) -> Option<BlockHandle> {
        (!self.issued.is_empty()).then(|| self.issued[i % self.issued.len()])
    }

    fn allocated(&mut self, ha: BlockHandle, hb: BlockHandle, zeroed: bool) {
        assert_eq!(ha, hb, "same operations must give the same handles");
        let len = self.a.len(ha).unwrap();
        if zeroed {
            assert!(self.a.get(ha).unwrap().iter().all(|&x| x == 0));
        }
        // Give the block known contents so later reads can be checked.
        let fill = vec![(ha.index() as u8) ^ 0x5a; len];
        self.a.write(ha, &fill).unwrap();
        self.b.write(hb, &fill).unwrap();
        self.model.live.insert(ha, fill);
        if !self.issued.contains(&ha) {
            self.issued.push(ha);
        }
    }

    fn apply(&mut self, op: Op) {
        match op {
            Op::Alloc(n) => {
                let (ha, hb) = (self.a.alloc(n), self.b.alloc(n));
                self.allocated(ha, hb, false);
            }
            Op::AllocZeroed(n) => {
                let (ha, hb) = (self.a.alloc_zeroed(n), self.b.alloc_zeroed(n));
                self.allocated(ha, hb, true);
            }
            Op::AllocAligned(n, shift) => {
                let align = 1usize << shift;
                let ha = self.a.try_alloc_layout(n, align).unwrap();
                let hb = self.b.try_alloc_layout(n, align).unwrap();
                assert_eq!(self.a.get(ha).unwrap().as_ptr() as usize % align, 0);
                self.allocated(ha, hb, true);
            }
            Op::Free(i) => {
                if let Some(h) = self.pick(i) {
                    let first = self.a.get(h).map(|b| b.as_ptr());
                    let live = self.model.live.remove(&h).is_some();
                    assert_eq!(self.a.free(h), live);
                    assert_eq!(self.b.free(h), live);
                    // A freed block's bytes name no handle any more.
                    if let Some(p) = first {
                        assert_eq!(self.a.handle_of(p), None);
                    }
                }
            }
            Op::Write(i, byte) => {
                if let Some(h) = self.pick(i) {
                    match self.model.live.get_mut(&h) {
                        Some(m) => {
                            let k = m.len().div_ceil(2);
                            m[..k].fill(byte);
                            self.a.write(h, &m[..k]).unwrap();
                            self.b.write(h, &m[..k]).unwrap();
                        }
                        None => assert!(self.a.write(h, &[byte]).is_err()),
                    }
                }
            }
            Op::Read(i) => {
                if let Some(h) = self.pick(i) {
                    assert_eq!(self.a.get(h), self.model.live.get(&h).map(Vec::as_slice));
                }
            }
            Op::Snapshot => {
                self.saved = Some((self.a.snapshot(), self.model.clone()));
            }
            Op::Restore => {
                if let Some((snap, model)) = &self.saved {
                    self.a.restore(snap).unwrap();
                    self.b.restore(snap).unwrap();
                    self.model = model.clone();
                }
            }
            Op::Trim => {
                assert_eq!(self.a.trim(), self.b.trim());
            }
        }
    }

    fn check(&self) {
        let s = self.a.stats();
        assert_eq!(s.live_blocks as usize, self.model.live.len());
        assert_eq!(s.allocations - s.frees, s.live_blocks);
        let bytes: usize = self.model.live.values().map(Vec::len).sum();
        assert_eq!(s.live_bytes as usize, bytes);
        assert!(s.block_bytes >= s.live_bytes);
        assert_eq!(s, self.b.stats());
        for &h in &self.issued {
            assert_eq!(self.a.get(h), self.model.live.get(&h).map(Vec::as_slice));
        }
        for &h in self.model.live.keys() {
            let bytes = self.a.get(h).unwrap();
            let (p, len) = (bytes.as_ptr(), bytes.len());
            if len == 0 {
                // An empty block holds no byte, so no address leads back to it.
                assert_ne!(self.a.handle_of(p), Some(h));
                continue;
            }
            for inside in [0, len / 2, len - 1] {
                assert_eq!(self.a.handle_of(p.wrapping_add(inside)), Some(h));
            }
            // Just outside: nothing, or another live block that holds that byte.
            for outside in [p.wrapping_sub(1), p.wrapping_add(len)] {
                if let Some(o) = self.a.handle_of(outside) {
                    assert_ne!(o, h);
                    let other = self.a.get(o).unwrap().as_ptr_range();
                    assert!(other.contains(&outside));
                }
            }
            // The other allocator's storage is not this one's.
            assert_eq!(self.b.handle_of(p), None);
        }
    }
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: if cfg!(miri) { 3 } else { 96 },
        failure_persistence: None,
        rng_algorithm: common::proptest_rng(),
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn binned_matches_model(ops in proptest::collection::vec(op(), 1..if cfg!(miri) { 25 } else { 120 })) {
        let mut w = World {
            a: BinnedAllocator::builder().id(11).build(),
            b: BinnedAllocator::builder().id(11).build(),
            model: Model { live: HashMap::new() },
            issued: Vec::new(),
            saved: None,
        };
        for op in ops {
            w.apply(op);
            w.check();
        }
    }
}
