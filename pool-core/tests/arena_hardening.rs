//! Arena regressions: panicking initialisers give their bytes back, limits below and
//! around a chunk, nested scopes, in-place growth across a scope's start, arenas swapped
//! inside a scope, chunks given back by reset, and capacity overflow.

mod common;

use core::alloc::Layout;
use core::mem::MaybeUninit;

use allocator_api2::alloc::Allocator;
use common::expect_panic;
use pool_core::arena::{AllocError, Arena};

#[test]
fn a_panicking_alloc_with_gives_its_bytes_back() {
    let arena = Arena::new();
    let first = arena.alloc(1u64) as *mut u64;
    let before = arena.stats();
    expect_panic(|| arena.alloc_with(|| -> [u64; 8] { panic!("init fails") }));
    expect_panic(|| arena.try_alloc_with(|| -> u64 { panic!("init fails") }));
    assert_eq!(arena.stats().allocated_bytes, before.allocated_bytes);
    // The next allocation takes the same place again: nothing became dead.
    let next = arena.alloc(2u64) as *mut u64;
    assert_eq!(next as usize, first as usize + 8);
    assert_eq!(arena.stats().waste_bytes, before.waste_bytes);
}

#[test]
fn a_panicking_slice_initialiser_gives_its_bytes_back() {
    let arena = Arena::new();
    arena.alloc(0u8);
    let before = arena.stats();
    for n in [1usize, 5, 100] {
        expect_panic(|| {
            arena.alloc_slice_fill_with(n, |i| if i + 1 == n { panic!("last fails") } else { i })
        });
        #[derive(Debug)]
        struct Boom;
        impl Clone for Boom {
            fn clone(&self) -> Self {
                panic!("clone fails")
            }
        }
        expect_panic(|| arena.alloc_slice_clone(&[Boom, Boom]));
    }
    let after = arena.stats();
    assert_eq!(after.allocated_bytes, before.allocated_bytes);
    // Only alignment padding may differ, never whole dead blocks.
    assert!(after.waste_bytes <= before.waste_bytes + 8, "{after:?}");
}

#[test]
fn a_panic_after_a_newer_allocation_keeps_that_allocation() {
    let arena = Arena::new();
    let mut kept: Option<*mut u32> = None;
    expect_panic(|| {
        arena.alloc_with(|| -> u64 {
            kept = Some(arena.alloc(7u32));
            panic!("after a nested allocation")
        })
    });
    // The nested block is newer than the failed one, so nothing is given back.
    let p = kept.unwrap();
    // SAFETY: the nested allocation stays valid until reset.
    assert_eq!(unsafe { *p }, 7);
    let q = arena.alloc(9u32) as *mut u32;
    assert_ne!(p, q);
    // SAFETY: as above.
    assert_eq!(unsafe { *p }, 7);
}

#[test]
fn a_limit_below_a_chunk_still_allows_what_fits() {
    for limit in [1usize, 64, 100, 4095, 4096, 4097] {
        let arena = Arena::with_limit(limit);
        assert!(
            arena.try_alloc_slice_fill_with(limit, |_| 1u8).is_ok(),
            "{limit}"
        );
        assert_eq!(arena.try_alloc(0u8).unwrap_err(), AllocError::Exhausted);
        assert!(arena.stats().reserved_bytes <= limit);
    }
    assert_eq!(
        Arena::with_limit(0).try_alloc(0u8).unwrap_err(),
        AllocError::Exhausted
    );
}

#[test]
fn a_limit_above_one_chunk_is_used_in_full() {
    let arena = Arena::with_limit(12_000);
    let mut total = 0;
    while arena.try_alloc([0u8; 1000]).is_ok() {
        total += 1000;
    }
    assert!(total >= 11_000, "only {total} bytes of 12000");
    assert!(arena.stats().reserved_bytes <= 12_000);
    assert!(arena.try_alloc_slice_fill_with(12_001, |_| 0u8).is_err());
}

#[test]
fn scopes_nest_and_free_in_order() {
    let mut arena = Arena::new();
    arena.alloc(1u8);
    let outer_before = arena.stats().allocated_bytes;
    let (outer, inner) = arena.scope(|a| {
        a.alloc([0u8; 100]);
        let after_outer = a.stats().allocated_bytes;
        let inner = a.scope(|b| {
            b.alloc([0u8; 50]);
            b.scope(|c| c.alloc_str("deepest").len()) + b.stats().allocated_bytes
        });
        assert_eq!(a.stats().allocated_bytes, after_outer);
        (after_outer, inner)
    });
    assert_eq!(outer, outer_before + 100);
    assert_eq!(inner, 7 + outer + 50);
    assert_eq!(arena.stats().allocated_bytes, outer_before);
}

#[test]
fn nested_scopes_run_their_own_drops() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static DROPPED: AtomicUsize = AtomicUsize::new(0);
    struct D;
    impl Drop for D {
        fn drop(&mut self) {
            DROPPED.fetch_add(1, Ordering::Relaxed);
        }
    }
    let mut arena = Arena::new();
    arena.scope(|a| {
        a.alloc_with_drop(D);
        a.scope(|b| {
            b.alloc_with_drop(D);
            b.alloc_with_drop(D);
        });
        assert_eq!(DROPPED.load(Ordering::Relaxed), 2);
    });
    assert_eq!(DROPPED.load(Ordering::Relaxed), 3);
}

/// Grows `p` from `old` to `new` through the allocator API.
///
/// # Safety
///
/// - `p` must be a live block of layout `old` from `a`.
unsafe fn grow(a: &Arena<'_>, p: core::ptr::NonNull<u8>, old: Layout, new: Layout) -> *mut u8 {
    // SAFETY: `p` is a live block of `old` from `a` (caller).
    unsafe { a.grow(p, old, new) }
        .unwrap()
        .cast::<u8>()
        .as_ptr()
}

#[test]
fn a_block_older_than_the_scope_grown_in_place_survives_the_scope() {
    let mut arena = Arena::new();
    let old = Layout::from_size_align(16, 8).unwrap();
    let new = Layout::from_size_align(64, 8).unwrap();
    let p = (&arena).allocate(old).unwrap().cast::<u8>();
    // SAFETY: `p` is a live block of 16 bytes from this arena.
    unsafe { p.as_ptr().write_bytes(0xAB, 16) };
    let allocated = arena.stats().allocated_bytes;
    let grown = arena.scope(|a| {
        // SAFETY: `p` is a live block of `old` from this arena.
        let g = unsafe { grow(a, p, old, new) };
        assert_eq!(g, p.as_ptr(), "the newest block grows in place");
        // SAFETY: the block now has 64 bytes.
        unsafe { g.add(16).write_bytes(0xAB, 48) };
        a.alloc([0u8; 32]); // scope-local, freed at the end
        g
    });
    assert_eq!(arena.stats().allocated_bytes, allocated + 48);
    // The grown block outlives the scope: new allocations do not overlap it.
    let after = arena.alloc([0xCDu8; 64]);
    let (g, a) = (grown as usize, after.as_ptr() as usize);
    assert!(a >= g + 64 || a + 64 <= g, "overlap");
    // SAFETY: the grown block is live, all 64 bytes written above.
    assert!(unsafe { core::slice::from_raw_parts(grown, 64) }
        .iter()
        .all(|&b| b == 0xAB));
}

#[test]
fn growth_older_than_two_nested_scopes_survives_both() {
    let mut arena = Arena::new();
    let layouts: Vec<Layout> = [8usize, 24, 40]
        .iter()
        .map(|&n| Layout::from_size_align(n, 8).unwrap())
        .collect();
    let p = (&arena).allocate(layouts[0]).unwrap().cast::<u8>();
    arena.scope(|a| {
        // SAFETY: `p` is a live block of `layouts[0]` from this arena.
        a.scope(|b| assert_eq!(unsafe { grow(b, p, layouts[0], layouts[1]) }, p.as_ptr()));
        // SAFETY: it grew in place to `layouts[1]` just above.
        assert_eq!(unsafe { grow(a, p, layouts[1], layouts[2]) }, p.as_ptr());
        a.alloc(1u8);
    });
    let next = arena.alloc(0u8) as *mut u8 as usize;
    assert!(
        next >= p.as_ptr() as usize + 40,
        "the 40-byte block was cut"
    );
    assert_eq!(arena.stats().allocated_bytes, 40 + 1);
}

#[test]
fn an_arena_swapped_inside_a_scope_stays_sound() {
    let mut arena = Arena::new();
    arena.alloc([1u8; 100]);
    let mut other = Arena::new();
    other.alloc([2u8; 10]);
    arena.scope(|a| {
        a.alloc([3u8; 1000]);
        core::mem::swap(a, &mut other);
        a.alloc([4u8; 10]);
    });
    // Both arenas are usable and consistent afterwards.
    for a in [&mut arena, &mut other] {
        let x = a.alloc(5u64);
        assert_eq!(*x, 5);
        a.reset();
        assert_eq!(a.stats().allocated_bytes, 0);
    }
    arena.scope(|a| {
        let old = core::mem::replace(a, Arena::with_capacity(64));
        drop(old);
        a.alloc([6u8; 32]);
    });
    assert_eq!(*arena.alloc(7u8), 7);
}

#[test]
fn a_reset_inside_a_scope_is_sound() {
    let mut arena = Arena::new();
    arena.alloc([1u8; 5000]);
    arena.scope(|a| {
        a.alloc([2u8; 5000]);
        a.reset();
        a.alloc([3u8; 64]);
    });
    let x = arena.alloc([9u8; 4000]);
    assert!(x.iter().all(|&b| b == 9));
}

#[test]
fn reset_gives_back_the_chunks_the_frame_did_not_use() {
    let mut arena = Arena::new();
    let n = if cfg!(miri) { 50 } else { 500 };
    let spike = |a: &mut Arena<'_>| {
        for _ in 0..n {
            a.alloc([0u8; 1000]);
        }
    };
    spike(&mut arena);
    let spiked = arena.stats();
    assert!(spiked.chunks > 2);
    // The frame used every chunk: the reset that ends it keeps them all.
    arena.reset();
    assert_eq!(arena.stats().reserved_bytes, spiked.reserved_bytes);
    // An ordinary frame uses the first chunk only: the spike's chunks go back, but for the
    // largest.
    arena.alloc([0u8; 100]);
    arena.reset();
    let after = arena.stats();
    assert_eq!(after.chunks, 2);
    assert_eq!(
        after.released_bytes + after.reserved_bytes,
        spiked.reserved_bytes
    );
    // The same spike every frame settles and then allocates nothing more.
    for _ in 0..3 {
        spike(&mut arena);
        arena.reset();
    }
    let settled = arena.stats();
    spike(&mut arena);
    arena.reset();
    assert_eq!(arena.stats().reserved_bytes, settled.reserved_bytes);
    assert_eq!(arena.stats().released_bytes, settled.released_bytes);
    // A fixed buffer keeps its one chunk.
    let mut buf = [MaybeUninit::uninit(); 64];
    let mut fixed = Arena::from_buffer(&mut buf);
    fixed.alloc(1u8);
    fixed.reset();
    assert_eq!((fixed.stats().chunks, fixed.stats().released_bytes), (1, 0));
}

#[test]
fn capacity_overflow_is_a_clear_error() {
    assert_eq!(
        Arena::try_with_capacity(usize::MAX).unwrap_err(),
        AllocError::LayoutOverflow
    );
    assert_eq!(
        Arena::try_with_capacity(isize::MAX as usize).unwrap_err(),
        AllocError::LayoutOverflow
    );
    let r = std::panic::catch_unwind(|| Arena::with_capacity(usize::MAX));
    let msg = r.unwrap_err();
    let msg = msg
        .downcast_ref::<String>()
        .map(String::as_str)
        .unwrap_or_default();
    assert!(msg.contains("overflows"), "{msg}");
    for bytes in [0usize, 1, 4095, 4096, 4097] {
        let a = Arena::try_with_capacity(bytes).unwrap();
        assert!(a.stats().reserved_bytes >= bytes.max(1));
    }
}

#[test]
fn dropping_an_arena_drops_every_registered_value_after_a_panicking_one() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static DROPPED: AtomicUsize = AtomicUsize::new(0);
    struct D(bool);
    impl Drop for D {
        fn drop(&mut self) {
            DROPPED.fetch_add(1, Ordering::Relaxed);
            if self.0 {
                panic!("drop fails");
            }
        }
    }
    let arena = Arena::new();
    for i in 0..5 {
        arena.alloc_with_drop(D(i == 2));
    }
    expect_panic(move || drop(arena));
    assert_eq!(DROPPED.load(Ordering::Relaxed), 5);
}

#[test]
fn allocations_at_chunk_boundaries() {
    let arena = Arena::new();
    let huge = if cfg!(miri) { 1 << 14 } else { 1 << 20 };
    for size in [0usize, 1, 4095, 4096, 4097, 8191, 8192, 8193, huge] {
        let s = arena.alloc_slice_fill_with(size, |i| i as u8);
        assert_eq!(s.len(), size);
        assert!(s.iter().enumerate().all(|(i, &b)| b == i as u8));
    }
    assert_eq!(
        arena
            .try_alloc_slice_fill_with(usize::MAX, |_| 0u8)
            .unwrap_err(),
        AllocError::LayoutOverflow
    );
    // Alignments above a chunk's own: padding, never an error, in growing and fixed
    // arenas alike, and a zero-sized block of any alignment uses no memory.
    for align in [8192usize, 1 << 16, 1 << 20] {
        let layout = Layout::from_size_align(1, align).unwrap();
        let p = arena.try_alloc_layout(layout).unwrap();
        assert_eq!(p.as_ptr() as usize % align, 0);
        let zst = Layout::from_size_align(0, align).unwrap();
        assert_eq!(
            arena.try_alloc_layout(zst).unwrap().as_ptr() as usize,
            align
        );
    }
    // In the caller's buffer the padding comes from the address. (The buffer is aligned
    // itself so that Miri's symbolic alignment check can follow the padding.)
    #[repr(align(8192))]
    struct Buf([core::mem::MaybeUninit<u8>; 3 * 8192]);
    let mut buf = Buf([core::mem::MaybeUninit::uninit(); 3 * 8192]);
    let fixed = Arena::from_buffer(&mut buf.0);
    fixed.alloc(1u8);
    let layout = Layout::from_size_align(8, 8192).unwrap();
    let p = fixed.try_alloc_layout(layout).unwrap();
    assert_eq!(p.as_ptr() as usize % 8192, 0);
    assert_eq!(fixed.stats().waste_bytes, 8192 - 1);
}
