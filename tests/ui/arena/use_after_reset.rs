// An allocation cannot be used after `reset`.
use pool_core::Arena;

fn main() {
    let mut arena = Arena::new();
    let x = arena.alloc(1u32);
    arena.reset();
    *x += 1;
}
