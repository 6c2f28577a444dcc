// Every problem is reported in one pass, and code using the type sees no follow-on
// errors (the fallback impl and the aliases are still there).
use pool_core::{Pool, Pooled};

#[derive(Default, Pooled)]
#[pooled(capacity = 1, capacity = 2, colour = "red")]
struct Packet {
    #[pooled(reset = 42)]
    seq: u32,
    #[pooled(skip = yes)]
    ttl: u8,
}

fn main() {
    let mut pool = Pool::<Packet>::for_type();
    let _h: PacketHandle = pool.acquire();
}
