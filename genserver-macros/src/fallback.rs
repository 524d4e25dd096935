//! What is emitted when the input has mistakes: the user's impl block,
//! unchanged but for the handler attributes, next to every error. The impl
//! keeps the IDE working and spares the user a cascade of follow-on errors.

use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::{ImplItem, ItemImpl};

use crate::attr;

/// The user's impl block without the attributes `#[gen_server]` consumes.
///
/// Handlers must take owned arguments and a receiver even where their body
/// only borrows the argument or ignores `self`: the two pedantic lints that
/// would flag the signatures `#[gen_server]` requires are allowed on them.
///
/// Each type parameter gets `Send + 'static` on the impl too: a server is
/// only a `GenServer` with them, and a handler that names `Context<Self>`
/// needs `Self` to be one.
pub(crate) fn strip(original: &ItemImpl) -> ItemImpl {
    let mut item = original.clone();
    let params: Vec<syn::Ident> = item
        .generics
        .type_params()
        .map(|p| p.ident.clone())
        .collect();
    if !params.is_empty() {
        let where_clause = item.generics.make_where_clause();
        for param in params {
            where_clause
                .predicates
                .push(syn::parse_quote!(#param: ::core::marker::Send + 'static));
        }
    }
    for item in &mut item.items {
        if let ImplItem::Fn(method) = item {
            let len = method.attrs.len();
            method.attrs.retain(|attr| !attr::is_kind_attr(attr));
            if method.attrs.len() != len {
                method.attrs.push(syn::parse_quote!(
                    #[allow(clippy::needless_pass_by_value, clippy::unused_self)]
                ));
            }
        }
    }
    item
}

/// The user's impl block, what could still be generated, and the errors.
pub(crate) fn emit(
    original: &ItemImpl,
    errors: Option<syn::Error>,
    generated: TokenStream,
) -> TokenStream {
    let mut tokens = strip(original).into_token_stream();
    tokens.extend(generated);
    if let Some(errors) = errors {
        tokens.extend(errors.to_compile_error());
    }
    tokens
}
