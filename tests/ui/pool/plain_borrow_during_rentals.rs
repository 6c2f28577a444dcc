// No plain `&T` (here from `get`) can exist while a `Rentals` session hands out `&mut T`.
use pool_core::Pool;

fn main() {
    let mut pool = Pool::new();
    let a = pool.insert(1u8);
    let rentals = pool.rentals();
    let mut guard = rentals.rent_mut(a).unwrap();
    let r = pool.get(a).unwrap();
    *guard += 1;
    println!("{r}");
}
