//! Property test: random allocations of many sizes and alignments (up to 16 KiB, past a
//! chunk's own), each filled with its own byte pattern; after every step no allocation
//! overlaps another, is misaligned, or was overwritten. Resets and scopes are part of the sequence.

mod common;

use std::alloc::Layout;

use pool_core::Arena;
use proptest::prelude::*;

#[derive(Clone, Debug)]
enum Op {
    Alloc { size: usize, align_shift: u8 },
    Str(String),
    Reset,
    Scope(Vec<(usize, u8)>),
}

fn op() -> impl Strategy<Value = Op> {
    let alloc = (0..600usize, 0..15u8);
    prop_oneof![
        10 => alloc.clone().prop_map(|(size, align_shift)| Op::Alloc { size, align_shift }),
        2 => "[a-z]{0,40}".prop_map(Op::Str),
        1 => Just(Op::Reset),
        1 => proptest::collection::vec(alloc, 0..20).prop_map(Op::Scope),
    ]
}

/// Allocates and fills a block; returns it with its pattern byte.
#[allow(clippy::mut_from_ref)] // a fresh arena block, handed out like `Arena::alloc` does
fn alloc_filled<'a>(arena: &'a Arena<'_>, size: usize, shift: u8, tag: u8) -> (&'a mut [u8], u8) {
    let layout = Layout::from_size_align(size, 1 << shift).unwrap();
    let p = arena.alloc_layout(layout);
    assert_eq!(p.as_ptr() as usize % (1 << shift), 0, "misaligned");
    // SAFETY: `alloc_layout` returned a fresh block of `size` bytes, valid for as long as
    // the arena is borrowed, and nothing else refers to it.
    let block = unsafe { std::slice::from_raw_parts_mut(p.as_ptr(), size) };
    block.fill(tag);
    (block, tag)
}

fn check(live: &[(&mut [u8], u8)]) {
    let mut ranges: Vec<(usize, usize)> = Vec::new();
    for (block, tag) in live {
        assert!(block.iter().all(|b| b == tag), "allocation overwritten");
        if !block.is_empty() {
            let start = block.as_ptr() as usize;
            ranges.push((start, start + block.len()));
        }
    }
    ranges.sort_unstable();
    assert!(
        ranges.windows(2).all(|w| w[0].1 <= w[1].0),
        "allocations overlap"
    );
}

fn run(arena: &mut Arena<'_>, ops: &[Op]) {
    let mut tag = 0u8;
    let mut i = 0;
    while i < ops.len() {
        // A run of allocations shares one borrow of the arena.
        {
            let mut live: Vec<(&mut [u8], u8)> = Vec::new();
            while let Some(op) = ops.get(i) {
                match op {
                    Op::Alloc { size, align_shift } => {
                        tag = tag.wrapping_add(1);
                        live.push(alloc_filled(arena, *size, *align_shift, tag));
                    }
                    Op::Str(s) => {
                        let copy = arena.alloc_str(s);
                        assert_eq!(copy, s);
                    }
                    _ => break,
                }
                check(&live);
                i += 1;
            }
        }
        match ops.get(i) {
            Some(Op::Reset) => {
                arena.reset();
                assert_eq!(arena.stats().allocated_bytes, 0);
            }
            Some(Op::Scope(inner)) => {
                let before = arena.stats();
                arena.scope(|a| {
                    let mut live = Vec::new();
                    for (n, &(size, shift)) in inner.iter().enumerate() {
                        live.push(alloc_filled(a, size, shift, n as u8));
                        check(&live);
                    }
                });
                assert_eq!(arena.stats().allocated_bytes, before.allocated_bytes);
            }
            _ => {}
        }
        i += 1;
    }
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: if cfg!(miri) { 4 } else { 128 },
        failure_persistence: None,
        rng_algorithm: common::proptest_rng(),
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn heap_arena_keeps_allocations_apart(ops in proptest::collection::vec(op(), 1..if cfg!(miri) { 20 } else { 150 })) {
        let mut arena = Arena::new();
        run(&mut arena, &ops);
    }

    #[test]
    fn limited_arena_fails_cleanly(ops in proptest::collection::vec(
        (0..if cfg!(miri) { 300usize } else { 3000 }, 0..14u8),
        1..if cfg!(miri) { 12 } else { 60 },
    )) {
        let limit = if cfg!(miri) { 2 * 4096 } else { 32 * 1024 };
        let arena = Arena::with_limit(limit);
        let mut live = Vec::new();
        for (n, (size, shift)) in ops.into_iter().enumerate() {
            let layout = Layout::from_size_align(size, 1 << shift).unwrap();
            match arena.try_alloc_layout(layout) {
                Ok(p) => {
                    // SAFETY: a fresh block of `size` bytes, valid while `arena` lives.
                    let block = unsafe { std::slice::from_raw_parts_mut(p.as_ptr(), size) };
                    block.fill(n as u8);
                    live.push((block, n as u8));
                }
                Err(e) => prop_assert_eq!(e, pool_core::arena::AllocError::Exhausted),
            }
            check(&live);
            prop_assert!(arena.stats().reserved_bytes <= limit);
        }
    }
}
