//! The derive's output compiles warning-free with strict lints and with `Result`,
//! `Option`, `Default`, `Reset` and `Pooled` shadowed by local items.
#![deny(warnings, unused_qualifications)]
#![allow(dead_code)]

struct Result;
struct Option;
struct Default;
trait Pooled {}
trait Reset {}
struct Handle;
mod core {}

#[derive(pool_core::Pooled)]
struct Packet {
    payload: Vec<u8>,
    seq: u32,
    #[pooled(reset = default)]
    ttl: u8,
}

#[derive(pool_core::Pooled)]
#[pooled(capacity = 4)]
struct Generic<T: Clone, const N: usize> {
    items: [T; N],
}

#[derive(::std::default::Default, pool_core::Pooled)]
enum Mode {
    #[default]
    Off,
    On(u8),
}

#[test]
fn derives_in_a_hostile_namespace() {
    let mut pool = pool_core::Pool::<Packet>::for_type();
    let h: PacketHandle = pool.insert(Packet {
        payload: vec![1],
        seq: 1,
        ttl: 9,
    });
    assert!(pool.release(h));
    let mut g = Generic::<u8, 2> { items: [1, 2] };
    pool_core::Reset::reset(&mut g);
    assert_eq!(g.items, [0, 0]);
    let mut m = Mode::On(3);
    pool_core::Reset::reset(&mut m);
    assert!(matches!(m, Mode::Off));
    let _: ::std::option::Option<ModeHandle> = None;
}
