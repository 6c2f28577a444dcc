//! Checks that need the whole input: what the attributes mean together.

use crate::ast::{Input, Shape};
use crate::attr::Errors;

pub(crate) fn validate(input: &Input<'_>, errors: &mut Errors) {
    match &input.shape {
        Shape::Union => {
            let message = "unions are not supported by #[derive(Pooled)]: which field to \
                           reset is unknown; implement `Reset` and `Pooled` by hand";
            match &input.original.data {
                syn::Data::Union(u) => errors.spanned(u.union_token, message),
                _ => errors.spanned(&input.original.ident, message),
            }
        }
        Shape::Enum(fields) => {
            for f in fields {
                if let Some(span) = f.attrs.first {
                    errors.push(syn::Error::new(
                        span,
                        "#[pooled] field attributes are not supported on enums: an enum \
                         is reset to `Default::default()` as a whole",
                    ));
                }
            }
        }
        Shape::Struct(_) => {}
    }
    if input.attrs.bounded.get().is_some() && input.attrs.capacity.get().is_none() {
        if let Some(span) = input.attrs.bounded.span() {
            errors.push(syn::Error::new(
                span,
                "#[pooled(bounded)] needs a bound: add #[pooled(capacity = N)]",
            ));
        }
    }
}
