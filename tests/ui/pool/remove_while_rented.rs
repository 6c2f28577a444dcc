// `remove` (like every `&mut self` method) cannot run while a rent guard is alive.
use pool_core::Pool;

fn main() {
    let mut pool = Pool::new();
    let h = pool.insert(String::from("x"));
    let guard = pool.rent(h).unwrap();
    pool.remove(h);
    println!("{}", *guard);
}
