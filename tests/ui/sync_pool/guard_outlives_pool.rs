// Guards borrow the pool: none outlives it.
use pool_core::SyncPool;

fn main() {
    let r = {
        let pool = SyncPool::new();
        let h = pool.insert(1);
        pool.get(h).unwrap() // error[E0597]
    };
    let _ = *r;
}
