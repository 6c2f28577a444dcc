// Nothing allocated inside a scope can escape it.
use pool_core::Arena;

fn main() {
    let mut arena = Arena::new();
    let mut outer: Option<&mut u32> = None;
    arena.scope(|a| {
        outer = Some(a.alloc(1u32));
    });
    println!("{outer:?}");
}
