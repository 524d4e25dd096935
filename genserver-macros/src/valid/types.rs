//! The types that cross tasks (owned, sized, `'static`), and the shapes
//! `#[init]` may return.

use proc_macro2::TokenStream;
use quote::{ToTokens, quote};
use syn::{GenericParam, PathArguments, ReturnType, Type};

use crate::ast::{self, Server};
use crate::ctxt::Ctxt;

/// Message arguments and replies cross tasks: no borrowed or unnamed types.
pub(super) fn check_owned(cx: &Ctxt, ty: &Type, what: &str) {
    match ty {
        Type::Reference(reference) => {
            let is_static = reference.lifetime.as_ref().is_some_and(|l| l.ident == "static");
            if !is_static {
                let hint = match &*reference.elem {
                    Type::Path(path) if path.path.is_ident("str") => "use `String` instead of `&str`",
                    Type::Slice(_) => "use `Vec<T>` instead of `&[T]`",
                    _ => "use an owned type instead of a reference",
                };
                cx.error_spanned_by(ty, format!("{what} must be owned: {hint}"));
            }
        }
        Type::ImplTrait(_) => cx.error_spanned_by(
            ty,
            format!("{what} cannot be `impl Trait`: the message enum needs a named type; use a generic parameter on the impl block, or `Box<dyn Trait + Send>`"),
        ),
        Type::TraitObject(_) => cx.error_spanned_by(
            ty,
            format!("{what} must be sized: use `Box<dyn Trait + Send>` instead of `dyn Trait`"),
        ),
        // Unsized by value: rustc reports it in the handler's signature.
        Type::Slice(_) => cx.left_to_rustc(),
        Type::Path(path) if path.qself.is_none() && path.path.is_ident("str") => {
            cx.left_to_rustc();
        }
        Type::Paren(inner) => check_owned(cx, &inner.elem, what),
        Type::Group(inner) => check_owned(cx, &inner.elem, what),
        _ => {
            if placeholder(ty).is_some() {
                // rustc reports a `_` in the handler's signature (E0121).
                cx.left_to_rustc();
            } else if let Some(lifetime) = borrowed_lifetime(ty) {
                cx.error_spanned_by(
                    lifetime,
                    format!(
                        "{what} must be `'static`: they move to the server's task, so they \
                         cannot borrow; use an owned type, or `'static` data"
                    ),
                );
            }
        }
    }
}

/// The first `_` in `ty`, which rustc rejects in signatures.
fn placeholder(ty: &Type) -> Option<&Type> {
    match ty {
        Type::Infer(_) => Some(ty),
        Type::Path(path) => path
            .qself
            .as_ref()
            .and_then(|qself| placeholder(&qself.ty))
            .or_else(|| placeholder_in_path(&path.path)),
        Type::Tuple(tuple) => tuple.elems.iter().find_map(placeholder),
        Type::Array(array) => placeholder(&array.elem),
        Type::Slice(slice) => placeholder(&slice.elem),
        Type::Paren(inner) => placeholder(&inner.elem),
        Type::Group(inner) => placeholder(&inner.elem),
        Type::Ptr(pointer) => placeholder(&pointer.elem),
        Type::Reference(reference) => placeholder(&reference.elem),
        Type::TraitObject(object) => object.bounds.iter().find_map(|bound| match bound {
            syn::TypeParamBound::Trait(bound) => placeholder_in_path(&bound.path),
            _ => None,
        }),
        _ => None,
    }
}

fn placeholder_in_path(path: &syn::Path) -> Option<&Type> {
    path.segments
        .iter()
        .find_map(|segment| match &segment.arguments {
            PathArguments::AngleBracketed(args) => args.args.iter().find_map(|arg| match arg {
                syn::GenericArgument::Type(ty) => placeholder(ty),
                syn::GenericArgument::AssocType(assoc) => placeholder(&assoc.ty),
                _ => None,
            }),
            PathArguments::Parenthesized(args) => {
                let output = match &args.output {
                    ReturnType::Type(_, ty) => Some(&**ty),
                    ReturnType::Default => None,
                };
                args.inputs
                    .iter()
                    .map(|arg| &arg.ty)
                    .chain(output)
                    .find_map(placeholder)
            }
            PathArguments::None => None,
        })
}

/// The first borrow inside `ty` that is not `'static`, as its tokens: a
/// reference (`&str`, `&'a T`) or a lifetime argument (`Cow<'a, str>`).
/// Lifetimes that only exist inside a type, which are not borrows the
/// message makes, are allowed: `Fn(&str)` sugar, `fn(&str)` pointers, and
/// lifetimes bound by `for<'a>`.
fn borrowed_lifetime(ty: &Type) -> Option<TokenStream> {
    borrow_in(ty, &[])
}

fn is_allowed(lifetime: &syn::Lifetime, bound: &[&syn::Lifetime]) -> bool {
    lifetime.ident == "static" || bound.iter().any(|b| b.ident == lifetime.ident)
}

fn borrow_in(ty: &Type, bound: &[&syn::Lifetime]) -> Option<TokenStream> {
    match ty {
        Type::Reference(reference) => match &reference.lifetime {
            Some(lifetime) if is_allowed(lifetime, bound) => borrow_in(&reference.elem, bound),
            lifetime => {
                let and = reference.and_token;
                Some(quote!(#and #lifetime))
            }
        },
        Type::Path(path) => {
            if let Some(qself) = &path.qself
                && let Some(found) = borrow_in(&qself.ty, bound)
            {
                return Some(found);
            }
            borrow_in_path(&path.path, bound)
        }
        Type::Tuple(tuple) => tuple.elems.iter().find_map(|elem| borrow_in(elem, bound)),
        Type::Array(array) => borrow_in(&array.elem, bound),
        Type::Slice(slice) => borrow_in(&slice.elem, bound),
        Type::Paren(inner) => borrow_in(&inner.elem, bound),
        Type::Group(inner) => borrow_in(&inner.elem, bound),
        Type::Ptr(pointer) => borrow_in(&pointer.elem, bound),
        Type::TraitObject(object) => borrow_in_bounds(&object.bounds, bound),
        Type::ImplTrait(object) => borrow_in_bounds(&object.bounds, bound),
        // `fn(&str) -> &str`: its lifetimes are the pointer's own.
        _ => None,
    }
}

fn borrow_in_path(path: &syn::Path, bound: &[&syn::Lifetime]) -> Option<TokenStream> {
    path.segments
        .iter()
        .find_map(|segment| match &segment.arguments {
            PathArguments::AngleBracketed(args) => args.args.iter().find_map(|arg| match arg {
                syn::GenericArgument::Type(ty) => borrow_in(ty, bound),
                syn::GenericArgument::Lifetime(lifetime) if !is_allowed(lifetime, bound) => {
                    Some(lifetime.to_token_stream())
                }
                syn::GenericArgument::AssocType(assoc) => borrow_in(&assoc.ty, bound),
                _ => None,
            }),
            // `Fn(&str) -> &str`: elided lifetimes there are higher-ranked.
            PathArguments::Parenthesized(_) | PathArguments::None => None,
        })
}

fn borrow_in_bounds<'a>(
    bounds: impl IntoIterator<Item = &'a syn::TypeParamBound>,
    bound: &[&syn::Lifetime],
) -> Option<TokenStream> {
    bounds.into_iter().find_map(|param| match param {
        syn::TypeParamBound::Trait(trait_bound) => {
            let mut inner: Vec<&syn::Lifetime> = bound.to_vec();
            if let Some(hrtb) = &trait_bound.lifetimes {
                inner.extend(hrtb.lifetimes.iter().filter_map(|param| match param {
                    GenericParam::Lifetime(def) => Some(&def.lifetime),
                    _ => None,
                }));
            }
            borrow_in_path(&trait_bound.path, &inner)
        }
        syn::TypeParamBound::Lifetime(lifetime) if !is_allowed(lifetime, bound) => {
            Some(lifetime.to_token_stream())
        }
        _ => None,
    })
}

/// What an `#[init]` returns.
pub(crate) struct InitReturn<'a> {
    /// `Result<_, E>`: init can fail with `E`.
    pub(crate) error: Option<&'a Type>,
    /// `Option<Self>`: init can choose not to start.
    pub(crate) optional: bool,
}

/// What `#[init]` returns, or `None` if it is not one of `Self`,
/// `Option<Self>`, `Result<Self, E>` and `Result<Option<Self>, E>`.
pub(crate) fn init_return<'a>(
    server: &Server<'_>,
    output: &'a ReturnType,
) -> Option<InitReturn<'a>> {
    let ReturnType::Type(_, ty) = output else {
        return None;
    };
    let (ok, error) = match result_types(ty) {
        Some((ok, error)) => (ok, Some(error)),
        None => (&**ty, None),
    };
    let (state, optional) = match ast::single_type_argument(ok, "Option") {
        Some(state) => (state, true),
        None => (ok, false),
    };
    is_self(server, state).then_some(InitReturn { error, optional })
}

/// `Result<T, E>`: `T` and `E`.
fn result_types(ty: &Type) -> Option<(&Type, &Type)> {
    let Type::Path(path) = ty else { return None };
    let last = path.path.segments.last()?;
    if last.ident != "Result" {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    let mut types = args.args.iter().filter_map(|arg| match arg {
        syn::GenericArgument::Type(ty) => Some(ty),
        _ => None,
    });
    match (types.next(), types.next(), types.next()) {
        (Some(ok), Some(error), None) => Some((ok, error)),
        _ => None,
    }
}

pub(super) fn is_self(server: &Server<'_>, ty: &Type) -> bool {
    match ast::ungrouped(ty) {
        Type::Path(path) if path.qself.is_none() => {
            path.path.is_ident("Self")
                || path
                    .path
                    .segments
                    .last()
                    .is_some_and(|segment| segment.ident == *server.ident)
        }
        _ => false,
    }
}

pub(super) fn is_unit(ty: &Type) -> bool {
    matches!(ty, Type::Tuple(tuple) if tuple.elems.is_empty())
}
