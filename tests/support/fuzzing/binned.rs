//! `binned_ops`: allocations of many sizes and alignments, writes, frees, snapshots,
//! restores and trims on a `BinnedAllocator` against a model of each block's bytes, with
//! forged handles and pointer-to-handle lookups; `binned_restore`: `restore` of arbitrary
//! bytes.

use std::collections::HashMap;

use pool_core::{BinnedAllocator, BlockHandle, Handle};

use super::{pick, Input};

type Model = HashMap<BlockHandle, Vec<u8>>;

/// Runs the operations `data` encodes.
pub fn run(data: &[u8]) {
    let mut input = Input::new(data);
    let mut a = match input.u8() % 3 {
        0 => BinnedAllocator::builder()
            .limit(usize::from(input.u16()) * 64)
            .zero_freed(true)
            .build(),
        _ => BinnedAllocator::new(),
    };
    let mut model: Model = HashMap::new();
    let mut issued: Vec<BlockHandle> = Vec::new();
    let mut saved: Option<(Vec<u8>, Model)> = None;
    while !input.is_empty() {
        match input.u8() % 10 {
            0..=2 => {
                let size = match input.u8() {
                    0..=127 => usize::from(input.u8() % 64),
                    128..=250 => usize::from(input.u16() % 4096),
                    _ => usize::from(input.u16()) * 4,
                };
                if let Ok(h) = a.try_alloc(size) {
                    let fill = input.u8();
                    a.get_mut(h).unwrap().fill(fill);
                    assert!(
                        model.insert(h, vec![fill; size]).is_none(),
                        "handle issued twice"
                    );
                    issued.push(h);
                }
            }
            3 => {
                let (size, shift) = (usize::from(input.u16() % 1024), input.u8() % 13);
                if let Ok(h) = a.try_alloc_layout(size, 1 << shift) {
                    let block = a.get(h).unwrap();
                    assert_eq!(block.as_ptr() as usize % (1 << shift), 0, "misaligned");
                    assert_eq!(block.len(), size);
                    model.insert(h, block.to_vec());
                    issued.push(h);
                }
            }
            4 | 5 => {
                if let Some(h) = pick(&issued, input.u16()) {
                    assert_eq!(a.free(h), model.remove(&h).is_some());
                }
            }
            6 => {
                if let Some(h) = pick(&issued, input.u16()) {
                    let bytes = input.bytes(64).to_vec();
                    let fits = model.get(&h).map(|m| bytes.len() <= m.len());
                    match a.write(h, &bytes) {
                        Ok(()) => {
                            assert_eq!(fits, Some(true));
                            model.get_mut(&h).unwrap()[..bytes.len()].copy_from_slice(&bytes);
                        }
                        Err(_) => assert_ne!(fits, Some(true)),
                    }
                }
            }
            7 => {
                if let Some(h) = Handle::from_bits(input.u64()) {
                    assert_eq!(a.get(h), model.get(&h).map(Vec::as_slice));
                    assert_eq!(a.contains(h), model.contains_key(&h));
                }
                // A pointer near a block: its handle inside the block, else nothing or
                // another live block that holds the byte.
                if let Some(h) = pick(&issued, input.u16()) {
                    if let Some(bytes) = a.get(h) {
                        let offset = isize::from(input.u16() as i16);
                        let p = bytes.as_ptr().wrapping_offset(offset);
                        match a.handle_of(p) {
                            Some(o) => assert!(a.get(o).unwrap().as_ptr_range().contains(&p)),
                            None => assert!(!bytes.as_ptr_range().contains(&p)),
                        }
                    }
                }
            }
            8 => {
                if input.u8() & 1 == 0 {
                    saved = Some((a.snapshot(), model.clone()));
                } else if let Some((snap, m)) = &saved {
                    a.restore(snap).expect("a snapshot of our own restores");
                    model = m.clone();
                }
            }
            _ => {
                a.trim();
            }
        }
        for (&h, bytes) in &model {
            assert_eq!(a.get(h), Some(bytes.as_slice()));
        }
        assert_eq!(a.stats().live_blocks, model.len() as u64);
    }
    // An empty block holds no byte, so its address leads nowhere.
    for (&h, bytes) in &model {
        let first = a.get(h).unwrap().as_ptr();
        assert_eq!(a.handle_of(first), (!bytes.is_empty()).then_some(h));
    }
    // The snapshot of what is left restores to the same contents.
    let copy = BinnedAllocator::from_snapshot(&a.snapshot()).expect("own snapshot");
    for (&h, bytes) in &model {
        assert_eq!(copy.get(h), Some(bytes.as_slice()));
    }
}

/// `restore` of arbitrary bytes: an error, or an allocator that is consistent and keeps
/// working (allocates, frees, snapshots and restores its own snapshot).
pub fn restore(data: &[u8]) {
    let Ok(mut a) = BinnedAllocator::from_snapshot(data) else {
        return;
    };
    let live = a.stats().live_blocks;
    // Every restored block is found from its bytes.
    for (h, bytes) in a.iter() {
        assert_eq!(a.handle_of(bytes.as_ptr()), Some(h));
    }
    let snap = a.snapshot();
    let mut hs = Vec::new();
    for size in [0, 1, 16, 100, 5000] {
        if let Ok(h) = a.try_alloc(size) {
            a.get_mut(h).unwrap().fill(0xAB);
            hs.push(h);
        }
    }
    for &h in &hs {
        assert!(a.get(h).unwrap().iter().all(|&b| b == 0xAB));
        assert!(a.free(h));
    }
    assert_eq!(a.stats().live_blocks, live);
    a.trim();
    a.restore(&snap)
        .expect("a restored allocator's own snapshot restores");
    assert_eq!(a.snapshot(), snap);
}
