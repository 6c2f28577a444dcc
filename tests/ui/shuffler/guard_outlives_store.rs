// A rent guard cannot outlive its shuffler.
use pool_core::shuffler::BlockRent;
use pool_core::Shuffler;

fn main() {
    let guard: BlockRent<'_, u32>;
    {
        let s = Shuffler::new();
        let h = s.create(1u32);
        guard = s.rent(h).unwrap();
    }
    println!("{}", guard[0]);
}
