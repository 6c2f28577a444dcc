//! Model-based test of SmallPool: random allocations (every strategy: shards, buckets via a
//! second pool without shards, fallback), frees, reallocs and zeroed allocations against a
//! model of what each live block must contain. Blocks never overlap, keep their bytes, and
//! the stats agree with the model after every step. Values in allocator-backed vectors are
//! counted: each dropped exactly once, also when a `Drop` panics.
#![cfg(not(loom))]

mod common;

use core::alloc::{GlobalAlloc, Layout};
use std::cell::Cell;
use std::panic::{catch_unwind, AssertUnwindSafe};

use pool_core::small_pool::SmallPool;
use proptest::prelude::*;

#[derive(Clone, Debug)]
enum Op {
    Alloc {
        size: usize,
        align_pow: u32,
        zeroed: bool,
        bucketed: bool,
    },
    Free(usize),
    Realloc(usize, usize),
    Trim,
    Collect,
}

fn size() -> impl Strategy<Value = usize> {
    prop_oneof![
        6 => 1usize..=64,
        3 => 65usize..=4096,
        1 => 4097usize..=70_000,
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        6 => (size(), 0u32..=12, any::<bool>(), any::<bool>()).prop_map(
            |(size, align_pow, zeroed, bucketed)| Op::Alloc { size, align_pow, zeroed, bucketed }
        ),
        4 => any::<usize>().prop_map(Op::Free),
        2 => (any::<usize>(), size()).prop_map(|(i, s)| Op::Realloc(i, s)),
        1 => Just(Op::Trim),
        1 => Just(Op::Collect),
    ]
}

struct Live {
    ptr: *mut u8,
    layout: Layout,
    seed: u8,
    bucketed: bool,
}

fn fill(p: *mut u8, len: usize, seed: u8) {
    for i in 0..len {
        // SAFETY: the block holds `len` bytes.
        unsafe { p.add(i).write(seed ^ (i as u8)) };
    }
}

fn intact(p: *const u8, len: usize, seed: u8) -> bool {
    // SAFETY: as in `fill`.
    (0..len).all(|i| unsafe { p.add(i).read() } == seed ^ (i as u8))
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: if cfg!(miri) { 2 } else { 256 },
        failure_persistence: None,
        rng_algorithm: common::proptest_rng(),
        ..ProptestConfig::default()
    })]

    #[test]
    fn small_pool_matches_its_model(ops in prop::collection::vec(op(), 1..if cfg!(miri) { 20 } else { 150 })) {
        let sharded = SmallPool::new();
        let buckets = SmallPool::new().without_shards();
        let mut live: Vec<Live> = Vec::new();
        let mut seed = 0u8;
        for op in ops {
            match op {
                Op::Alloc { size, align_pow, zeroed, bucketed } => {
                    let layout = Layout::from_size_align(size, 1 << align_pow).unwrap();
                    let pool = if bucketed { &buckets } else { &sharded };
                    // SAFETY: non-zero sizes; each block freed once below.
                    let p = unsafe { if zeroed { pool.alloc_zeroed(layout) } else { pool.alloc(layout) } };
                    prop_assert!(!p.is_null());
                    prop_assert_eq!(p as usize % layout.align(), 0);
                    if zeroed {
                        // SAFETY: the block holds `size` bytes.
                        let bytes = unsafe { core::slice::from_raw_parts(p, size) };
                        let all_zero = bytes.iter().all(|&b| b == 0);
                        prop_assert!(all_zero);
                    }
                    for l in &live {
                        let (a, b) = (l.ptr as usize, l.ptr as usize + l.layout.size());
                        prop_assert!(p as usize + size <= a || p as usize >= b, "overlap");
                    }
                    seed = seed.wrapping_add(1);
                    fill(p, size, seed);
                    live.push(Live { ptr: p, layout, seed, bucketed });
                }
                Op::Free(i) if !live.is_empty() => {
                    let l = live.swap_remove(i % live.len());
                    prop_assert!(intact(l.ptr, l.layout.size(), l.seed));
                    let pool = if l.bucketed { &buckets } else { &sharded };
                    // SAFETY: allocated with `l.layout`, freed once.
                    unsafe { pool.dealloc(l.ptr, l.layout) };
                }
                Op::Realloc(i, new) if !live.is_empty() => {
                    let k = i % live.len();
                    let l = &mut live[k];
                    let pool = if l.bucketed { &buckets } else { &sharded };
                    // SAFETY: allocated with `l.layout`; the new size is non-zero.
                    let q = unsafe { pool.realloc(l.ptr, l.layout, new) };
                    prop_assert!(!q.is_null());
                    let kept = l.layout.size().min(new);
                    prop_assert!(intact(q, kept, l.seed));
                    l.ptr = q;
                    l.layout = Layout::from_size_align(new, l.layout.align()).unwrap();
                    fill(q, new, l.seed);
                }
                Op::Trim => {
                    sharded.trim();
                    buckets.trim();
                }
                Op::Collect => {
                    sharded.collect_garbage();
                    buckets.collect_garbage();
                }
                _ => {}
            }
            let count = |b: bool| live.iter().filter(|l| l.bucketed == b && pool_core::size_class::SizeClass::for_layout(l.layout.size(), l.layout.align()).is_some()).count() as u64;
            prop_assert_eq!(sharded.snapshot_stats().in_use(), count(false));
            prop_assert_eq!(buckets.snapshot_stats().in_use(), count(true));
        }
        for l in live {
            prop_assert!(intact(l.ptr, l.layout.size(), l.seed));
            let pool = if l.bucketed { &buckets } else { &sharded };
            // SAFETY: as above.
            unsafe { pool.dealloc(l.ptr, l.layout) };
        }
        prop_assert_eq!(sharded.snapshot_stats().fallback.live_bytes, 0);
    }

    /// Vectors whose elements count their drops, in a SmallPool, with a panicking drop
    /// now and then: every element dropped exactly once, the pool empty at the end.
    #[test]
    fn values_in_pooled_vectors_drop_once(lens in prop::collection::vec(0usize..40, 1..if cfg!(miri) { 4 } else { 20 }), panic_at in any::<usize>()) {
        thread_local!(static DROPS: Cell<usize> = const { Cell::new(0) });
        struct D(bool);
        impl Drop for D {
            fn drop(&mut self) {
                DROPS.with(|d| d.set(d.get() + 1));
                if self.0 && !std::thread::panicking() {
                    panic!("a panicking drop");
                }
            }
        }
        let pool = SmallPool::new();
        DROPS.with(|d| d.set(0));
        let total: usize = lens.iter().sum();
        let prev = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        let mut n = 0;
        for len in lens {
            let mut v = allocator_api2::vec::Vec::new_in(&pool);
            for _ in 0..len {
                v.push(D(total > 0 && n == panic_at % total.max(1)));
                n += 1;
            }
            let _ = catch_unwind(AssertUnwindSafe(|| drop(v)));
        }
        std::panic::set_hook(prev);
        prop_assert_eq!(DROPS.with(Cell::get), total);
        prop_assert_eq!(pool.snapshot_stats().in_use(), 0);
    }
}
