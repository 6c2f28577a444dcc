use pool_core::Pooled;

// A typed literal would fail far from the attribute; it is refused here instead.
#[derive(Default, Pooled)]
#[pooled(capacity = 4u8)]
struct Packet {
    seq: u32,
}

fn main() {}
