// While a recycler is open the pool is borrowed: no plain access can alias a lease.
use pool_core::Pool;

fn main() {
    let mut pool: Pool<Vec<u8>> = Pool::with_capacity(1);
    let recycler = pool.recycler();
    let lease = recycler.acquire();
    pool.clear(); // error[E0499]
    drop(lease);
}
