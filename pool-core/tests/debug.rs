//! Debug mode (feature `debug`): leak reports name the site each live value came from,
//! group by tag, list leaked rent guards with the site they were rented at; dropping a
//! store that still holds values calls the leak hook; the arena counts bytes per site.
#![cfg(feature = "debug")]

use std::sync::{Arc, Mutex};

use pool_core::debug::{set_leak_hook, LeakReport};
use pool_core::{Arena, BinnedAllocator, Pool, Shuffler, SyncPool};

/// The line of the statement that calls this macro's expansion site.
macro_rules! here {
    () => {
        line!()
    };
}

#[test]
fn pool_reports_sites_tags_and_ages() {
    let mut pool = Pool::new();
    let (a_line, a) = (here!(), pool.insert("a"));
    pool.set_debug_tag(Some(1));
    let b_line = here!();
    for _ in 0..3 {
        pool.insert("b");
    }
    let gone = pool.insert("gone");
    pool.remove(gone);
    let report = pool.leak_report();
    assert_eq!(report.live, 4);
    assert!(report.store.starts_with("Pool<&str>"), "{}", report.store);
    // Most values first.
    let g = &report.groups[0];
    assert_eq!(
        (g.count, g.tag, g.site.unwrap().line()),
        (3, Some(1), b_line + 2)
    );
    assert!(g.oldest >= g.newest);
    let g = &report.groups[1];
    assert_eq!((g.count, g.tag, g.site.unwrap().line()), (1, None, a_line));
    assert!(g.site.unwrap().file().ends_with("debug.rs"));
    let text = report.to_string();
    assert!(text.contains("4 live values"), "{text}");
    assert!(text.contains(&format!("debug.rs:{}", b_line + 2)), "{text}");
    // Every insert path records its caller.
    let mut p = Pool::bounded(8);
    let lines = [
        (here!(), p.try_insert(1).unwrap()),
        (here!(), p.insert_with(|_| 2)),
        (here!(), p.try_insert_with(|_| Ok::<_, ()>(3)).unwrap()),
        (here!() + 3, {
            let e = p.vacant_entry();
            let h = e.handle();
            e.insert(4);
            h
        }),
        (here!(), p.acquire_with(|| 5)),
    ];
    let report = p.leak_report();
    assert_eq!(report.groups.len(), lines.len());
    for (line, _) in lines {
        assert!(
            report.groups.iter().any(|g| g.site.unwrap().line() == line),
            "no group for line {line}: {report}"
        );
    }
    pool.remove(a);
    p.clear();
    p.assert_no_leaks();
}

#[test]
fn leaked_rent_guards_are_reported_with_their_rent_site() {
    let mut pool = Pool::new();
    let h = pool.insert(1);
    let k = pool.insert(2);
    let rent_line = here!() + 3;
    {
        let rentals = pool.rentals();
        std::mem::forget(rentals.rent_mut(h).unwrap());
        std::mem::forget(rentals.rent(k).unwrap());
    }
    let report = pool.leak_report();
    assert_eq!(report.rents.len(), 2);
    let r = report.rents.iter().find(|r| r.index == h.index()).unwrap();
    assert!(r.exclusive);
    assert_eq!(r.site.unwrap().line(), rent_line);
    assert!(report.to_string().contains("rent guard never returned"));
    let s = Shuffler::new();
    let b = s.create(1u8);
    let line = here!();
    std::mem::forget(s.rent(b).unwrap());
    let report = s.leak_report();
    assert_eq!(report.rents[0].site.unwrap().line(), line + 1);
    assert!(!report.rents[0].exclusive);
    // Freed while rented: still reported as a rent, no longer as a live block.
    s.free(b);
    let report = s.leak_report();
    assert_eq!((report.live, report.rents.len()), (0, 1));
    let err =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| s.assert_no_leaks())).unwrap_err();
    let msg = err.downcast_ref::<String>().unwrap();
    assert!(msg.contains("assert_no_leaks failed"), "{msg}");
    pool.clear();
}

#[test]
fn dropping_stores_with_values_calls_the_hook_and_clean_ones_do_not() {
    // One test owns the process-wide hook; the ids tell its stores apart.
    let seen: Arc<Mutex<Vec<LeakReport>>> = Arc::default();
    let sink = seen.clone();
    set_leak_hook(Some(Box::new(move |r| {
        sink.lock().unwrap().push(r.clone())
    })));
    let ids = {
        let mut pool = Pool::builder().id(900_001).build();
        pool.insert(String::from("leaked"));
        let mut clean = Pool::builder().id(900_002).build();
        let h = clean.insert(1);
        clean.remove(h);
        let s = Shuffler::with_id(900_003);
        s.alloc_from_slice(&[1, 2]);
        let mut a = BinnedAllocator::builder().id(900_004).build();
        a.alloc(10);
        // A restore rolls blocks back: not a leak.
        let snap = a.snapshot();
        let mut b = BinnedAllocator::builder().id(900_005).build();
        b.alloc(5);
        b.restore(&snap).unwrap();
        b.free(b.handles().next().unwrap());
        // `into_iter` hands the values out: not a leak.
        let mut c = Pool::builder().id(900_006).build();
        c.insert(1);
        drop(c.into_iter());
        let sync = SyncPool::builder().id(900_007).build();
        sync.insert(String::from("leaked"));
        let clean_sync = SyncPool::builder().id(900_008).build();
        let h = clean_sync.acquire_guard_with(String::new).into_handle();
        clean_sync.release(h).unwrap(); // a spare is not a leak
        drop((sync, clean_sync));
        [900_001, 900_003, 900_004, 900_007]
    };
    set_leak_hook(None);
    let seen = seen.lock().unwrap();
    let mine: Vec<&LeakReport> = seen
        .iter()
        .filter(|r| r.id >= 900_000 && r.id < 901_000)
        .collect();
    let mut got: Vec<u32> = mine.iter().map(|r| r.id).collect();
    got.sort_unstable();
    assert_eq!(got, ids, "{mine:#?}");
    let binned = mine.iter().find(|r| r.id == 900_004).unwrap();
    assert_eq!(binned.store, "BinnedAllocator");
    assert_eq!(binned.groups[0].site.unwrap().file(), file!());
    let shuffler = mine.iter().find(|r| r.id == 900_003).unwrap();
    assert!(shuffler.store.starts_with("Shuffler<"));
    let sync = mine.iter().find(|r| r.id == 900_007).unwrap();
    assert!(sync.store.starts_with("SyncPool<"));
    assert_eq!(sync.live, 1);
}

#[test]
fn sync_pool_reports_sites_from_every_thread_and_leaked_guards() {
    let pool = SyncPool::new();
    pool.set_debug_tag(Some(3));
    let main_line = here!();
    let a = pool.insert(1);
    let thread_line = std::thread::scope(|s| {
        s.spawn(|| {
            let line = here!();
            pool.insert(2);
            line
        })
        .join()
        .unwrap()
    });
    pool.set_debug_tag(None);
    let guard_line = here!();
    std::mem::forget(pool.rent_mut(a).unwrap());
    let recycled_line = here!();
    std::mem::forget(pool.acquire_guard_with(|| 9));
    let report = pool.leak_report();
    assert_eq!(report.live, 3);
    let mut lines: Vec<(u32, Option<u64>)> = report
        .groups
        .iter()
        .map(|g| (g.site.unwrap().line(), g.tag))
        .collect();
    lines.sort_unstable();
    assert_eq!(
        lines,
        [
            (main_line + 1, Some(3)),
            (thread_line + 1, Some(3)),
            (recycled_line + 1, None)
        ]
    );
    let mut rents: Vec<(u32, bool)> = report
        .rents
        .iter()
        .map(|r| (r.site.unwrap().line(), r.exclusive))
        .collect();
    rents.sort_unstable();
    assert_eq!(rents, [(guard_line + 1, true), (recycled_line + 1, true)]);
    assert!(
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| pool.assert_no_leaks())).is_err()
    );
    let mut pool = pool;
    pool.clear();
    pool.assert_no_leaks();
}

#[test]
fn clones_keep_sites() {
    let mut pool = Pool::new();
    let line = here!();
    pool.insert(7u8);
    let copy = pool.clone();
    assert_eq!(copy.leak_report().groups[0].site.unwrap().line(), line + 1);
    let mut dst = Pool::new();
    dst.clone_from(&pool);
    assert_eq!(dst.leak_report().groups[0].site.unwrap().line(), line + 1);
    pool.clear();
    drop(copy.into_iter());
    dst.clear();
}

#[test]
fn arena_counts_bytes_per_site_per_frame() {
    let mut arena = Arena::new();
    let line = here!();
    for _ in 0..10 {
        arena.alloc([0u32; 8]);
    }
    arena.alloc_str("hello");
    let s = pool_core::format_in!(&arena, "{}", 12345);
    drop(s);
    let report = arena.site_report();
    assert_eq!(report[0].site.line(), line + 2);
    assert_eq!((report[0].allocations, report[0].bytes), (10, 320));
    assert!(report
        .iter()
        .any(|r| r.site.line() == line + 4 && r.bytes == 5));
    arena.reset();
    assert!(arena.site_report().is_empty());
    assert_eq!(arena.last_frame_site_report()[0].bytes, 320);
}
