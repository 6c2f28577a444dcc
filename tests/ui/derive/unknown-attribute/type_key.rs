use pool_core::Pooled;

#[derive(Default, Pooled)]
#[pooled(capacityy = 8)]
struct Packet {
    seq: u32,
}

fn main() {}
