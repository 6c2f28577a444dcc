//! The flagship example: a small deterministic simulation that shows the library at work.
//!
//! Entities live in a `Pool<Entity>` and refer to each other by `Handle<Entity>`. Each
//! frame some spawn (recycled through `acquire`), they move, fight through rent guards
//! (`rentals`) and `get_disjoint_mut`, and the dead are `release`d back to the pool with their
//! buffers. After a warm-up the loop makes no heap allocation at all, which the counting
//! allocator below proves.
//!
//! Run it with `cargo run --release --example game`.

use pool_core::{Handle, Pool, Pooled, RentError};
use typed_pool_tests::CountingAlloc;

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc::new();

const FRAMES: u32 = 600;
const WARM_UP: u32 = 10;
const SPAWNS_PER_FRAME: u32 = 24;
const MAX_LIVE: usize = 2_000;
const TRAIL: usize = 8;

#[derive(Debug, Default)]
struct Entity {
    pos: (f32, f32),
    vel: (f32, f32),
    hp: i32,
    target: Option<Handle<Entity>>,
    /// Recent positions; its buffer is kept when the entity is recycled.
    trail: Vec<(f32, f32)>,
}

impl Pooled for Entity {
    fn reset(&mut self) {
        self.pos = (0.0, 0.0);
        self.vel = (0.0, 0.0);
        self.hp = 0;
        self.target = None;
        self.trail.clear();
    }
}

/// Deterministic xorshift: the same run every time.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn unit(&mut self) -> f32 {
        (self.next() % 2_001) as f32 / 1_000.0 - 1.0
    }
}

#[derive(Default)]
struct Tally {
    spawned: u64,
    despawned: u64,
    hits: u64,
    retargets: u64,
    busy_rents: u64,
}

struct World {
    entities: Pool<Entity>,
    /// Live handles in spawn order; a scratch list reused every frame.
    live: Vec<Handle<Entity>>,
    dead: Vec<Handle<Entity>>,
    rng: Rng,
    tally: Tally,
}

impl World {
    fn new() -> Self {
        World {
            // A fixed id makes the handles themselves identical run after run; the
            // factory builds entities whose trail buffer never needs to grow.
            entities: Pool::builder()
                .id(1)
                .capacity(MAX_LIVE)
                .factory(|| Entity {
                    trail: Vec::with_capacity(TRAIL),
                    ..Entity::default()
                })
                .build(),
            live: Vec::with_capacity(MAX_LIVE),
            dead: Vec::with_capacity(MAX_LIVE),
            rng: Rng(0x5eed_1234_abcd_0001),
            tally: Tally::default(),
        }
    }

    /// Level load: build every entity the level may need once, and keep them as spares.
    fn prewarm(&mut self) {
        let hs: Vec<_> = (0..MAX_LIVE).map(|_| self.entities.acquire()).collect();
        for h in hs {
            self.entities.release(h);
        }
    }

    fn spawn(&mut self) {
        for _ in 0..SPAWNS_PER_FRAME {
            if self.live.len() >= MAX_LIVE {
                break;
            }
            let h = self.entities.acquire();
            let (x, y, vx, vy) = (
                self.rng.unit() * 100.0,
                self.rng.unit() * 100.0,
                self.rng.unit(),
                self.rng.unit(),
            );
            let hp = 20 + (self.rng.next() % 30) as i32;
            let e = &mut self.entities[h];
            e.pos = (x, y);
            e.vel = (vx, vy);
            e.hp = hp;
            self.live.push(h);
            self.tally.spawned += 1;
        }
    }

    fn pick_target(&mut self, me: Handle<Entity>) -> Option<Handle<Entity>> {
        let t = self.live[(self.rng.next() % self.live.len() as u64) as usize];
        (t != me).then_some(t)
    }

    fn update(&mut self) {
        // Movement and trails through `iter_mut`.
        for (_, e) in self.entities.iter_mut() {
            e.pos.0 += e.vel.0;
            e.pos.1 += e.vel.1;
            if e.trail.len() == TRAIL {
                e.trail.remove(0);
            }
            e.trail.push(e.pos);
        }
        // Each entity hits its target; a stale target (despawned) is replaced.
        for i in 0..self.live.len() {
            let me = self.live[i];
            let target = match self.entities[me].target {
                Some(t) if self.entities.contains(t) => t,
                _ => {
                    self.tally.retargets += 1;
                    let t = self.pick_target(me);
                    self.entities[me].target = t;
                    match t {
                        Some(t) => t,
                        None => continue,
                    }
                }
            };
            // Two values mutably at once, checked for distinctness.
            if let Some([attacker, victim]) = self.entities.get_disjoint_mut([me, target]) {
                victim.hp -= 1 + (attacker.hp % 3);
                attacker.hp += 1;
                self.tally.hits += 1;
            }
        }
        // Rent guards: a "healer" pass with two exclusive rents alive at once; asking
        // for the same value twice is refused, not undefined behaviour.
        if let [a, b, ..] = self.live[..] {
            let rentals = self.entities.rentals();
            let ga = rentals.rent_mut(a);
            let gb = rentals.rent_mut(b);
            let again = rentals.rent_mut(a);
            if let (Ok(mut ga), Ok(mut gb)) = (ga, gb) {
                let pooled = (ga.hp + gb.hp) / 2;
                ga.hp = pooled;
                gb.hp = pooled;
            }
            if matches!(again, Err(RentError::Busy)) {
                self.tally.busy_rents += 1;
            }
        }
    }

    fn despawn(&mut self) {
        let entities = &mut self.entities;
        let dead = &mut self.dead;
        self.live.retain(|&h| {
            let alive = entities[h].hp > 0;
            if !alive {
                dead.push(h);
            }
            alive
        });
        for h in self.dead.drain(..) {
            self.entities.release(h);
            self.tally.despawned += 1;
        }
    }
}

fn main() {
    let mut world = World::new();
    world.prewarm();
    let mut steady_allocations = 0;
    for frame in 0..FRAMES {
        let before = ALLOC.allocations();
        world.spawn();
        world.update();
        world.despawn();
        if frame >= WARM_UP {
            steady_allocations += ALLOC.allocations() - before;
        }
    }

    let s = world.entities.stats();
    let checksum = world.entities.iter().fold(0u64, |acc, (h, e)| {
        acc.wrapping_mul(31).wrapping_add(h.to_bits() ^ e.hp as u64)
    });
    println!("typed-pool flagship: {FRAMES} frames, deterministic");
    println!("  live entities      {}", world.entities.len());
    println!(
        "  spawned/despawned  {}/{}",
        world.tally.spawned, world.tally.despawned
    );
    println!(
        "  hits/retargets     {}/{}",
        world.tally.hits, world.tally.retargets
    );
    println!("  busy rents refused {}", world.tally.busy_rents);
    println!(
        "  pool               len {} capacity {} high water {} spares {}",
        s.len, s.capacity, s.high_water, s.spares
    );
    println!(
        "  recycling          {} acquire hits, {} misses ({:.1}% reused)",
        s.acquire_hits,
        s.acquire_misses,
        100.0 * s.acquire_hits as f64 / (s.acquire_hits + s.acquire_misses).max(1) as f64
    );
    println!("  checksum           {checksum:016x}");
    println!(
        "  heap allocations after frame {WARM_UP}: {steady_allocations}{}",
        if steady_allocations == 0 {
            " (steady state)"
        } else {
            ""
        }
    );
    assert_eq!(steady_allocations, 0, "the steady state must not allocate");
}
