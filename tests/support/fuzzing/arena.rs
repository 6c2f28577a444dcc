//! `arena_ops`: allocations of many sizes and alignments (each filled with its own byte),
//! strings, values with destructors, nested scopes and resets on an `Arena` (growing or
//! limited); no block may overlap another, be misaligned or be overwritten, and every
//! value with a destructor is dropped exactly once.

use std::alloc::Layout;

use pool_core::Arena;

use super::{Drops, Input};

/// Runs the operations `data` encodes.
pub fn run(data: &[u8]) {
    let mut input = Input::new(data);
    let mut drops = Drops::default();
    {
        let mut arena = match input.u8() % 3 {
            0 => Arena::with_limit(usize::from(input.u16()) * 16),
            1 => Arena::with_capacity(usize::from(input.u16())),
            _ => Arena::new(),
        };
        while !input.is_empty() {
            match input.u8() % 8 {
                0 => arena.reset(),
                1 => arena.scope(|a| frame(a, &mut input, &mut drops, 1)),
                _ => frame(&arena, &mut input, &mut drops, 0),
            }
        }
    }
    assert_eq!(
        drops.made(),
        drops.dropped(),
        "a value was leaked or dropped twice"
    );
}

/// A run of allocations under one borrow of the arena, checked after each; `depth`
/// bounds nested scopes.
fn frame(arena: &Arena<'_>, input: &mut Input<'_>, drops: &mut Drops, depth: u8) {
    let mut live: Vec<(&[u8], u8)> = Vec::new();
    let mut tag = depth.wrapping_mul(101);
    loop {
        tag = tag.wrapping_add(1);
        match input.u8() % 8 {
            0..=3 => {
                let size = match input.u8() {
                    0..=200 => usize::from(input.u8()),
                    _ => usize::from(input.u16()) * 2,
                };
                let layout = Layout::from_size_align(size, 1 << (input.u8() % 16)).unwrap();
                if let Ok(p) = arena.try_alloc_layout(layout) {
                    assert_eq!(p.as_ptr() as usize % layout.align(), 0, "misaligned");
                    // SAFETY: a fresh block of `size` bytes, valid while the arena is
                    // borrowed, to which nothing else refers.
                    let block = unsafe { std::slice::from_raw_parts_mut(p.as_ptr(), size) };
                    block.fill(tag);
                    live.push((block, tag));
                }
            }
            4 => {
                let bytes = input.bytes(40);
                let s = String::from_utf8_lossy(bytes);
                if let Ok(copy) = arena.try_alloc_str(&s) {
                    assert_eq!(copy, &*s);
                }
            }
            5 => {
                let v = drops.make(u64::from(tag));
                if let Ok(r) = arena.try_alloc_with_drop(v) {
                    assert_eq!(r.id, u64::from(tag));
                }
            }
            6 => {
                let v = drops.make(u64::from(tag));
                if let Ok(b) = arena.try_alloc_box(v) {
                    assert_eq!(b.id, u64::from(tag));
                }
            }
            _ => return,
        }
        check(&live);
        if input.is_empty() {
            return;
        }
    }
}

fn check(live: &[(&[u8], u8)]) {
    let mut ranges: Vec<(usize, usize)> = Vec::new();
    for (block, tag) in live {
        assert!(block.iter().all(|b| b == tag), "a block was overwritten");
        if !block.is_empty() {
            let start = block.as_ptr() as usize;
            ranges.push((start, start + block.len()));
        }
    }
    ranges.sort_unstable();
    assert!(
        ranges.windows(2).all(|w| w[0].1 <= w[1].0),
        "blocks overlap"
    );
}
