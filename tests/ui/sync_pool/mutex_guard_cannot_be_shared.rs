// A `MutexGuard` is `Sync` but not `Send`: a pool of them cannot be shared, since another
// thread could remove (and so drop) a guard through `&SyncPool`.
use std::sync::{Mutex, MutexGuard};
use pool_core::SyncPool;

fn main() {
    static M: Mutex<u8> = Mutex::new(0);
    let pool: SyncPool<MutexGuard<'static, u8>> = SyncPool::new();
    let h = pool.insert(M.lock().unwrap());
    std::thread::scope(|s| {
        s.spawn(|| pool.remove(h)); // error[E0277]
    });
}
