//! What is emitted when the input has mistakes: the user's impl block,
//! unchanged but for the handler attributes, next to every error. The impl
//! keeps the IDE working and spares the user a cascade of follow-on errors.

use proc_macro2::{Delimiter, Group, TokenStream, TokenTree};
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
                // Before the user's own lint attributes, which override it.
                let first_lint = method.attrs.iter().position(attr::is_lint);
                method.attrs.insert(
                    first_lint.unwrap_or(method.attrs.len()),
                    syn::parse_quote!(
                        #[allow(clippy::needless_pass_by_value, clippy::unused_self)]
                    ),
                );
            }
        }
    }
    item
}

/// The user's impl block (as `strip` or `strip_tokens` leave it), what
/// could still be generated, and the errors.
pub(crate) fn emit(
    user_impl: TokenStream,
    errors: Option<syn::Error>,
    generated: TokenStream,
) -> TokenStream {
    let mut tokens = user_impl;
    tokens.extend(generated);
    if let Some(errors) = errors {
        tokens.extend(errors.to_compile_error());
    }
    tokens
}

/// The impl block's items: the last top-level brace group, when the input
/// is an `impl` ending with one.
fn impl_body(tokens: &[TokenTree]) -> Option<&Group> {
    let is_impl = tokens
        .iter()
        .any(|token| matches!(token, TokenTree::Ident(ident) if ident == "impl"));
    match tokens.last() {
        Some(TokenTree::Group(group)) if is_impl && group.delimiter() == Delimiter::Brace => {
            Some(group)
        }
        _ => None,
    }
}

/// `tokens` with its impl body's stream mapped by `map`.
fn map_impl_body(
    input: TokenStream,
    map: impl FnOnce(TokenStream) -> TokenStream,
) -> Option<TokenStream> {
    let mut tokens: Vec<TokenTree> = input.into_iter().collect();
    let body = impl_body(&tokens)?;
    let mut mapped = Group::new(Delimiter::Brace, map(body.stream()));
    mapped.set_span(body.span());
    *tokens.last_mut()? = TokenTree::Group(mapped);
    Some(tokens.into_iter().collect())
}

/// An impl block `syn` could not parse, read again with every brace group
/// among its items emptied (the bodies of its methods, mostly): enough to
/// generate the server from its signatures. `None` when the mistake is not
/// inside such a group.
pub(crate) fn skeleton(input: &TokenStream) -> Option<ItemImpl> {
    let emptied = map_impl_body(input.clone(), |body| {
        body.into_iter()
            .map(|token| match token {
                TokenTree::Group(group) if group.delimiter() == Delimiter::Brace => {
                    let mut empty = Group::new(Delimiter::Brace, TokenStream::new());
                    empty.set_span(group.span());
                    TokenTree::Group(empty)
                }
                other => other,
            })
            .collect()
    })?;
    syn::parse2(emptied).ok()
}

/// Input `syn` could not parse, as written but for the handler attributes
/// among the impl's items, which would otherwise each report that they are
/// outside `#[gen_server]`.
pub(crate) fn strip_tokens(input: TokenStream) -> TokenStream {
    let allow: TokenStream = quote::quote!(
        #[allow(clippy::needless_pass_by_value, clippy::unused_self)]
    );
    map_impl_body(input.clone(), |body| {
        let mut out = TokenStream::new();
        let mut tokens = body.into_iter().peekable();
        while let Some(token) = tokens.next() {
            let is_pound = matches!(&token, TokenTree::Punct(p) if p.as_char() == '#');
            if is_pound
                && let Some(TokenTree::Group(group)) = tokens.peek()
                && group.delimiter() == Delimiter::Bracket
                && is_kind_attr_tokens(group)
            {
                tokens.next();
                out.extend(allow.clone());
                continue;
            }
            out.extend([token]);
        }
        out
    })
    .unwrap_or(input)
}

/// `[call]`, `[call(timeout = ..)]` and the other handler attributes.
fn is_kind_attr_tokens(group: &Group) -> bool {
    let mut tokens = group.stream().into_iter();
    let named = matches!(
        tokens.next(),
        Some(TokenTree::Ident(ident)) if attr::Kind::ALL.iter().any(|(name, _)| ident == name)
    );
    let rest = match tokens.next() {
        None => true,
        Some(TokenTree::Group(args)) => args.delimiter() == Delimiter::Parenthesis,
        Some(_) => false,
    };
    named && rest && tokens.next().is_none()
}
