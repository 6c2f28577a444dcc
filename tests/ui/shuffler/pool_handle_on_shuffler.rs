// A `Pool` handle cannot be used on a `Shuffler`.
use pool_core::{Pool, Shuffler};

fn main() {
    let mut pool = Pool::new();
    let s: Shuffler<u32> = Shuffler::new();
    let h = pool.insert(1u32);
    let _ = s.rent(h);
}
