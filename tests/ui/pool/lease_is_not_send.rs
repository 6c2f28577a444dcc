// A lease updates its pool's bookkeeping without atomics when dropped: it cannot be
// dropped on another thread.
use pool_core::Pool;

fn main() {
    let mut pool: Pool<Vec<u8>> = Pool::with_capacity(1);
    let recycler = pool.recycler();
    let lease = recycler.acquire();
    std::thread::scope(|s| {
        s.spawn(move || drop(lease)); // error[E0277]
    });
}
