// A `&T` from `get` keeps `rent_mut` out: the session needs `&mut Pool`.
use pool_core::Pool;

fn main() {
    let mut pool = Pool::new();
    let a = pool.insert(1u8);
    let r = pool.get(a).unwrap();
    let rentals = pool.rentals();
    let mut guard = rentals.rent_mut(a).unwrap();
    *guard += 1;
    println!("{r}");
}
