// A vacant entry holds the pool mutably: no other insert until it is used or dropped.
use pool_core::Pool;

fn main() {
    let mut pool = Pool::new();
    let entry = pool.vacant_entry();
    pool.insert(1);
    entry.insert(2);
}
