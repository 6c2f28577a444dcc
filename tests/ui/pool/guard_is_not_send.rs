// A rent guard cannot move to another thread: it touches the pool's cells when dropped.
use pool_core::Pool;

fn main() {
    let mut pool = Pool::new();
    let h = pool.insert(1u64);
    let guard = pool.rent(h).unwrap();
    std::thread::scope(|s| {
        s.spawn(move || drop(guard));
    });
}
