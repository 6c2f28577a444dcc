use pool_core::Pooled;

#[derive(Default, Pooled)]
struct Packet {
    #[pooled(reste = default)]
    seq: u32,
}

fn main() {}
