use pool_core::Pooled;

#[derive(Default, Pooled)]
#[pooled(capacity = 4, bounded = true)]
struct Packet {
    seq: u32,
}

fn main() {}
