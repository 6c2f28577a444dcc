use pool_core::Pooled;

#[derive(Pooled)]
enum Shape {
    Empty,
    Circle { radius: f32 },
}

fn main() {}
