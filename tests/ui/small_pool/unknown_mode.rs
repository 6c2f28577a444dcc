// An allocator mode that does not exist stops the build: never a silent default.
use pool_core::small_pool::AllocatorMode;

#[global_allocator]
static ALLOC: AllocatorMode = AllocatorMode::from_name(Some("jemalloc")); // error[E0080]

fn main() {}
