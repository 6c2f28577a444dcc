// An `ArenaBox<[T]>` cannot outlive its arena either.
use pool_core::arena::{Arena, ArenaBox};

fn main() {
    let b: ArenaBox<'_, [String]>;
    {
        let arena = Arena::new();
        b = arena.alloc_box_slice_fill_with(2, |i| i.to_string());
    }
    println!("{}", b.len());
}
