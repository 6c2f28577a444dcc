use pool_core::Pooled;

struct Socket(u32);

#[derive(Pooled)]
struct Conn {
    buf: Vec<u8>,
    socket: Socket,
}

fn main() {}
