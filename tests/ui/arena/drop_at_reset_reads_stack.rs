// Nor references to the stack.
use pool_core::Arena;

struct Reader<'x>(&'x String);

impl Drop for Reader<'_> {
    fn drop(&mut self) {
        println!("{}", self.0);
    }
}

fn main() {
    let arena = Arena::new();
    let s = String::from("on the stack");
    arena.alloc_with_drop(Reader(&s));
}
