use pool_core::Pooled;

#[derive(Default, Pooled)]
#[pooled(capacity = 8)]
#[pooled(capacity = 16)]
struct Packet {
    seq: u32,
}

fn main() {}
