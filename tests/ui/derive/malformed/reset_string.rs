use pool_core::Pooled;

#[derive(Default, Pooled)]
struct Packet {
    #[pooled(reset = "default")]
    seq: u32,
}

fn main() {}
