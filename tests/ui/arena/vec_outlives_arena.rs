// An arena-backed collection cannot outlive its arena.
use allocator_api2::vec::Vec;
use pool_core::Arena;

fn main() {
    let v;
    {
        let arena = Arena::new();
        let mut inner: Vec<u8, &Arena> = Vec::new_in(&arena);
        inner.push(1);
        v = inner;
    }
    println!("{}", v.len());
}
