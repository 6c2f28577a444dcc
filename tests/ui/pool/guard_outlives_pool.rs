// A rent guard cannot outlive the pool it borrows from.
use pool_core::{Pool, Rent};

fn main() {
    let guard: Rent<'_, u32>;
    {
        let mut pool = Pool::new();
        let h = pool.insert(1u32);
        guard = pool.rent(h).unwrap();
    }
    drop(guard);
}
