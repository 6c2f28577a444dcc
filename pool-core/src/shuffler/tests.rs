//! Unit tests that need the shuffler's insides: generation wrap, and the address index
//! against the blocks it describes.

use alloc::vec::Vec;

use super::index::{addr, split};
use super::{Block, Inner, ShuffleHandle, Shuffler, State, NO_CHUNK};
use crate::Handle;

/// Moves the live block `h` names to the last odd version (generation `key - 1`);
/// returns its new handle.
fn age_to_last_version<T>(s: &Shuffler<T>, h: ShuffleHandle<T>) -> ShuffleHandle<T> {
    let inner = s.inner();
    let last = inner.key.wrapping_sub(1);
    inner.slots[h.index() as usize].generation = last;
    // The entry names the old generation: rebuilt by the next step.
    inner.index.invalidate();
    // SAFETY: `last` is odd (the key is even).
    unsafe { Handle::from_generation(h.index(), last) }
}

#[test]
fn a_slot_whose_version_would_wrap_is_retired() {
    let s: Shuffler<String> = Shuffler::new();
    let h = s.alloc_with(2, |i| i.to_string());
    let old = age_to_last_version(&s, h);
    assert!(!s.contains(h));
    assert_eq!(s.rent(old).unwrap()[1], "1");
    assert!(s.free(old));
    s.shuffle();
    // Never reused: new blocks go to other slots, and the old handle never matches again.
    let hs: Vec<_> = (0..64)
        .map(|i| s.alloc_with(1, |_| i.to_string()))
        .collect();
    assert!(hs.iter().all(|n| n.index() != old.index()));
    assert!(!s.contains(old) && !s.free(old));
    assert_eq!(
        s.inner().slots[old.index() as usize].generation,
        s.inner().key
    );
}

#[test]
fn a_block_freed_while_rented_at_the_last_version_retires_its_slot() {
    let s: Shuffler<String> = Shuffler::new();
    let h = s.alloc_with(1, |_| String::from("pinned"));
    let old = age_to_last_version(&s, h);
    let guard = s.rent(old).unwrap();
    assert!(s.free(old));
    s.shuffle();
    assert_eq!(
        guard[0], "pinned",
        "a zombie's block stays until its guard returns"
    );
    drop(guard);
    s.shuffle();
    assert_eq!(s.stats().pending_frees, 0);
    let hs: Vec<_> = (0..16).map(|_| s.create(String::new())).collect();
    assert!(hs.iter().all(|n| n.index() != old.index()));
    assert!(!s.contains(old));
}

impl<T> Inner<T> {
    /// Every block with storage, live and pending, as `(block, live slot)`.
    fn blocks(&self) -> Vec<(Block, Option<usize>)> {
        let mut v = Vec::new();
        for (i, s) in self.slots.iter().enumerate() {
            if let State::Live { block, .. } = s.state() {
                v.push((block, Some(i)));
            }
        }
        v.extend(self.pending.iter().map(|p| (p.block, None)));
        v.retain(|(b, _)| b.chunk != NO_CHUNK && b.len > 0);
        v.sort_by_key(|(b, _)| addr(b.chunk, b.offset));
        v
    }

    /// Checks the index and storage invariants; panics with what is wrong.
    fn check(&self) {
        let blocks = self.blocks();
        // Storage: inside the chunk's top, no overlaps.
        for w in blocks.windows(2) {
            let (a, b) = (w[0].0, w[1].0);
            assert!(
                a.chunk != b.chunk || a.offset + a.len <= b.offset,
                "overlap {a:?} {b:?}"
            );
        }
        for (b, _) in &blocks {
            let c = &self.chunks[b.chunk as usize];
            assert!(
                (b.offset + b.len) as usize <= c.top && c.top <= c.cap,
                "{b:?} above top"
            );
        }
        if !self.index.valid {
            return;
        }
        // Per chunk, sorted; exactly one current entry per live block with storage, in its
        // chunk's list, at its offset.
        let mut current = Vec::new();
        for (c, list) in self.index.lists.iter().enumerate() {
            assert!(
                list.windows(2).all(|w| w[0].offset <= w[1].offset),
                "list unsorted"
            );
            for e in list.iter().filter(|e| e.is_current(&self.slots)) {
                current.push((addr(c as u32, e.offset), e.slot as usize));
            }
        }
        current.sort_unstable();
        let live: Vec<_> = blocks
            .iter()
            .filter_map(|(b, s)| s.map(|s| (addr(b.chunk, b.offset), s)))
            .collect();
        assert_eq!(
            current, live,
            "the index misses, repeats or misplaces a block"
        );
        // Below `resume`, every chunk is packed.
        let resume = self.index.resume;
        let (rc, ro) = split(resume);
        let mut expect = (0usize, 0usize);
        for (b, _) in &blocks {
            let (c, o) = (b.chunk as usize, b.offset as usize);
            if addr(b.chunk, b.offset) >= resume {
                assert!(
                    c != rc || o >= ro,
                    "a block spans resume {:?}: {b:?}",
                    (rc, ro)
                );
                break;
            }
            if c != expect.0 {
                assert!(c > expect.0);
                // The chunk before ended at its top; chunks between hold nothing.
                assert_eq!(
                    self.chunks[expect.0].top, expect.1,
                    "gap below resume at top"
                );
                for k in expect.0 + 1..c {
                    assert_eq!(self.chunks[k].top, 0, "chunk {k} below resume");
                }
                expect = (c, 0);
            }
            assert_eq!(o, expect.1, "gap below resume in chunk {c}");
            assert!(
                (c, o + b.len as usize) <= (rc, ro) || c < rc,
                "a block spans resume"
            );
            expect.1 = o + b.len as usize;
        }
        if self.compacted {
            assert!(self.is_packed(), "compacted but not packed");
        }
    }
}

/// Random programs of allocs, frees, held rents, steps, budgets and full shuffles; the
/// index and storage invariants are checked after every operation, and every block's
/// contents against a model.
#[test]
fn index_follows_every_operation() {
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = move |n: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n as u64) as usize
    };
    let programs = if cfg!(miri) { 2 } else { 60 };
    let steps = if cfg!(miri) { 45 } else { 600 };
    for _ in 0..programs {
        let s: Shuffler<u32> = Shuffler::new();
        let mut model: Vec<(ShuffleHandle<u32>, u32, usize)> = Vec::new();
        let mut held = Vec::new();
        let mut tag = 0u32;
        for _ in 0..steps {
            match next(10) {
                0..=2 => {
                    tag += 1;
                    // Up to a chunk and a half of u32s, so blocks cross chunks.
                    let n = [0, 1, 3, 16, 100, 200, 1000, 6000][next(8)];
                    let t = tag;
                    model.push((s.alloc_with(n, |_| t), t, n));
                }
                3 | 4 if !model.is_empty() => {
                    let (h, _, _) = model.swap_remove(next(model.len()));
                    assert!(s.free(h));
                }
                5 if !model.is_empty() => {
                    let (h, _, _) = model[next(model.len())];
                    if let Ok(g) = s.rent(h) {
                        held.push(g);
                    }
                }
                6 => {
                    if !held.is_empty() {
                        drop(held.swap_remove(next(held.len())));
                    }
                }
                7 => {
                    s.shuffle_step([0, 1, 64, 4096, 100_000][next(5)]);
                }
                8 => s.set_budget([None, Some(0), Some(256), Some(8192)][next(4)]),
                _ => {
                    if next(4) == 0 {
                        s.shuffle();
                    } else {
                        s.inner().index.invalidate();
                        s.shuffle_step(1024);
                    }
                }
            }
            s.inner().check();
            for g in &held {
                assert!(g.iter().all(|&x| x == g[0]));
            }
        }
        drop(held);
        for &(h, t, n) in &model {
            let g = s.rent(h).unwrap();
            assert_eq!(g.len(), n);
            assert!(g.iter().all(|&x| x == t));
        }
        s.shuffle();
        s.inner().check();
        assert!(s.inner().compacted);
    }
}

/// A step moves blocks from a later chunk into the room a free left at the end of an
/// earlier one: both chunks' tops follow.
#[test]
fn a_step_fills_an_earlier_chunks_room_and_both_tops_follow() {
    let s: Shuffler<u32> = Shuffler::new();
    // Chunks hold 4096 u32s: four blocks fill the first, the rest go to a second.
    let first: Vec<_> = (0..4).map(|i| s.alloc_with(1024, |_| i)).collect();
    let second: Vec<_> = (0..10).map(|i| s.alloc_with(100, |_| 10 + i)).collect();
    assert_eq!(s.stats().chunks, 2);
    s.free(first[3]);
    s.inner().check();
    // 4096 bytes to drop, then room for two moves of 400.
    assert_eq!(s.shuffle_step(4096 + 900), 800);
    s.inner().check();
    // The first blocks of the second chunk now sit in the first chunk's room.
    assert_eq!(s.inner().slots[second[1].index() as usize].block.chunk, 0);
    assert_eq!(s.inner().chunks[0].top, 3072 + 200);
    while s.shuffle_step(1000) > 0 {
        s.inner().check();
    }
    assert_eq!(s.stats().chunks, 1);
    for (i, h) in second.iter().enumerate() {
        assert_eq!(s.rent(*h).unwrap()[99], 10 + i as u32);
    }
}

/// Stale entries are dropped as frees pile up: under long churn the index stays about
/// the size of the store.
#[test]
fn the_index_stays_the_size_of_the_store() {
    let (live, ops) = if cfg!(miri) { (12, 120) } else { (100, 20_000) };
    let s: Shuffler<u64> = Shuffler::new();
    let mut hs: Vec<_> = (0..live).map(|i| s.create(i as u64)).collect();
    s.set_budget(Some(256));
    let mut seed = 7u64;
    for i in 0..ops {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let k = (seed % live as u64) as usize;
        s.free(hs[k]);
        hs[k] = s.alloc_with(1 + i % 3, |_| k as u64);
    }
    s.inner().check();
    let index = &s.inner().index;
    let held: usize = index.lists.iter().map(Vec::capacity).sum();
    assert!(
        held <= 4 * live + 8 * index.lists.len(),
        "{held} entries held for {live} blocks"
    );
    for (k, h) in hs.iter().enumerate() {
        assert!(s.rent(*h).unwrap().iter().all(|&x| x == k as u64));
    }
}
