// `get_mut` needs the pool exclusively: not while a guard (or a pin) is alive.
use pool_core::SyncPool;

fn main() {
    let mut pool = SyncPool::new();
    let h = pool.insert(1);
    let r = pool.get(h).unwrap();
    *pool.get_mut(h).unwrap() += 1; // error[E0502]
    let g = pool.pin();
    pool.clear(); // error[E0502]
    drop((r, g));
}
