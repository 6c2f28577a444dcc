// Sharing a pool of `Rc`s between threads is rejected.
use std::rc::Rc;
use pool_core::SyncPool;

fn main() {
    let pool: SyncPool<Rc<u8>> = SyncPool::new();
    std::thread::scope(|s| {
        s.spawn(|| pool.len()); // error[E0277]
    });
}
