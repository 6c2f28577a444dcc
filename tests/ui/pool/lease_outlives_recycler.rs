// A lease cannot outlive the recycler it came from.
use pool_core::{Lease, Pool};

fn main() {
    let mut pool: Pool<Vec<u8>> = Pool::with_capacity(1);
    let lease: Lease<'_, Vec<u8>>;
    {
        let recycler = pool.recycler();
        lease = recycler.acquire();
    }
    drop(lease);
}
