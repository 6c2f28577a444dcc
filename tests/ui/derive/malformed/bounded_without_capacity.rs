use pool_core::Pooled;

#[derive(Default, Pooled)]
#[pooled(bounded)]
struct Packet {
    seq: u32,
}

fn main() {}
