//! `#[pooled(...)]` attributes: one namespace, parsed with `parse_nested_meta`, one branch
//! per key, every problem collected as a spanned error.

use proc_macro2::Span;
use syn::{Attribute, Expr, ExprLit, Ident, Lit, LitInt, LitStr, Path};

/// Errors found so far; all of them are reported together.
#[derive(Default)]
pub(crate) struct Errors(Vec<syn::Error>);

impl Errors {
    pub(crate) fn push(&mut self, e: syn::Error) {
        self.0.push(e);
    }

    pub(crate) fn spanned<T: quote::ToTokens>(&mut self, tokens: T, msg: impl std::fmt::Display) {
        self.0.push(syn::Error::new_spanned(tokens, msg));
    }

    /// All errors as one, or `None` if there were none.
    pub(crate) fn combined(self) -> Option<syn::Error> {
        self.0.into_iter().reduce(|mut a, b| {
            a.combine(b);
            a
        })
    }
}

/// A key that may be given once, remembering where it was given.
pub(crate) struct Once<T> {
    key: &'static str,
    value: Option<(Span, T)>,
}

impl<T> Once<T> {
    fn new(key: &'static str) -> Self {
        Once { key, value: None }
    }

    fn set(&mut self, span: Span, value: T, errors: &mut Errors) {
        if self.value.is_some() {
            errors.push(syn::Error::new(
                span,
                format!("duplicate #[pooled({})] attribute", self.key),
            ));
        } else {
            self.value = Some((span, value));
        }
    }

    pub(crate) fn get(&self) -> Option<&T> {
        self.value.as_ref().map(|(_, v)| v)
    }

    pub(crate) fn span(&self) -> Option<Span> {
        self.value.as_ref().map(|(s, _)| *s)
    }
}

/// Attributes on the type.
pub(crate) struct TypeAttrs {
    pub(crate) krate: Once<Path>,
    pub(crate) capacity: Once<LitInt>,
    pub(crate) bounded: Once<()>,
    pub(crate) factory: Once<Path>,
    pub(crate) handle: Once<Ident>,
    pub(crate) rent: Once<Ident>,
    pub(crate) rent_mut: Once<Ident>,
}

/// How a field is reset.
pub(crate) enum ResetWith {
    /// `Reset::reset(&mut field)`.
    Trait,
    /// `field = Default::default()`.
    Default,
    /// `path(&mut field)`.
    Func(Path),
    /// Left as it is.
    Skip,
}

/// Attributes on a field.
pub(crate) struct FieldAttrs {
    pub(crate) reset: Once<ResetWith>,
    /// The first `#[pooled]` attribute, for errors about fields that may have none.
    pub(crate) first: Option<Span>,
}

impl FieldAttrs {
    pub(crate) fn reset_with(&self) -> &ResetWith {
        self.reset.get().unwrap_or(&ResetWith::Trait)
    }
}

fn pooled_attrs(attrs: &[Attribute]) -> impl Iterator<Item = &Attribute> {
    attrs.iter().filter(|a| a.path().is_ident("pooled"))
}

/// Parses `#[pooled(...)]` on the type.
pub(crate) fn type_attrs(attrs: &[Attribute], errors: &mut Errors) -> TypeAttrs {
    let mut t = TypeAttrs {
        krate: Once::new("crate"),
        capacity: Once::new("capacity"),
        bounded: Once::new("bounded"),
        factory: Once::new("factory"),
        handle: Once::new("handle"),
        rent: Once::new("rent"),
        rent_mut: Once::new("rent_mut"),
    };
    for attr in pooled_attrs(attrs) {
        let result = attr.parse_nested_meta(|meta| {
            let span = meta
                .path
                .get_ident()
                .map_or_else(Span::call_site, Ident::span);
            if meta.path.is_ident("crate") {
                // #[pooled(crate = "path::to::pool_core")]
                let s: LitStr = meta.value()?.parse()?;
                let path = s.parse::<Path>()?;
                t.krate.set(span, path, errors);
            } else if meta.path.is_ident("capacity") {
                // #[pooled(capacity = 1024)]
                let n: LitInt = meta.value()?.parse()?;
                if !matches!(n.suffix(), "" | "usize") {
                    return Err(syn::Error::new(
                        n.span(),
                        format!(
                            "#[pooled(capacity)] is a `usize`: write `{}` without the `{}` suffix",
                            n.base10_digits(),
                            n.suffix()
                        ),
                    ));
                }
                n.base10_parse::<usize>()?;
                // Emitted without a suffix, so it is a `usize` wherever it is used.
                let n = LitInt::new(n.base10_digits(), n.span());
                t.capacity.set(span, n, errors);
            } else if meta.path.is_ident("bounded") {
                // #[pooled(bounded)]
                if meta.input.peek(syn::Token![=]) {
                    return Err(meta.error("#[pooled(bounded)] takes no value"));
                }
                t.bounded.set(span, (), errors);
            } else if meta.path.is_ident("factory") {
                // #[pooled(factory = path::to::fn)]
                let path: Path = meta.value()?.parse()?;
                t.factory.set(span, path, errors);
            } else if meta.path.is_ident("handle") {
                // #[pooled(handle = PacketId)]
                t.handle.set(span, meta.value()?.parse()?, errors);
            } else if meta.path.is_ident("rent") {
                // #[pooled(rent = PacketRef)]
                t.rent.set(span, meta.value()?.parse()?, errors);
            } else if meta.path.is_ident("rent_mut") {
                // #[pooled(rent_mut = PacketMut)]
                t.rent_mut.set(span, meta.value()?.parse()?, errors);
            } else if meta.path.is_ident("reset") || meta.path.is_ident("skip") {
                return Err(meta
                    .error("#[pooled(reset)] and #[pooled(skip)] go on fields, not on the type"));
            } else {
                return Err(meta.error(
                    "unknown #[pooled] attribute; expected one of `crate`, `capacity`, \
                     `bounded`, `factory`, `handle`, `rent`, `rent_mut`",
                ));
            }
            Ok(())
        });
        if let Err(e) = result {
            errors.push(e);
        }
    }
    t
}

/// Parses `#[pooled(...)]` on a field.
pub(crate) fn field_attrs(attrs: &[Attribute], errors: &mut Errors) -> FieldAttrs {
    let mut f = FieldAttrs {
        reset: Once::new("reset"),
        first: None,
    };
    for attr in pooled_attrs(attrs) {
        f.first.get_or_insert_with(|| {
            attr.path()
                .get_ident()
                .map_or_else(Span::call_site, Ident::span)
        });
        let result = attr.parse_nested_meta(|meta| {
            let span = meta
                .path
                .get_ident()
                .map_or_else(Span::call_site, Ident::span);
            if meta.path.is_ident("reset") {
                // #[pooled(reset = default)] or #[pooled(reset = path::to::fn)]
                let expr: Expr = meta.value()?.parse()?;
                let with = match expr {
                    Expr::Path(p) if p.qself.is_none() && p.path.is_ident("default") => {
                        ResetWith::Default
                    }
                    Expr::Path(p) if p.qself.is_none() => ResetWith::Func(p.path),
                    Expr::Lit(ExprLit {
                        lit: Lit::Str(s), ..
                    }) => {
                        return Err(syn::Error::new_spanned(
                            s,
                            "expected `default` or a path to a function, not a string: \
                             #[pooled(reset = default)] or #[pooled(reset = path::to::fn)]",
                        ))
                    }
                    other => {
                        return Err(syn::Error::new_spanned(
                            other,
                            "expected `default` or a path to a function: \
                             #[pooled(reset = default)] or #[pooled(reset = path::to::fn)]",
                        ))
                    }
                };
                f.reset.set(span, with, errors);
            } else if meta.path.is_ident("skip") {
                // #[pooled(skip)]
                if meta.input.peek(syn::Token![=]) {
                    return Err(meta.error("#[pooled(skip)] takes no value"));
                }
                f.reset.set(span, ResetWith::Skip, errors);
            } else {
                return Err(meta.error(
                    "unknown #[pooled] field attribute; expected `reset = default`, \
                     `reset = path::to::fn` or `skip`",
                ));
            }
            Ok(())
        });
        if let Err(e) = result {
            errors.push(e);
        }
    }
    f
}
