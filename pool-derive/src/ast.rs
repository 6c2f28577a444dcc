//! The derive input in the shape the expansion needs, keeping the original syntax nodes
//! for spans.

use syn::{Data, DeriveInput, Fields, Index, Member, Type};

use crate::attr::{self, Errors, FieldAttrs, TypeAttrs};

pub(crate) struct Field<'a> {
    pub(crate) original: &'a syn::Field,
    pub(crate) member: Member,
    pub(crate) ty: &'a Type,
    pub(crate) attrs: FieldAttrs,
}

pub(crate) enum Shape<'a> {
    Struct(Vec<Field<'a>>),
    /// Enums reset through `Default`; their fields are kept for attribute checks.
    Enum(Vec<Field<'a>>),
    Union,
}

pub(crate) struct Input<'a> {
    pub(crate) original: &'a DeriveInput,
    pub(crate) attrs: TypeAttrs,
    pub(crate) shape: Shape<'a>,
}

impl<'a> Input<'a> {
    pub(crate) fn from_syn(input: &'a DeriveInput, errors: &mut Errors) -> Input<'a> {
        let attrs = attr::type_attrs(&input.attrs, errors);
        let shape = match &input.data {
            Data::Struct(s) => Shape::Struct(fields(&s.fields, errors)),
            Data::Enum(e) => Shape::Enum(
                e.variants
                    .iter()
                    .flat_map(|v| fields(&v.fields, errors))
                    .collect(),
            ),
            Data::Union(_) => Shape::Union,
        };
        Input {
            original: input,
            attrs,
            shape,
        }
    }
}

fn fields<'a>(fields: &'a Fields, errors: &mut Errors) -> Vec<Field<'a>> {
    fields
        .iter()
        .enumerate()
        .map(|(i, f)| Field {
            original: f,
            member: match &f.ident {
                Some(ident) => Member::Named(ident.clone()),
                None => Member::Unnamed(Index::from(i)),
            },
            ty: &f.ty,
            attrs: attr::field_attrs(&f.attrs, errors),
        })
        .collect()
}
