//! The pieces of `Arena`'s API that bumpalo users expect: fallible creation, the byte limit
//! after construction, chunk iteration, fallible initialisers, slice fills, `ArenaString`
//! and `format_in!`, `collect_in`, and `ArenaBox` for slices and strings with
//! `into_raw`/`from_raw`. Every failure leaves the arena as it was and drops each value
//! exactly once.

mod common;

use std::mem::MaybeUninit;

use allocator_api2::vec::Vec as AVec;
use common::{expect_panic, DropCounter};
use pool_core::arena::{AllocError, AllocOrInitError, Arena, ArenaBox, ArenaString, CollectIn};
use pool_core::format_in;

#[test]
fn try_new_limit_and_set_limit() {
    let mut arena = Arena::try_new().unwrap();
    assert_eq!(arena.limit(), None);
    let reserved = arena.stats().reserved_bytes;
    arena.set_limit(Some(reserved));
    // What is held can still be used; nothing more can be had.
    assert!(arena.try_alloc([0u8; 100]).is_ok());
    assert_eq!(
        arena.try_alloc([0u8; 8192]).unwrap_err(),
        AllocError::Exhausted
    );
    arena.set_limit(None);
    assert!(arena.try_alloc([0u8; 8192]).is_ok());
    let mut buf = [MaybeUninit::uninit(); 64];
    let mut fixed = Arena::from_buffer(&mut buf);
    fixed.set_limit(Some(1 << 20));
    assert!(
        fixed.try_alloc([0u8; 128]).is_err(),
        "a buffer arena stays bounded by its buffer"
    );
}

#[test]
fn chunks_show_the_bytes_in_use_oldest_first() {
    let mut arena = Arena::new();
    assert_eq!(arena.chunks().count(), 0);
    arena.alloc_slice_copy(b"abc");
    arena.alloc_slice_fill_copy(5000, b'x'); // a chunk of its own
    arena.alloc_slice_copy(b"tail");
    let chunks: Vec<Vec<u8>> = arena
        .chunks()
        .map(|c| {
            c.iter()
                // SAFETY: every allocation above is of bytes with alignment 1, so there
                // is no padding: each byte in use was written.
                .map(|b| unsafe { b.assume_init() })
                .collect()
        })
        .collect();
    let all: Vec<u8> = chunks.concat();
    assert_eq!(all.len(), 3 + 5000 + 4);
    assert_eq!(&all[..3], b"abc");
    assert!(all.ends_with(b"tail"));
    arena.reset();
    assert_eq!(arena.chunks().map(<[_]>::len).sum::<usize>(), 0);
    arena.scope(|a| {
        a.alloc(1u64);
        assert_eq!(a.chunks().map(<[_]>::len).sum::<usize>(), 8);
    });
    assert_eq!(arena.chunks().map(<[_]>::len).sum::<usize>(), 0);
}

#[test]
fn fallible_initialisers_give_the_block_back() {
    let arena = Arena::new();
    arena.alloc(1u8);
    let before = arena.stats().allocated_bytes;
    assert!(arena.alloc_try_with(|| Err::<[u8; 64], _>("no")).is_err());
    assert_eq!(arena.stats().allocated_bytes, before);
    let r = arena.try_alloc_slice_try_fill_with(10, |i| if i < 5 { Ok(i as u32) } else { Err(i) });
    assert_eq!(r.unwrap_err(), AllocOrInitError::Init(5));
    assert_eq!(arena.stats().allocated_bytes, before);
    expect_panic(|| {
        arena.alloc_slice_try_fill_with(4, |i| -> Result<u8, ()> {
            if i == 2 {
                panic!()
            } else {
                Ok(0)
            }
        })
    });
    assert_eq!(arena.stats().allocated_bytes, before);
    let ok = arena
        .alloc_slice_try_fill_with(3, |i| Ok::<_, ()>(i as u8))
        .unwrap();
    assert_eq!(ok, [0, 1, 2]);
    let limited = Arena::with_limit(0);
    let mut called = false;
    let r = limited.try_alloc_try_with(|| {
        called = true;
        Ok::<u8, ()>(1)
    });
    assert_eq!(
        r.unwrap_err(),
        AllocOrInitError::Alloc(AllocError::Exhausted)
    );
    assert!(!called);
    assert_eq!(
        AllocOrInitError::<std::num::ParseIntError>::Alloc(AllocError::Exhausted).to_string(),
        "arena allocation failed: arena exhausted: its buffer or byte limit is full"
    );
}

#[test]
fn slice_fills() {
    let arena = Arena::new();
    assert_eq!(arena.alloc_slice_fill_copy(3, 9u16), [9, 9, 9]);
    assert_eq!(
        arena.alloc_slice_fill_clone(2, &(1u8, 'a')),
        [(1, 'a'), (1, 'a')]
    );
    assert_eq!(arena.alloc_slice_fill_default::<u32>(2), [0, 0]);
    assert_eq!(arena.alloc_slice_fill_iter([3u8, 4]), [3, 4]);
    assert!(arena
        .alloc_slice_fill_iter(std::iter::empty::<u64>())
        .is_empty());
    assert_eq!(arena.alloc_slice_fill_copy(1000, ()).len(), 1000);
    #[derive(Clone, Copy, Debug, PartialEq)]
    #[repr(align(256))]
    struct Wide(u8);
    let wide = arena.alloc_slice_fill_copy(3, Wide(7));
    assert_eq!(wide.as_ptr() as usize % 256, 0);
    assert_eq!(wide[2], Wide(7));
    // A lying ExactSizeIterator is caught, not trusted.
    struct Liar(u8);
    impl Iterator for Liar {
        type Item = u8;
        fn next(&mut self) -> Option<u8> {
            self.0.checked_sub(1).inspect(|&n| self.0 = n)
        }
    }
    impl ExactSizeIterator for Liar {
        fn len(&self) -> usize {
            10
        }
    }
    expect_panic(|| arena.alloc_slice_fill_iter(Liar(3)).len());
}

#[test]
fn boxed_slices_and_strings_drop_each_value_once() {
    let counter = DropCounter::new();
    let arena = Arena::new();
    {
        let b = arena.alloc_box_slice_fill_with(5, |i| counter.make(i as u64));
        assert_eq!(b.len(), 5);
        assert_eq!(b[4].id, 4);
    }
    assert_eq!(counter.dropped(), 5);
    // A panicking initialiser drops what it made.
    expect_panic(|| {
        arena.alloc_box_slice_fill_with(5, |i| {
            if i == 3 {
                panic!("init");
            }
            counter.make(100 + i as u64)
        })
    });
    assert_eq!(counter.dropped(), 8);
    let src = [counter.make(1), counter.make(2)];
    let cloned = arena.alloc_box_slice_clone(&src);
    assert_eq!(cloned[1].id, 2);
    drop(cloned);
    drop(src);
    assert_eq!(counter.dropped(), counter.made());
    let s = arena.alloc_box_str("héllo");
    assert_eq!(&*s, "héllo");
    assert_eq!(s.to_string(), "héllo");
    // into_raw / from_raw keep ownership; leak keeps the value forever.
    let raw = ArenaBox::into_raw(arena.alloc_box(counter.make(9)));
    assert_eq!(counter.dropped(), counter.made() - 1);
    // SAFETY: `raw` came from `into_raw` of a box of `arena`, still borrowed; used once.
    drop(unsafe { ArenaBox::from_raw(raw) });
    assert_eq!(counter.dropped(), counter.made());
    let leaked: &mut [u8] = ArenaBox::leak(arena.alloc_box_slice_fill_with(2, |i| i as u8));
    leaked[0] = 5;
    assert_eq!(leaked, [5, 1]);
    let zst = arena.alloc_box_slice_fill_with(1000, |_| ());
    assert_eq!(zst.len(), 1000);
}

#[test]
fn arena_strings_and_format_in() {
    let arena = Arena::new();
    let mut s = ArenaString::with_capacity_in(4, &arena);
    s.push_str("ab");
    s.push('ç');
    s.extend(["d", "e"]);
    s.extend(['f']);
    assert_eq!(s, "abçdef");
    assert_eq!(s.pop(), Some('f'));
    s.truncate(4);
    assert_eq!(s, "abç");
    s.truncate(2);
    assert_eq!(s, "ab");
    expect_panic(|| {
        let mut t = format_in!(&arena, "é");
        t.truncate(1);
    });
    let f = format_in!(&arena, "{:>4}|{:.2}", 7, 1.0 / 3.0);
    assert_eq!(f, "   7|0.33");
    assert_eq!(format!("{f:?}"), "\"   7|0.33\"");
    let kept: &str = f.into_str();
    assert_eq!(kept, "   7|0.33");
    let boxed = format_in!(&arena, "x{}", 1).into_boxed_str();
    assert_eq!(&*boxed, "x1");
    // An arena that runs out: try_ methods and write! report it, push_str panics.
    let small = Arena::with_limit(0);
    let mut t = ArenaString::new_in(&small);
    assert!(t.try_push_str("x").is_err());
    assert!(std::fmt::Write::write_str(&mut t, "x").is_err());
    assert!(t.is_empty());
    expect_panic(|| format_in!(&small, "{}", 5));
    expect_panic(|| ArenaString::new_in(&small).push('x'));
}

#[test]
fn collect_in_builds_vecs_strings_and_boxes() {
    let arena = Arena::new();
    let v: AVec<u64, &Arena> = (1..=3).collect_in(&arena);
    assert_eq!(v, [1, 2, 3]);
    let s: ArenaString = "abc".chars().rev().collect_in(&arena);
    assert_eq!(s, "cba");
    let counter = DropCounter::new();
    {
        let b: ArenaBox<[common::Counted]> = (0..4)
            .map(|i| counter.make(i))
            .filter(|c| c.id % 2 == 0)
            .collect_in(&arena);
        assert_eq!(b.len(), 2);
    }
    assert_eq!(counter.dropped(), counter.made());
    let empty: ArenaBox<[String]> = std::iter::empty().collect_in(&arena);
    assert!(empty.is_empty());
}
