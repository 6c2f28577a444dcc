// A reference read under a pin lives no longer than the pin.
use pool_core::SyncPool;

fn main() {
    let pool = SyncPool::new();
    let h = pool.insert(String::from("x"));
    let v = {
        let g = pool.pin();
        pool.get_pinned(&g, h).unwrap() // error[E0597]
    };
    println!("{v}");
}
