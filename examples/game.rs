//! The flagship example: a small deterministic simulation that shows the library at work.
//!
//! Entities live in a `Pool<Entity>` and refer to each other by `Handle<Entity>`. Each
//! frame some spawn (recycled through `acquire`), they move, fight through rent guards
//! (`rentals`) and `get_disjoint_mut`, and the dead are `release`d back to the pool with
//! their buffers. The frame's outgoing network messages (variable-size byte records) live
//! in a `BinnedAllocator` and are freed once "sent"; at the end a snapshot/restore round
//! trip shows the allocator reproducing the same handles, as rollback networking needs.
//! Each frame's scratch data (a visibility list, the frame's log line) lives in a
//! per-frame `Arena` that is reset when the frame ends. Every entity owns a variable-size
//! inventory in a `Shuffler`; despawns free it, and every 60 frames the shuffler compacts
//! itself while the inventory being inspected stays rented (and therefore in place).
//! After a warm-up the loop makes no heap allocation at all, which the counting allocator
//! below proves.
//!
//! Run it with `cargo run --release --example game`. With `--features debug` it also
//! shows pool-core's debug mode finding a leak: an effect system whose explosion decals
//! are never removed, reported by insertion site and frame.

use std::fmt::Write as _;

use allocator_api2::vec::Vec as ArenaVec;
use pool_core::small_pool::AllocatorMode;
use pool_core::{
    registry, Arena, BinnedAllocator, BlockHandle, Pool, Pooled, RentError, ShuffleHandle, Shuffler,
};
use typed_pool_tests::{CountingAlloc, XorShift as Rng};

/// The process allocator, counted: the system allocator, or the one the build flag
/// `TYPED_POOL_ALLOCATOR` names (`small_pool`, or `mimalloc` with pool-core's `mimalloc`
/// feature), e.g. `TYPED_POOL_ALLOCATOR=small_pool cargo run --release --example ...`.
#[global_allocator]
static ALLOC: CountingAlloc<AllocatorMode> = CountingAlloc::with(AllocatorMode::from_name(
    option_env!("TYPED_POOL_ALLOCATOR"),
));

const FRAMES: u32 = 600;
const WARM_UP: u32 = 10;
const SPAWNS_PER_FRAME: u32 = 24;
const MAX_LIVE: usize = 2_000;
const TRAIL: usize = 8;
const MSG_SPAWN: u8 = 1;
const MSG_DESPAWN: u8 = 2;

/// A game entity. The derive resets every field in place (the trail keeps its buffer),
/// declares `EntityHandle`, and makes `Pool::for_type` build a 2000-slot pool whose new
/// values come from `new_entity`.
#[derive(Debug, Default, Pooled)]
#[pooled(capacity = 2000, factory = new_entity)]
struct Entity {
    pos: (f32, f32),
    vel: (f32, f32),
    hp: i32,
    target: Option<EntityHandle>,
    /// The entity's items, a variable-size block in the world's shuffler.
    inventory: Option<ShuffleHandle<u32>>,
    /// Recent positions; its buffer is kept when the entity is recycled.
    trail: Vec<(f32, f32)>,
    /// Who we are, for log lines; kept across recycling on purpose.
    #[pooled(skip)]
    serial: u32,
}

fn new_entity() -> Entity {
    Entity {
        trail: Vec::with_capacity(TRAIL),
        ..Entity::default()
    }
}

/// A shot fired on a hit; lives for a few frames.
#[derive(Debug, Default, Pooled)]
#[pooled(capacity = 1024)]
struct Projectile {
    pos: (f32, f32),
    vel: (f32, f32),
    ttl: u16,
    owner: Option<EntityHandle>,
}

/// An outgoing network message: what it is about, and its body bytes in the binned
/// allocator.
#[derive(Debug, Default, Pooled)]
#[pooled(capacity = 4096, handle = EnvelopeId)]
struct Envelope {
    kind: u8,
    subject: Option<EntityHandle>,
    body: Option<BlockHandle>,
}

/// A value in -1.0..=1.0 from the deterministic generator.
fn unit(rng: &mut Rng) -> f32 {
    (rng.next() % 2_001) as f32 / 1_000.0 - 1.0
}

#[derive(Default)]
struct Tally {
    spawned: u64,
    despawned: u64,
    hits: u64,
    retargets: u64,
    busy_rents: u64,
    shots: u64,
}

struct World {
    entities: Pool<Entity>,
    inventories: Shuffler<u32>,
    /// Fragmentation just before and after the last compaction.
    compaction: (f64, f64),
    map_before: String,
    map_after: String,
    /// Heap allocations made by inventory work (the shuffler takes chunks as inventories
    /// pile up between compactions and gives empty ones back when it compacts).
    inventory_allocations: usize,
    projectiles: Pool<Projectile>,
    live_shots: Vec<ProjectileHandle>,
    /// This frame's outgoing messages: envelopes in a pool, bodies as byte records.
    envelopes: Pool<Envelope>,
    messages: BinnedAllocator,
    outbox: Vec<EnvelopeId>,
    /// Everything "sent" so far, folded into one number.
    wire_checksum: u64,
    bytes_sent: u64,
    /// Live handles in spawn order; a scratch list reused every frame.
    live: Vec<EntityHandle>,
    dead: Vec<EntityHandle>,
    rng: Rng,
    tally: Tally,
}

impl World {
    fn new() -> Self {
        World {
            // Built as the derives say, and registered. Pool ids come from a process-wide
            // counter, so the same program gets the same handles run after run.
            entities: Pool::for_type(),
            inventories: Shuffler::with_id(3),
            compaction: (0.0, 0.0),
            map_before: String::new(),
            map_after: String::new(),
            inventory_allocations: 0,
            projectiles: Pool::for_type(),
            live_shots: Vec::with_capacity(1024),
            envelopes: Pool::for_type(),
            messages: BinnedAllocator::builder().id(2).build(),
            outbox: Vec::with_capacity(4 * MAX_LIVE),
            wire_checksum: 0,
            bytes_sent: 0,
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
        // Or as a recycler session: 1024 guards alive at once, each released (reset and
        // kept as a spare) when the batch is dropped. A session never moves the values its
        // leases point into, so the room is reserved first.
        self.projectiles.reserve(1024);
        let recycler = self.projectiles.recycler();
        let shots: Vec<_> = (0..1024).map(|_| recycler.acquire()).collect();
        drop(shots);
        let envelopes: Vec<_> = (0..4096).map(|_| self.envelopes.acquire()).collect();
        for h in envelopes {
            self.envelopes.release(h);
        }
        // Likewise message storage: slabs for every message size a frame can produce.
        let blocks: Vec<_> = (0..=TRAIL)
            .flat_map(|k| (0..512).map(move |_| 13 + 8 * k))
            .map(|len| self.messages.alloc(len))
            .collect();
        for b in blocks {
            self.messages.free(b);
        }
    }

    fn spawn(&mut self) {
        for _ in 0..SPAWNS_PER_FRAME {
            if self.live.len() >= MAX_LIVE {
                break;
            }
            let h = self.entities.acquire();
            let (x, y, vx, vy) = (
                unit(&mut self.rng) * 100.0,
                unit(&mut self.rng) * 100.0,
                unit(&mut self.rng),
                unit(&mut self.rng),
            );
            let hp = 20 + (self.rng.next() % 30) as i32;
            let e = &mut self.entities[h];
            e.pos = (x, y);
            e.vel = (vx, vy);
            e.hp = hp;
            e.serial = e.serial.wrapping_add(1);
            let items = 1 + (self.rng.next() % 24) as usize;
            let serial = e.serial;
            let before = ALLOC.allocations();
            e.inventory = Some(self.inventories.alloc_with(items, |i| serial + i as u32));
            self.inventory_allocations += ALLOC.allocations() - before;
            self.live.push(h);
            self.tally.spawned += 1;
            self.queue_message(MSG_SPAWN, h);
        }
    }

    /// Encodes a message about `h` into a block sized for it: kind, handle, hp and the
    /// entity's trail (so sizes vary from 13 to 77 bytes).
    fn queue_message(&mut self, kind: u8, h: EntityHandle) {
        let e = &self.entities[h];
        let len = 1 + 8 + 4 + e.trail.len() * 8;
        let block = self.messages.alloc(len);
        let buf = self.messages.get_mut(block).expect("just allocated");
        buf[0] = kind;
        buf[1..9].copy_from_slice(&h.to_bits().to_le_bytes());
        buf[9..13].copy_from_slice(&e.hp.to_le_bytes());
        for (chunk, &(x, y)) in buf[13..].chunks_exact_mut(8).zip(&e.trail) {
            chunk[..4].copy_from_slice(&x.to_le_bytes());
            chunk[4..].copy_from_slice(&y.to_le_bytes());
        }
        let envelope = self.envelopes.acquire();
        let env = &mut self.envelopes[envelope];
        env.kind = kind;
        env.subject = Some(h);
        env.body = Some(block);
        self.outbox.push(envelope);
    }

    /// "Sends" the frame's messages (folds their bytes into a checksum) and frees them.
    fn flush_messages(&mut self) {
        for envelope in self.outbox.drain(..) {
            let block = self.envelopes[envelope]
                .body
                .expect("every envelope has a body");
            let bytes = self.messages.get(block).expect("queued this frame");
            self.bytes_sent += bytes.len() as u64;
            for &b in bytes {
                self.wire_checksum = (self.wire_checksum ^ b as u64).wrapping_mul(0x100_0000_01b3);
            }
            // The "transport" completes with the pointer it was handed, as a C socket API
            // does; the allocator leads from it back to the block to free.
            let sent = bytes.as_ptr();
            let done = self.messages.handle_of(sent).expect("a block being sent");
            assert_eq!(done, block);
            self.messages.free(done);
            self.envelopes.release(envelope);
        }
    }

    fn pick_target(&mut self, me: EntityHandle) -> Option<EntityHandle> {
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
                // Every 16th hit fires a visible shot.
                if self.tally.hits % 16 == 0 && self.live_shots.len() < 1024 {
                    let (pos, vel) = (attacker.pos, (victim.pos.0 - attacker.pos.0) / 8.0);
                    let shot = self.projectiles.acquire();
                    let p = &mut self.projectiles[shot];
                    p.pos = pos;
                    p.vel = (vel, vel);
                    p.ttl = 8;
                    p.owner = Some(me);
                    self.live_shots.push(shot);
                    self.tally.shots += 1;
                }
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

    /// Moves shots and releases the expired ones (and those whose owner is gone).
    fn update_shots(&mut self) {
        let (shots, entities) = (&mut self.projectiles, &self.entities);
        self.live_shots.retain(|&h| {
            let p = &mut shots[h];
            p.pos.0 += p.vel.0;
            p.pos.1 += p.vel.1;
            p.ttl -= 1;
            let keep = p.ttl > 0 && p.owner.is_some_and(|o| entities.contains(o));
            if !keep {
                shots.release(h);
            }
            keep
        });
    }

    /// Compacts the inventories while one of them is rented (it stays where it is).
    fn compact_inventories(&mut self) {
        let allocations = ALLOC.allocations();
        let inspected = self.live.first().and_then(|&h| self.entities[h].inventory);
        let guard = inspected.and_then(|h| self.inventories.rent(h).ok());
        let before = self.inventories.stats().fragmentation;
        let map_before = self.inventories.storage_map(64);
        let at = guard.as_ref().map(|g| g.as_ptr());
        self.inventories.shuffle();
        assert_eq!(
            at,
            guard.as_ref().map(|g| g.as_ptr()),
            "a rented block moved"
        );
        drop(guard);
        self.compaction = (before, self.inventories.stats().fragmentation);
        self.map_before = map_before;
        self.map_after = self.inventories.storage_map(64);
        self.inventory_allocations += ALLOC.allocations() - allocations;
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
        for i in 0..self.dead.len() {
            let h = self.dead[i];
            self.queue_message(MSG_DESPAWN, h);
            if let Some(items) = self.entities[h].inventory.take() {
                let before = ALLOC.allocations();
                self.inventories.free(items); // may grow the pending list
                self.inventory_allocations += ALLOC.allocations() - before;
            }
            self.entities.release(h);
            self.tally.despawned += 1;
        }
        self.dead.clear();
    }
}

/// A `fmt::Write` sink in the frame arena, for building the log line without the heap.
struct ArenaText<'a>(ArenaVec<u8, &'a Arena<'static>>);

impl std::fmt::Write for ArenaText<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
}

/// Per-frame scratch work in the arena: which entities are near the origin, and a log
/// line about them. Returns the number visible and the length of the line.
fn frame_scratch(world: &World, arena: &Arena<'static>, frame: u32) -> (usize, usize) {
    let mut visible = ArenaVec::new_in(arena);
    for &h in &world.live {
        let e = &world.entities[h];
        if e.pos.0.abs() < 60.0 && e.pos.1.abs() < 60.0 {
            visible.push(h);
        }
    }
    // Copy the list into a plain arena slice, as a renderer would take it.
    let snapshot: &[EntityHandle] = arena.alloc_slice_copy(&visible);
    let mut log = ArenaText(ArenaVec::with_capacity_in(64, arena));
    let _ = write!(
        log,
        "frame {frame}: {} visible, first {:?}",
        snapshot.len(),
        snapshot.first().map(|h| h.index())
    );
    let line = arena.alloc_str(std::str::from_utf8(&log.0).unwrap_or(""));
    (snapshot.len(), line.len())
}

/// Rollback networking in miniature: snapshot the message allocator, queue a burst,
/// restore, queue the same burst again, and check that the handles and bytes match.
fn rollback_round_trip(world: &mut World) -> String {
    let snapshot = world.messages.snapshot();
    let burst: Vec<EntityHandle> = world.live.iter().take(16).copied().collect();
    let run = |world: &mut World| -> Vec<(u64, Vec<u8>)> {
        let mut sent = Vec::new();
        for &h in &burst {
            world.queue_message(MSG_SPAWN, h);
            let envelope = world.outbox.pop().expect("just queued");
            let body = world.envelopes[envelope].body.expect("has a body");
            sent.push((body.to_bits(), world.messages.get(body).unwrap().to_vec()));
            world.envelopes.release(envelope);
        }
        sent
    };
    let first = run(world);
    world.messages.restore(&snapshot).expect("own snapshot");
    let second = run(world);
    assert_eq!(
        first, second,
        "a restore must reproduce the same handles and bytes"
    );
    format!(
        "{} bytes; {} messages replayed with identical handles and bytes",
        snapshot.len(),
        second.len()
    )
}

/// The type registry as a table: every type pools were made for.
fn print_registry() {
    println!("  registry:");
    println!(
        "    {:<12} {:>5} {:>5} {:>6} {:>5} {:>6} {:>10}",
        "type", "size", "align", "class", "pools", "live", "high water"
    );
    for t in registry::types() {
        println!(
            "    {:<12} {:>5} {:>5} {:>6} {:>5} {:>6} {:>10}",
            t.name,
            t.size,
            t.align,
            t.size_class
                .map_or(String::from("-"), |c| c.size().to_string()),
            t.live_pools,
            t.live_values,
            t.high_water
        );
    }
}

fn main() {
    let mut world = World::new();
    world.prewarm();
    // Sized for the worst frame (every entity visible), so frames never grow it.
    let mut scratch = Arena::with_capacity(64 * 1024);
    let (mut visible_total, mut log_bytes, mut scratch_peak) = (0, 0, 0);
    let mut steady_allocations = 0;
    for frame in 0..FRAMES {
        let before = ALLOC.allocations() - world.inventory_allocations;
        world.spawn();
        world.update();
        world.update_shots();
        world.despawn();
        world.flush_messages();
        if frame % 60 == 59 {
            world.compact_inventories();
        }
        let (visible, line) = frame_scratch(&world, &scratch, frame);
        visible_total += visible;
        log_bytes += line;
        scratch_peak = scratch_peak.max(scratch.stats().allocated_bytes);
        scratch.reset();
        if frame >= WARM_UP {
            steady_allocations += ALLOC.allocations() - world.inventory_allocations - before;
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
    let m = world.messages.stats();
    println!(
        "  messages           {} sent, {} bytes, wire checksum {:016x}",
        m.allocations, world.bytes_sent, world.wire_checksum
    );
    let bins: Vec<String> = (0..world.messages.table().len())
        .filter_map(|c| world.messages.bin_stats(c))
        .filter(|b| b.high_water > 0)
        .map(|b| format!("{}B:{}", b.class_size, b.high_water))
        .collect();
    println!(
        "  message allocator  {} KiB storage, {} live, {} rejected frees; peak per bin {}",
        m.storage_bytes / 1024,
        m.live_blocks,
        m.rejected_frees,
        bins.join(" ")
    );
    println!("  snapshot/restore   {}", rollback_round_trip(&mut world));
    println!(
        "  projectiles        {} in flight, {} fired",
        world.live_shots.len(),
        world.tally.shots
    );
    let a = scratch.stats();
    println!(
        "  frame arena        {} visible/frame on average, {} log bytes; peak {} B of {} KiB in {} chunk(s), reset every frame",
        visible_total / FRAMES as usize,
        log_bytes,
        scratch_peak,
        a.reserved_bytes / 1024,
        a.chunks
    );
    let inv = world.inventories.stats();
    println!(
        "  inventories        {} blocks, {} KiB live in {} KiB resident; last shuffle moved {} KiB, fragmentation {:.0}% -> {:.0}%",
        inv.live_blocks,
        inv.live_bytes / 1024,
        inv.resident_bytes / 1024,
        inv.moved_last / 1024,
        world.compaction.0 * 100.0,
        world.compaction.1 * 100.0
    );
    println!(
        "  inventory heap use {} allocations over the run (chunks taken and given back)",
        world.inventory_allocations
    );
    println!("  storage map before (# live, P rented, x freed, . empty):");
    for line in world.map_before.lines() {
        println!("    {line}");
    }
    println!("  storage map after:");
    for line in world.map_after.lines() {
        println!("    {line}");
    }
    print_registry();
    println!(
        "  heap allocations after frame {WARM_UP}, inventories aside: {steady_allocations}{}",
        if steady_allocations == 0 {
            " (steady state)"
        } else {
            ""
        }
    );
    if let Some(pool) = ALLOC.inner().small_pool() {
        println!("  process allocator  {}:", ALLOC.inner().name());
        for line in pool.snapshot_stats().to_string().lines() {
            println!("    {line}");
        }
    }
    // Debug mode records sites (and allocates to do it), so the zero-allocation claim is
    // checked in normal builds only.
    #[cfg(not(feature = "debug"))]
    assert_eq!(steady_allocations, 0, "the steady state must not allocate");
    #[cfg(feature = "debug")]
    {
        leak_demo();
        // The world's live entities at exit are not leaks: keep its drop quiet.
        pool_core::debug::set_leak_hook(Some(Box::new(|_| {})));
    }
}

/// A short-lived visual effect.
#[cfg(feature = "debug")]
#[derive(Debug)]
struct Decal {
    #[allow(dead_code)] // only carried around, as a real decal's data would be
    at: (i32, i32),
}

/// Debug mode at work: decals expire three frames after they appear, except the ones
/// explosions leave, whose handles the effect code forgets (the bug). The leak report
/// names the line that inserted them and, through the frame tag, when.
#[cfg(feature = "debug")]
fn leak_demo() {
    use std::collections::VecDeque;
    let mut decals: Pool<Decal> = Pool::new();
    let mut expiring = VecDeque::new();
    for frame in 0..120u64 {
        decals.set_debug_tag(Some(frame));
        let h = decals.insert(Decal {
            at: (frame as i32, 0),
        });
        expiring.push_back((frame, h));
        if frame % 40 == 7 {
            // Explosion decal: the handle is dropped on the floor.
            let _ = decals.insert(Decal {
                at: (0, frame as i32),
            });
        }
        while let Some(&(born, h)) = expiring.front() {
            if frame - born < 3 {
                break;
            }
            decals.remove(h);
            expiring.pop_front();
        }
    }
    for (_, h) in expiring {
        decals.remove(h);
    }
    println!("  debug mode: decals never removed");
    for line in decals.leak_report().to_string().lines() {
        println!("    {line}");
    }
    decals.clear();
    decals.assert_no_leaks();
}
