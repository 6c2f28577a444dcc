//! A warm arena that fills to the same peak and resets makes no heap allocation.

use pool_core::Arena;
use typed_pool_tests::CountingAlloc;

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc::new();

fn frame(arena: &mut Arena<'_>, n: usize) {
    for i in 0..n {
        let v = arena.alloc_slice_fill_with(1 + i % 50, |j| (i + j) as u32);
        assert_eq!(v[0], i as u32);
        arena.alloc_str("visible entity");
    }
    arena.alloc_slice_fill_with(100_000, |i| i as u8); // one big block every frame
    arena.reset();
}

#[test]
fn warm_reset_cycle_allocates_nothing() {
    let mut arena = Arena::new();
    for _ in 0..3 {
        frame(&mut arena, 5_000);
    }
    let before = ALLOC.thread_allocations();
    for _ in 0..20 {
        frame(&mut arena, 5_000);
    }
    assert_eq!(ALLOC.thread_allocations() - before, 0);
}
