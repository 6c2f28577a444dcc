//! `#[derive(Pooled)]` in use: recycling with zero steady-state allocations, field reset
//! rules, generics, per-type names, pool settings and the registry.

use std::collections::{BTreeMap, HashMap, VecDeque};

use pool_core::{registry, Handle, Pool, Pooled, Reset};
use typed_pool_tests::CountingAlloc;

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc::new();

#[derive(Debug, Default, Pooled)]
struct Packet {
    payload: Vec<u8>,
    seq: u32,
    peer: Option<String>,
}

#[test]
fn packet_recycles_with_zero_allocations_and_resets_every_field() {
    let mut pool = Pool::<Packet>::for_type();
    let mut live: Vec<PacketHandle> = Vec::with_capacity(64);
    let frame = |pool: &mut Pool<Packet>, live: &mut Vec<PacketHandle>| {
        for i in 0..64u32 {
            let h = pool.acquire();
            let p = &mut pool[h];
            assert!(p.payload.is_empty() && p.seq == 0 && p.peer.is_none());
            p.payload.extend_from_slice(&[i as u8; 200]);
            p.seq = i;
            live.push(h);
        }
        for h in live.drain(..) {
            assert!(pool.release(h));
        }
    };
    frame(&mut pool, &mut live);
    let before = ALLOC.thread_allocations();
    for _ in 0..20 {
        frame(&mut pool, &mut live);
    }
    assert_eq!(ALLOC.thread_allocations() - before, 0);
    // `peer` is reset to `None`, which drops its string: that is the one field whose
    // reset cannot keep an allocation, so it stays `None` in this loop.
    let h = pool.acquire();
    pool[h].peer = Some(String::from("10.0.0.1"));
    pool.release(h);
    let h = pool.acquire();
    assert!(pool[h].peer.is_none() && pool[h].payload.capacity() >= 200);
}

fn halve(x: &mut u64) {
    *x /= 2;
}

#[derive(Default, Pooled)]
struct Rules {
    queue: VecDeque<u8>,
    map: HashMap<u8, u8>,
    tree: BTreeMap<u8, u8>,
    grid: [[u8; 2]; 2],
    pair: (u8, Option<u8>, char, bool),
    boxed: Box<[u16; 3]>,
    #[pooled(reset = default)]
    limit: usize,
    #[pooled(reset = halve)]
    credits: u64,
    #[pooled(skip)]
    id: u32,
}

#[test]
fn each_field_follows_its_rule() {
    let mut r = Rules {
        queue: VecDeque::from(vec![1, 2]),
        map: HashMap::from([(1, 2)]),
        tree: BTreeMap::from([(1, 2)]),
        grid: [[1, 2], [3, 4]],
        pair: (1, Some(2), 'c', true),
        boxed: Box::new([1, 2, 3]),
        limit: 9,
        credits: 10,
        id: 7,
    };
    let boxed_at = &*r.boxed as *const [u16; 3];
    Reset::reset(&mut r);
    assert!(r.queue.is_empty() && r.queue.capacity() >= 2);
    assert!(r.map.is_empty() && r.map.capacity() >= 1);
    assert!(r.tree.is_empty());
    assert_eq!(r.grid, [[0, 0], [0, 0]]);
    assert_eq!(r.pair, (0, None, '\0', false));
    assert!(*r.boxed == [0; 3] && std::ptr::eq(&*r.boxed, boxed_at));
    assert_eq!((r.limit, r.credits, r.id), (0, 5, 7));
}

#[derive(Debug, Default, Pooled)]
struct Tuple(Vec<u8>, #[pooled(skip)] u8);

#[derive(Debug, Default, Pooled)]
struct Unit;

#[derive(Debug, Default, PartialEq, Pooled)]
enum State {
    #[default]
    Idle,
    Moving {
        speed: f32,
    },
}

#[test]
fn tuple_unit_and_enum_shapes() {
    let mut t = Tuple(vec![1], 3);
    t.reset();
    assert_eq!((t.0.len(), t.1), (0, 3));
    Unit.reset();
    let mut s = State::Moving { speed: 2.0 };
    s.reset();
    assert_eq!(s, State::Idle);
    let _h: StateHandle = Pool::<State>::for_type().insert(State::Idle);
}

#[derive(Debug, Pooled)]
struct Tagged<'a, T: Clone + Default, const N: usize>
where
    T: Send,
{
    items: Vec<T>,
    label: Option<&'a str>,
    fixed: [u8; N],
    last: T,
}

#[test]
fn generic_types_with_bounds_lifetimes_and_consts() {
    let mut pool: Pool<Tagged<'static, u16, 3>> = Pool::for_type();
    let make = || Tagged {
        items: Vec::new(),
        label: None,
        fixed: [0; 3],
        last: 0,
    };
    let h: TaggedHandle<'static, u16, 3> = pool.acquire_with(make);
    pool[h].items.push(4);
    pool[h].label = Some("x");
    pool[h].fixed = [1, 2, 3];
    pool[h].last = 9;
    pool.release(h);
    let h = pool.acquire_with(make);
    let t = &pool[h];
    assert!(t.items.is_empty() && t.label.is_none() && t.fixed == [0; 3] && t.last == 0);
    let rentals = pool.rentals();
    let g: TaggedRentMut<'_, 'static, u16, 3> = rentals.rent_mut(h).unwrap();
    drop(g);
}

fn make_conn() -> Conn {
    Conn {
        buf: Vec::with_capacity(1500),
    }
}

#[derive(Debug, Pooled)]
#[pooled(capacity = 8, bounded, factory = make_conn)]
#[pooled(handle = ConnId, rent = ConnRef, rent_mut = ConnMut)]
struct Conn {
    buf: Vec<u8>,
}

#[test]
fn type_attributes_configure_for_type() {
    assert_eq!(Conn::CAPACITY, 8);
    const { assert!(Conn::BOUNDED) };
    let mut pool = Pool::<Conn>::for_type();
    assert_eq!(pool.capacity(), 8);
    // No `Default`: the factory builds every value (it wins over `acquire_with`'s).
    let ids: Vec<ConnId> = (0..8)
        .map(|_| pool.acquire_with(|| unreachable!()))
        .collect();
    assert!(pool[ids[0]].buf.capacity() >= 1500);
    assert!(pool.try_acquire_with(make_conn).is_err());
    let r: ConnRef<'_> = pool.rent(ids[1]).unwrap();
    drop(r);
    let rentals = pool.rentals();
    let m: ConnMut<'_> = rentals.rent_mut(ids[2]).unwrap();
    drop(m);
}

#[derive(Clone, Default, Pooled)]
struct Registered {
    words: [u64; 5],
}

#[test]
fn registry_lists_the_type_with_its_numbers() {
    let find = || {
        registry::types()
            .into_iter()
            .find(|t| t.name == "Registered")
    };
    assert!(find().is_none(), "registered before any pool was made");
    let mut a = Pool::<Registered>::for_type();
    let mut b = Pool::<Registered>::for_type();
    let ha: Vec<Handle<Registered>> = (0..5).map(|_| a.acquire()).collect();
    b.acquire();
    a.remove(ha[0]);
    let info = find().expect("registered by for_type");
    assert_eq!((info.size, info.align), (40, 8));
    assert_eq!(info.size_class.map(|c| c.size()), Some(40));
    assert_eq!(
        (info.live_pools, info.live_values, info.high_water),
        (2, 5, 5)
    );
    let c = a.clone();
    assert_eq!(find().unwrap().live_pools, 3);
    drop((a, b, c));
    let info = find().unwrap();
    assert_eq!(
        (info.live_pools, info.live_values, info.pools_created),
        (0, 0, 3)
    );
    assert_eq!(info.high_water, 5);
}

// === generics: bounds, defaults and lifetimes the derive must respect ===

/// `#[pooled(reset = default)]` on a field of generic type puts `T: Default` on the impl.
#[derive(Pooled)]
struct Slotted<T> {
    #[pooled(reset = default)]
    value: T,
    hits: u32,
}

#[test]
fn reset_default_on_a_generic_field_bounds_the_parameter() {
    let mut s = Slotted {
        value: String::from("x"),
        hits: 3,
    };
    s.reset();
    assert_eq!((s.value.as_str(), s.hits), ("", 0));
}

/// Generic parameter defaults carry over to the aliases.
#[derive(Pooled)]
struct WithDefaults<T: Reset = Vec<u8>, const N: usize = 4> {
    items: T,
    #[pooled(skip)]
    grid: [u8; N],
}

#[test]
fn aliases_keep_parameter_defaults() {
    let mut pool: Pool<WithDefaults> = Pool::new();
    let h: WithDefaultsHandle = pool.insert(WithDefaults {
        items: vec![1],
        grid: [0; 4],
    });
    let r: WithDefaultsRent<'_> = pool.rent(h).unwrap();
    assert_eq!(r.grid, [0; 4]);
    drop(r);
    let explicit: WithDefaultsHandle<Vec<u8>, 4> = h;
    assert_eq!(explicit, h);
}

/// A user lifetime named like the aliases' own does not collide with it.
#[derive(Pooled)]
struct Borrowing<'__pool> {
    #[pooled(skip)]
    name: &'__pool str,
    count: u32,
}

#[test]
fn a_user_lifetime_named_like_the_generated_one_is_fine() {
    let mut pool = Pool::new();
    let h: BorrowingHandle<'_> = pool.insert(Borrowing {
        name: "n",
        count: 2,
    });
    let r: BorrowingRent<'_, '_> = pool.rent(h).unwrap();
    assert_eq!((r.name, r.count), ("n", 2));
}

/// An unsuffixed or `usize` capacity is accepted.
#[derive(Default, Pooled)]
#[pooled(capacity = 4usize)]
struct Suffixed {
    n: u8,
}

#[test]
fn capacity_accepts_a_usize_suffix() {
    assert_eq!(<Suffixed as Pooled>::CAPACITY, 4);
}
