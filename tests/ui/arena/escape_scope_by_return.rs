// A scope's result cannot borrow from the scope.
use pool_core::Arena;

fn main() {
    let mut arena = Arena::new();
    let r = arena.scope(|a| a.alloc(1u32));
    println!("{r}");
}
