// A plain reference is tied to `&mut self`: no shuffle can run (and move the block) while
// it lives.
use pool_core::Shuffler;

fn main() {
    let mut s = Shuffler::new();
    let h = s.alloc_from_slice(&[1u32, 2, 3]);
    let plain: &[u32] = s.get(h).unwrap();
    s.shuffle();
    println!("{}", plain[0]);
}
