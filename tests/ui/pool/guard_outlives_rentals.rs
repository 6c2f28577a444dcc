// An exclusive guard cannot outlive the renting session it came from.
use pool_core::{Pool, RentMut};

fn main() {
    let mut pool = Pool::new();
    let h = pool.insert(1u32);
    let guard: RentMut<'_, u32>;
    {
        let rentals = pool.rentals();
        guard = rentals.rent_mut(h).unwrap();
    }
    drop(guard);
}
