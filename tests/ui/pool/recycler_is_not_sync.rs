// A recycler hands out leases through `&self` without locks: it cannot be shared between
// threads.
use pool_core::Pool;

fn main() {
    let mut pool: Pool<Vec<u8>> = Pool::with_capacity(2);
    let recycler = pool.recycler();
    std::thread::scope(|s| {
        s.spawn(|| drop(recycler.acquire())); // error[E0277]
        drop(recycler.acquire());
    });
}
