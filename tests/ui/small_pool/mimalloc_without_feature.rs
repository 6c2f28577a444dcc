// The mimalloc mode needs pool-core's `mimalloc` feature (off here): a compile error, not a
// fallback to the system allocator.
use pool_core::small_pool::AllocatorMode;

#[global_allocator]
static ALLOC: AllocatorMode = AllocatorMode::from_name(Some("mimalloc")); // error[E0080]

fn main() {}
