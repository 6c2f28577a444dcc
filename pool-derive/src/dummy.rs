//! The `const _: () = { ... }` wrapper and the fallback emitted next to errors.

use proc_macro2::TokenStream;
use quote::quote;

/// Wraps impls so that nothing they use leaks into the user's namespace.
pub(crate) fn wrap_in_const(impls: TokenStream) -> TokenStream {
    quote! {
        #[doc(hidden)]
        #[allow(non_upper_case_globals, unused_qualifications, unused_attributes)]
        const _: () = {
            #impls
        };
    }
}
