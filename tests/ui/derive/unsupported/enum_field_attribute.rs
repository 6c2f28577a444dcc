use pool_core::Pooled;

#[derive(Default, Pooled)]
enum Shape {
    #[default]
    Empty,
    Circle {
        #[pooled(skip)]
        radius: f32,
    },
}

fn main() {}
