// A pool of `Rc`s cannot cross threads: `Rc` is neither `Send` nor `Sync`.
use std::rc::Rc;
use pool_core::SyncPool;

fn main() {
    let pool = SyncPool::new();
    pool.insert(Rc::new(1));
    std::thread::spawn(move || {
        let _ = pool.len(); // error[E0277]
    });
}
