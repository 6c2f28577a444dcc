//! bumpalo's own tests, carried over to `Arena`: iterating what was allocated, huge and
//! over-aligned layouts, chunk growth, reset, alignment, a zero-sized allocation under a
//! limit, and the string whose `retain` closure panics (bumpalo issue 261). Where the two
//! differ by design (an arena grows upward, oldest chunk first; a refused request is an
//! error from the `try_*` twin), the test checks our side.

use std::alloc::Layout;
use std::panic::{catch_unwind, AssertUnwindSafe};

use pool_core::arena::{AllocError, ArenaString};
use pool_core::Arena;

/// Every value the arena holds, read back from its chunks as `u64`s.
fn read_back(arena: &mut Arena<'_>) -> Vec<u64> {
    let mut out = Vec::new();
    for chunk in arena.chunks() {
        assert_eq!(chunk.as_ptr() as usize % 8, 0);
        for word in chunk.chunks_exact(8) {
            // SAFETY: only `u64`s were allocated, back to back from an 8-aligned start,
            // so every whole word of the used bytes was written.
            let bytes: Vec<u8> = word.iter().map(|b| unsafe { b.assume_init() }).collect();
            out.push(u64::from_ne_bytes(bytes.try_into().unwrap()));
        }
    }
    out
}

#[test]
fn can_iterate_over_allocated_things() {
    let mut arena = Arena::with_capacity(256);
    let n = if cfg!(miri) { 1_000 } else { 5_000 };
    for i in 0..n {
        arena.alloc(i as u64);
    }
    assert!(arena.chunks().len() > 1, "spans several chunks");
    let mut seen = vec![false; n];
    for v in read_back(&mut arena) {
        assert!(!seen[v as usize], "{v} read twice");
        seen[v as usize] = true;
    }
    assert!(seen.iter().all(|&s| s));
}

#[test]
#[cfg_attr(
    miri,
    ignore = "Miri halts on a request the host allocator would refuse"
)]
fn a_request_past_the_address_space_is_refused_not_wrapped() {
    let arena = Arena::new();
    let x = arena.alloc(0u8);
    let p = x as *mut u8 as usize;
    // A size that would overflow the bump pointer if added unchecked.
    let Ok(layout) = Layout::from_size_align(usize::MAX / 2 - p % 4096, 1) else {
        return;
    };
    assert!(arena.try_alloc_layout(layout).is_err());
    let layout = Layout::from_size_align(isize::MAX as usize - 4096, 4096).unwrap();
    assert!(arena.try_alloc_layout(layout).is_err());
    // Still usable.
    assert_eq!(*arena.alloc(7u32), 7);
}

#[test]
#[should_panic]
fn alloc_layout_past_the_address_space_panics_or_aborts_cleanly() {
    let arena = Arena::with_limit(1 << 20);
    arena.alloc(0u8);
    arena.alloc_layout(Layout::from_size_align(isize::MAX as usize - 8, 1).unwrap());
}

#[test]
fn large_requests_after_a_small_one_get_chunks_that_fit() {
    let arena = Arena::new();
    arena.alloc_layout(Layout::from_size_align(1, 1).unwrap());
    let a = arena.alloc_layout(Layout::from_size_align(100_001, 1).unwrap());
    let b = arena.alloc_layout(Layout::from_size_align(100_003, 1).unwrap());
    // SAFETY: each block is valid for its whole size, just allocated and not shared.
    unsafe {
        a.as_ptr().write_bytes(1, 100_001);
        b.as_ptr().write_bytes(2, 100_003);
        assert_eq!(*a.as_ptr().add(100_000), 1);
        assert_eq!(*b.as_ptr(), 2);
    }
}

#[test]
fn strong_and_page_alignments() {
    let arena = Arena::new();
    let p = arena.alloc_layout(Layout::from_size_align(4096, 64).unwrap());
    assert_eq!(p.as_ptr() as usize % 64, 0);
    let p = arena.alloc_layout(Layout::from_size_align(1, 0x1000).unwrap());
    assert_eq!(p.as_ptr() as usize % 0x1000, 0);
    for &align in &[2, 4, 8, 16, 32, 64] {
        let arena = Arena::with_capacity(513);
        let layout = Layout::from_size_align(align, align).unwrap();
        for _ in 0..if cfg!(miri) { 64 } else { 1024 } {
            assert_eq!(arena.alloc_layout(layout).as_ptr() as usize % align, 0);
        }
    }
}

#[test]
fn slice_copy_and_clone() {
    let arena = Arena::new();
    let src: &[u16] = &[0xFEED, 0xFACE, 0xA7, 0xCAFE];
    assert_eq!(arena.alloc_slice_copy(src), src);
    let src = vec![vec![0], vec![1, 2], vec![3, 4, 5], vec![6, 7, 8, 9]];
    let dst = arena.alloc_box_slice_clone(&src);
    assert_eq!(&*dst, &src[..]);
}

#[test]
fn values_of_every_width_in_order_from_any_capacity() {
    for &capacity in &[0, 1, 8, 11, 0x1000, 0x12345] {
        let mut arena = Arena::with_capacity(capacity);
        let n = if cfg!(miri) { 100 } else { 3_000 };
        for v in 0..n {
            arena.alloc(v as u64);
        }
        // Oldest chunk first, each filled upward: the values in allocation order.
        assert_eq!(read_back(&mut arena), (0..n as u64).collect::<Vec<_>>());
    }
}

#[test]
fn reset_keeps_one_chunk_and_starts_over() {
    let mut arena = Arena::new();
    for i in 0..if cfg!(miri) { 2_000u64 } else { 10_000 } {
        arena.alloc(i);
    }
    assert!(arena.stats().chunks > 1);
    arena.reset();
    assert_eq!(arena.stats().allocated_bytes, 0);
    let first = arena.alloc(0u64) as *const u64 as usize;
    let second = arena.alloc(1u64) as *const u64 as usize;
    assert_eq!(second, first + 8, "bump allocation from the start again");
    assert_eq!(read_back(&mut arena), [0, 1]);
}

#[test]
fn capacity_shrinks_as_the_chunk_fills() {
    let arena = Arena::with_capacity(512);
    let before = arena.stats();
    arena.alloc(true);
    let after = arena.stats();
    assert_eq!(after.reserved_bytes, before.reserved_bytes);
    assert_eq!(after.allocated_bytes, before.allocated_bytes + 1);
}

#[test]
fn arena_is_send() {
    fn assert_send(_: impl Send) {}
    assert_send(Arena::new());
}

#[test]
fn zero_sized_request_under_a_tiny_limit() {
    let arena = Arena::with_limit(1);
    let p = arena.alloc_layout(Layout::from_size_align(0, 16).unwrap());
    assert_eq!(p.as_ptr() as usize % 16, 0);
    assert!(arena
        .try_alloc_layout(Layout::from_size_align(4096, 1).unwrap())
        .is_err());
    assert_eq!(
        arena.try_alloc([0u8; 64]).unwrap_err(),
        AllocError::Exhausted
    );
}

#[test]
fn a_string_stays_utf8_when_an_edit_panics_midway() {
    let arena = Arena::new();
    let mut s = ArenaString::new_in(&arena);
    s.push_str("_få_b");
    let r = catch_unwind(AssertUnwindSafe(|| {
        let mut kept = String::new();
        for c in s.as_str().chars() {
            if c == 'b' {
                panic!("midway");
            }
            if c != '_' {
                kept.push(c);
            }
        }
        s.truncate(0);
        s.push_str(&kept);
    }));
    assert!(r.is_err());
    assert!(core::str::from_utf8(s.as_str().as_bytes()).is_ok());
    // Truncating inside a character is refused, not a broken string.
    let r = catch_unwind(AssertUnwindSafe(|| s.truncate(3)));
    assert!(r.is_err());
    assert!(core::str::from_utf8(s.as_str().as_bytes()).is_ok());
    assert_eq!(s.as_str(), "_få_b");
}
