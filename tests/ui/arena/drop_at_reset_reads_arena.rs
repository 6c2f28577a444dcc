// A value dropped at reset cannot hold references into the arena: its `Drop` could read
// freed memory. `alloc_with_drop` requires `'static`.
use pool_core::Arena;

struct Reader<'x>(&'x u32);

impl Drop for Reader<'_> {
    fn drop(&mut self) {
        println!("{}", self.0);
    }
}

fn main() {
    let arena = Arena::new();
    let n = arena.alloc(7u32);
    arena.alloc_with_drop(Reader(n));
}
