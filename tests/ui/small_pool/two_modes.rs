// Two process allocators (say, two features that each install a mode) contradict each
// other: the compiler refuses the second.
use pool_core::small_pool::{AllocatorMode, SmallPool};

#[global_allocator]
static A: SmallPool = SmallPool::new();

#[global_allocator]
static B: AllocatorMode = AllocatorMode::from_name(None); // error: multiple global allocators

fn main() {}
