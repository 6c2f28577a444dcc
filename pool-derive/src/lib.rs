//! `#[derive(Pooled)]` for typed-pool. Use it through `pool_core` (feature `derive`),
//! where it is documented.

mod ast;
mod attr;
mod dummy;
mod expand;
mod valid;

use proc_macro::TokenStream;
use syn::{parse_macro_input, DeriveInput};

/// Implements `pool_core::Reset` and `pool_core::Pooled`, and declares the type's handle
/// and rent guard aliases. See `pool_core`'s documentation.
#[proc_macro_derive(Pooled, attributes(pooled))]
pub fn derive_pooled(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand::derive(&input).into()
}
