//! Code generation: `derive` → `try_expand` → impls, aliases and (on error) a fallback.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::{DeriveInput, GenericParam, Generics, Ident, Type, WherePredicate};

use crate::ast::{Field, Input, Shape};
use crate::attr::{Errors, ResetWith};
use crate::dummy::wrap_in_const;
use crate::valid::validate;

pub(crate) fn derive(input: &DeriveInput) -> TokenStream {
    let mut errors = Errors::default();
    let parsed = Input::from_syn(input, &mut errors);
    validate(&parsed, &mut errors);
    let krate = krate(&parsed);
    let aliases = aliases(&parsed, &krate);
    match errors.combined() {
        None => {
            let impls = impls(&parsed, &krate);
            quote! { #aliases #impls }
        }
        Some(err) => {
            // Report every error, and give the type stub impls and its aliases so that
            // code using it does not drown in follow-on errors.
            let errors = err.to_compile_error();
            let fallback = fallback(input, &krate);
            quote! { #errors #aliases #fallback }
        }
    }
}

fn krate(input: &Input<'_>) -> TokenStream {
    match input.attrs.krate.get() {
        Some(path) => path.to_token_stream(),
        None => quote!(::pool_core),
    }
}

/// `Reset` and `Pooled` impls.
fn impls(input: &Input<'_>, krate: &TokenStream) -> TokenStream {
    let ident = &input.original.ident;
    let (impl_generics, ty_generics, where_clause) = input.original.generics.split_for_impl();
    let mut where_clause = where_clause
        .cloned()
        .unwrap_or_else(|| syn::parse_quote!(where));
    let body = match &input.shape {
        Shape::Struct(fields) => {
            let params = type_params(&input.original.generics);
            for f in fields.iter().filter(|f| mentions(f.ty, &params)) {
                // A field of generic type gets the bound its reset needs in the where
                // clause; concrete field types are checked at the field instead.
                let ty = f.ty;
                let pred: Option<WherePredicate> = match f.attrs.reset_with() {
                    ResetWith::Trait => {
                        Some(syn::parse_quote_spanned!(ty.span()=> #ty: #krate::Reset))
                    }
                    ResetWith::Default => Some(syn::parse_quote_spanned!(ty.span()=>
                        #ty: ::core::default::Default
                    )),
                    ResetWith::Func(_) | ResetWith::Skip => None,
                };
                where_clause.predicates.extend(pred);
            }
            let resets = fields.iter().map(|f| reset_field(f, krate));
            quote! { #(#resets)* }
        }
        Shape::Enum(_) => {
            // A generic enum is `Default` only for some arguments: say so in the bounds.
            // A concrete one is checked in the body, where the error reads plainly.
            if !input.original.generics.params.is_empty() {
                let pred: WherePredicate = syn::parse_quote_spanned!(ident.span()=>
                    #ident #ty_generics: ::core::default::Default
                );
                where_clause.predicates.push(pred);
            }
            quote_spanned! {ident.span()=>
                *self = <#ident #ty_generics as ::core::default::Default>::default();
            }
        }
        // Rejected by validation; `derive` emits the fallback instead of calling this.
        Shape::Union => TokenStream::new(),
    };
    let name = ident.to_string();
    let capacity = match input.attrs.capacity.get() {
        Some(n) => quote!(#n),
        None => quote!(0),
    };
    let bounded = input.attrs.bounded.get().is_some();
    let factory = input.attrs.factory.get().map(|path| {
        quote! {
            fn factory() -> ::core::option::Option<fn() -> Self> {
                ::core::option::Option::Some(#path)
            }
        }
    });
    wrap_in_const(quote! {
        #[automatically_derived]
        impl #impl_generics #krate::Reset for #ident #ty_generics #where_clause {
            #[inline]
            fn reset(&mut self) {
                #body
            }
        }

        #[automatically_derived]
        impl #impl_generics #krate::Pooled for #ident #ty_generics #where_clause {
            const NAME: &'static str = #name;
            const CAPACITY: usize = #capacity;
            const BOUNDED: bool = #bounded;
            #factory
        }
    })
}

/// The statement resetting one field, spanned at the field so errors point there.
fn reset_field(f: &Field<'_>, krate: &TokenStream) -> TokenStream {
    let member = &f.member;
    match f.attrs.reset_with() {
        ResetWith::Trait => {
            let ty = f.ty;
            quote_spanned! {ty.span()=>
                <#ty as #krate::Reset>::reset(&mut self.#member);
            }
        }
        ResetWith::Default => {
            let span = f.original.span();
            quote_spanned! {span=>
                self.#member = ::core::default::Default::default();
            }
        }
        ResetWith::Func(path) => {
            quote_spanned! {path.span()=>
                #path(&mut self.#member);
            }
        }
        ResetWith::Skip => TokenStream::new(),
    }
}

/// Stub impls emitted with errors.
fn fallback(input: &DeriveInput, krate: &TokenStream) -> TokenStream {
    let ident = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    wrap_in_const(quote! {
        impl #impl_generics #krate::Reset for #ident #ty_generics #where_clause {
            fn reset(&mut self) {}
        }
        impl #impl_generics #krate::Pooled for #ident #ty_generics #where_clause {}
    })
}

/// `PacketHandle`, `PacketRent<'a>` and `PacketRentMut<'a>`, with the type's visibility.
fn aliases(input: &Input<'_>, krate: &TokenStream) -> TokenStream {
    let original = input.original;
    let ident = &original.ident;
    let vis = &original.vis;
    let name = |o: Option<&Ident>, suffix: &str| {
        o.cloned()
            .unwrap_or_else(|| format_ident!("{}{}", ident, suffix, span = ident.span()))
    };
    let handle = name(input.attrs.handle.get(), "Handle");
    let rent = name(input.attrs.rent.get(), "Rent");
    let rent_mut = name(input.attrs.rent_mut.get(), "RentMut");
    let params = alias_params(&original.generics);
    let args = alias_args(&original.generics);
    let lt = fresh_lifetime(&original.generics);
    let target = quote!(#ident #args);
    let doc_handle = format!("A handle to a [`{ident}`] in a pool.");
    let doc_rent = format!("A shared rent guard of a [`{ident}`].");
    let doc_rent_mut = format!("An exclusive rent guard of a [`{ident}`].");
    let (p_open, p_close) = if params.is_empty() {
        (quote!(), quote!())
    } else {
        (quote!(<), quote!(>))
    };
    quote! {
        #[doc = #doc_handle]
        #[allow(unused_qualifications)]
        #vis type #handle #p_open #(#params),* #p_close = #krate::Handle<#target>;
        #[doc = #doc_rent]
        #[allow(unused_qualifications)]
        #vis type #rent<#lt #(, #params)*> = #krate::Rent<#lt, #target>;
        #[doc = #doc_rent_mut]
        #[allow(unused_qualifications)]
        #vis type #rent_mut<#lt #(, #params)*> = #krate::RentMut<#lt, #target>;
    }
}

/// The guard aliases' lifetime: `'__pool`, or `'__pool1`, `'__pool2`, ... if the type
/// already has a lifetime of that name.
fn fresh_lifetime(generics: &Generics) -> syn::Lifetime {
    let taken = |name: &str| generics.lifetimes().any(|l| l.lifetime.ident == name);
    let mut name = String::from("__pool");
    let mut n = 0u32;
    while taken(&name) {
        n += 1;
        name = format!("__pool{n}");
    }
    syn::Lifetime::new(&format!("'{name}"), Span::call_site())
}

/// The type's generic parameters without bounds (type aliases do not check bounds) but
/// with their defaults, so `FooHandle` works wherever `Foo` does without arguments.
fn alias_params(generics: &Generics) -> Vec<TokenStream> {
    generics
        .params
        .iter()
        .map(|p| match p {
            GenericParam::Lifetime(l) => l.lifetime.to_token_stream(),
            GenericParam::Type(t) => {
                let ident = &t.ident;
                match &t.default {
                    Some(default) => quote!(#ident = #default),
                    None => quote!(#ident),
                }
            }
            GenericParam::Const(c) => {
                let (ident, ty) = (&c.ident, &c.ty);
                match &c.default {
                    Some(default) => quote!(const #ident: #ty = #default),
                    None => quote!(const #ident: #ty),
                }
            }
        })
        .collect()
}

fn alias_args(generics: &Generics) -> TokenStream {
    if generics.params.is_empty() {
        return TokenStream::new();
    }
    let args = generics.params.iter().map(|p| match p {
        GenericParam::Lifetime(l) => l.lifetime.to_token_stream(),
        GenericParam::Type(t) => t.ident.to_token_stream(),
        GenericParam::Const(c) => c.ident.to_token_stream(),
    });
    quote!(<#(#args),*>)
}

fn type_params(generics: &Generics) -> Vec<Ident> {
    generics.type_params().map(|t| t.ident.clone()).collect()
}

/// Whether `ty` mentions one of the type parameters (then its `Reset` bound goes in the
/// where clause; concrete field types are checked at the field instead).
fn mentions(ty: &Type, params: &[Ident]) -> bool {
    if params.is_empty() {
        return false;
    }
    ty.to_token_stream()
        .into_iter()
        .any(|tt| tt_mentions(&tt, params))
}

fn tt_mentions(tt: &proc_macro2::TokenTree, params: &[Ident]) -> bool {
    match tt {
        proc_macro2::TokenTree::Ident(i) => params.iter().any(|p| p == i),
        proc_macro2::TokenTree::Group(g) => g.stream().into_iter().any(|t| tt_mentions(&t, params)),
        _ => false,
    }
}
