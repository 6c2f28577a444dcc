use pool_core::Pooled;

#[derive(Pooled)]
union Bits {
    int: u32,
    float: f32,
}

fn main() {}
