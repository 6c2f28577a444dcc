use pool_core::Pooled;

#[derive(Default, Pooled)]
#[pooled(capacity = "eight")]
struct Packet {
    seq: u32,
}

fn main() {}
