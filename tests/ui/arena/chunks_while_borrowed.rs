// `chunks()` reads the arena's bytes, so no allocation may be borrowed meanwhile.
use pool_core::Arena;

fn main() {
    let mut arena = Arena::new();
    let v = arena.alloc_slice_copy(&[1u8, 2]);
    let used: usize = arena.chunks().map(|c| c.len()).sum();
    v[0] = 3;
    println!("{used}");
}
