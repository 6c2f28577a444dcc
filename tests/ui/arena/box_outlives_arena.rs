// An `ArenaBox` cannot outlive its arena.
use pool_core::{Arena, ArenaBox};

fn main() {
    let b: ArenaBox<'_, String>;
    {
        let arena = Arena::new();
        b = arena.alloc_box(String::from("x"));
    }
    println!("{}", *b);
}
