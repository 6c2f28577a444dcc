// An `ArenaString` borrows its arena: a reset while it is alive is rejected.
use pool_core::{format_in, Arena};

fn main() {
    let mut arena = Arena::new();
    let s = format_in!(&arena, "frame {}", 1);
    arena.reset();
    println!("{s}");
}
