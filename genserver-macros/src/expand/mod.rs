//! IR to code, one file per generated item: the message enum
//! (`message.rs`), the info enum (`info.rs`), the client (`client.rs`), the
//! `GenServer` impl with its dispatch and default callbacks (`dispatch.rs`),
//! and `start`, `start_named`, `start_with` (`start.rs`). This file wires
//! them, and holds what they share.

pub(crate) mod bounds;
mod client;
mod dispatch;
mod info;
mod message;
mod notice;
mod start;

use proc_macro2::{Group, Spacing, TokenStream, TokenTree};
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Attribute, Generics, Ident, Item, ReturnType, Type};

use crate::ast::{Handler, Role, Server};
use crate::attr::{Args, Kind};
use crate::ctxt::Ctxt;
use crate::fallback;
use crate::valid::{self, Part, Validity};

/// The whole attribute: parse, check, then expand or fall back.
///
/// Input `syn` cannot parse, such as a handler body missing a `;`, is
/// emitted as written, so that rustc reports the syntax error itself, and
/// the server is still generated from the signatures around it: no error
/// follows where the server is used.
pub(crate) fn gen_server(args: TokenStream, input: TokenStream) -> TokenStream {
    let (item, unparsed) = match syn::parse2::<Item>(input.clone()) {
        Ok(item) => (item, None),
        Err(error) => {
            let Some(skeleton) = fallback::skeleton(&input) else {
                let mut tokens = fallback::strip_tokens(input);
                tokens.extend(error.to_compile_error());
                return tokens;
            };
            (Item::Impl(skeleton), Some(input.clone()))
        }
    };
    let Item::Impl(original) = &item else {
        let mut tokens = input;
        tokens.extend(
            syn::Error::new_spanned(not_an_impl_target(&item), not_an_impl(&item))
                .to_compile_error(),
        );
        return tokens;
    };
    let user_impl = match unparsed {
        Some(input) => fallback::strip_tokens(input),
        None => fallback::strip(original).into_token_stream(),
    };
    let cx = Ctxt::new();
    let args = Args::parse(&cx, args);
    let Some(mut server) = Server::from_syn(&cx, original, args) else {
        return fallback::emit(user_impl, cx.check().err().flatten(), TokenStream::new());
    };
    let validity = valid::check(&cx, &server);
    match cx.check() {
        Ok(()) => {
            let mut tokens = user_impl;
            tokens.extend(generate(&server, true));
            tokens
        }
        Err(errors) => {
            let partial = partial(&mut server, &validity);
            fallback::emit(user_impl, errors, partial)
        }
    }
}

/// What can still be generated from input with mistakes: everything whose
/// own input passed its checks, so that uses of the server elsewhere in the
/// crate do not fail with errors of their own.
fn partial(server: &mut Server<'_>, validity: &Validity) -> TokenStream {
    if !validity.ok(Part::Impl) {
        return TokenStream::new();
    }
    valid::rename_clashes(server);
    let mut handler_ok = validity.handler_ok.iter().copied();
    server
        .handlers
        .retain(|_| handler_ok.next().unwrap_or(false));
    if !validity.ok(Part::Terminate) {
        server.terminates.clear();
    }
    if validity.ok(Part::Init) {
        generate(server, validity.ok(Part::Start))
    } else {
        // Without a valid `init`, neither `start` nor the `GenServer` impl
        // (whose `InitArg` comes from it) can be written.
        let mut tokens = message::message_enum(server);
        tokens.extend(info::info_enum(server));
        tokens
    }
}

/// `#[call]` and its siblings used where no `#[gen_server]` consumes them:
/// the item stays as written, with an error that says what is missing.
pub(crate) fn outside_gen_server(kind: &str, input: TokenStream) -> TokenStream {
    let target = match syn::parse2::<syn::ImplItemFn>(input.clone()) {
        Ok(method) => method.sig.ident.into_token_stream(),
        Err(_) => input.clone(),
    };
    let error = syn::Error::new_spanned(
        target,
        format!(
            "`#[{kind}]` only works on a method of an impl block marked `#[gen_server]`; \
             add `#[gen_server]` to the impl block"
        ),
    );
    let mut tokens = input;
    tokens.extend(error.to_compile_error());
    tokens
}

fn not_an_impl(item: &Item) -> String {
    let what = match item {
        Item::Struct(_) => "a struct",
        Item::Enum(_) => "an enum",
        Item::Fn(_) => "a function",
        Item::Trait(_) => "a trait",
        Item::Mod(_) => "a module",
        _ => "this item",
    };
    format!(
        "`#[gen_server]` goes on the impl block of your server type, such as \
         `#[gen_server] impl MyServer {{ .. }}`, not on {what}"
    )
}

/// The token to point at: the item's keyword and name where there is one.
fn not_an_impl_target(item: &Item) -> TokenStream {
    match item {
        Item::Struct(item) => {
            let (keyword, ident) = (&item.struct_token, &item.ident);
            quote!(#keyword #ident)
        }
        Item::Enum(item) => {
            let (keyword, ident) = (&item.enum_token, &item.ident);
            quote!(#keyword #ident)
        }
        Item::Fn(item) => {
            let (keyword, ident) = (&item.sig.fn_token, &item.sig.ident);
            quote!(#keyword #ident)
        }
        Item::Trait(item) => {
            let (keyword, ident) = (&item.trait_token, &item.ident);
            quote!(#keyword #ident)
        }
        other => other.to_token_stream(),
    }
}

/// Everything `#[gen_server]` writes beside the user's impl block.
fn generate(server: &Server<'_>, with_start: bool) -> TokenStream {
    let mut tokens = message::message_enum(server);
    tokens.extend(info::info_enum(server));
    tokens.extend(client::client(server));
    tokens.extend(dispatch::gen_server_impl(server));
    tokens.extend(notice::notice_impls(server));
    if with_start {
        tokens.extend(start::start_fns(server));
        tokens.extend(start::child_spec_fn(server));
    }
    tokens
}

/// The impl's generics with `Send + 'static` added for every type parameter,
/// which every server needs to move between threads, and for every type a
/// message carries. The latter predicates carry the user's own spans, so a
/// type that cannot cross threads is reported on the token that names it.
fn bounded_generics(server: &Server<'_>) -> Generics {
    let mut generics = plain_generics(server);
    let params: Vec<Ident> = generics
        .type_params()
        .map(|param| param.ident.clone())
        .collect();
    let where_clause = generics.make_where_clause();
    for param in params {
        where_clause
            .predicates
            .push(syn::parse_quote!(#param: ::core::marker::Send + 'static));
    }
    let self_ty = &server.original.self_ty;
    // The state itself moves to the server's task: a field that cannot is
    // reported once, on the impl's type, not at each use of it.
    where_clause
        .predicates
        .push(syn::parse_quote_spanned!(self_ty.span()=> #self_ty: ::core::marker::Send + 'static));
    // A predicate cannot be `cfg`'d out on stable Rust: handlers that may be
    // compiled out get none (their types are still checked, less precisely).
    let unconditional = server.handlers.iter().filter(|handler| {
        !handler
            .original
            .attrs
            .iter()
            .any(|attr| attr.path().is_ident("cfg") || attr.path().is_ident("cfg_attr"))
    });
    let init_args = server.init().into_iter().flat_map(|init| &init.args);
    let args = unconditional
        .clone()
        .flat_map(|handler| &handler.args)
        .chain(init_args)
        .filter(|arg| matches!(arg.role, Role::Field));
    let replies = unconditional.filter_map(|handler| match &handler.original.sig.output {
        _ if handler.kind != Kind::Call => None,
        _ if handler.reply_slot().is_some() => {
            handler.reply_slot().and_then(|arg| match arg.role {
                Role::Reply(reply) => Some(reply),
                _ => None,
            })
        }
        ReturnType::Type(_, ty) => Some(&**ty),
        ReturnType::Default => None,
    });
    let mut seen = Vec::new();
    for ty in args.map(|arg| &*arg.original.ty).chain(replies) {
        if bounds::higher_ranked(ty.to_token_stream()) {
            // Two such predicates on one type written two ways (an alias
            // and its definition) are ambiguous to rustc: the type's own
            // impls decide alone.
            continue;
        }
        if bounds::plainly_sendable(ty) {
            // Always true (`String: Send + 'static`): it would only clutter
            // the generated items' documentation.
            continue;
        }
        let replaced = replace_self(ty, self_ty);
        let key = replaced.to_string();
        if seen.contains(&key) {
            continue;
        }
        seen.push(key);
        // `Self<u8>` has no meaning once `Self` is replaced: rustc reports
        // it in the handler's signature.
        let predicate = quote_spanned!(ty.span()=> #replaced: ::core::marker::Send + 'static);
        if let Ok(predicate) = syn::parse2(predicate) {
            where_clause.predicates.push(predicate);
        }
    }
    generics
}

/// The impl's generics, with `Self` in its `where` clause replaced by the
/// server's type: on the generated enums and client, `Self` means those.
fn plain_generics(server: &Server<'_>) -> Generics {
    let mut generics = server.original.generics.clone();
    let self_ty = &server.original.self_ty;
    if let Some(where_clause) = &mut generics.where_clause {
        for predicate in &mut where_clause.predicates {
            let replaced = replace_self_tokens(predicate.to_token_stream(), self_ty);
            if let Ok(replaced) = syn::parse2(replaced) {
                *predicate = replaced;
            }
        }
    }
    generics
}

/// The name of a call variant's reply field: `reply_to`, unless a field
/// already has that name.
fn reply_field(handler: &Handler<'_>) -> Ident {
    let taken = handler
        .fields()
        .any(|arg| arg.ident.is_some_and(|ident| ident == "reply_to"));
    if taken {
        format_ident!("__genserver_reply_to")
    } else {
        format_ident!("reply_to")
    }
}

/// `ident` at the `#[gen_server]` attribute, with the attribute's context:
/// what every token in the body of a generated function must have.
///
/// Incremental compilation hashes the spans in a function's MIR. Two kinds
/// of span there change when any character is added to the impl block: a
/// user's token at its own position (it moves relative to the generated
/// function, which sits at the attribute), and a span rustc combines from
/// tokens of two contexts (the user's or `Span::mixed_site()`'s with the
/// attribute's), which, as measured, covers the whole impl. Either changes
/// the layout of the server's futures, and with it codegen units shared by
/// every server of the crate (tokio's task code, the runtime's generic
/// code, instantiated for all of them together): a one-character edit in
/// one handler then rebuilt 60 % of a 40-server crate's object code, 1.4 %
/// once bodies kept to the attribute's span, 2.1 % written by hand
/// (`BENCHMARKS.md`, "Compile time"). The user's spans stay on the types in
/// signatures and `where` clauses, where rustc's errors must point: they
/// do not change the futures' layout (measured, with `init`'s argument
/// types in `start`'s signature).
fn at_call_site(ident: &Ident) -> Ident {
    let mut ident = ident.clone();
    ident.set_span(proc_macro2::Span::call_site());
    ident
}

/// `tokens`, every one at `location` with the attribute's context: a
/// generated function placed as a whole at a user's token, so that rustc's
/// errors in it point there while its spans stay the same relative to it
/// (see `at_call_site`).
fn located_at(tokens: TokenStream, location: proc_macro2::Span) -> TokenStream {
    let span = proc_macro2::Span::call_site().located_at(location);
    tokens
        .into_iter()
        .map(|mut token| {
            if let TokenTree::Group(group) = &token {
                let mut moved = Group::new(group.delimiter(), located_at(group.stream(), location));
                moved.set_span(span);
                token = TokenTree::Group(moved);
            } else {
                token.set_span(span);
            }
            token
        })
        .collect()
}

/// The names of the fields a handler's message carries, as validated.
fn field_idents<'a>(handler: &'a Handler<'_>) -> impl Iterator<Item = &'a Ident> + Clone {
    handler.fields().filter_map(|arg| arg.ident)
}

/// The fields of a handler's message variant, `name: Type`, with `Self`
/// replaced: the variant's fields, and the client function's parameters.
fn field_decls<'a>(
    server: &'a Server<'_>,
    handler: &'a Handler<'_>,
) -> impl Iterator<Item = TokenStream> + 'a {
    handler.fields().filter_map(move |arg| {
        let ident = arg.ident?;
        let ty = replace_self(&arg.original.ty, &server.original.self_ty);
        Some(quote!(#ident: #ty))
    })
}

/// The type of a call's reply: the `R` of its `ReplyTo<R>` argument, or its
/// return type, or `()`.
fn reply_type(server: &Server<'_>, handler: &Handler<'_>) -> TokenStream {
    let self_ty = &server.original.self_ty;
    if let Some(Role::Reply(reply)) = handler.reply_slot().map(|arg| arg.role) {
        return replace_self(reply, self_ty);
    }
    match &handler.original.sig.output {
        ReturnType::Type(_, ty) => replace_self(ty, self_ty),
        ReturnType::Default => quote!(()),
    }
}

/// Whether the handler has doc comments of its own.
fn has_docs(handler: &Handler<'_>) -> bool {
    handler
        .original
        .attrs
        .iter()
        .any(|attr| attr.path().is_ident("doc"))
}

fn forwarded(
    attrs: &[Attribute],
    keep: fn(&Attribute) -> bool,
) -> impl Iterator<Item = &Attribute> {
    attrs.iter().filter(move |attr| keep(attr))
}

/// A variant that uses every type parameter (which the handlers may not),
/// and can never be built.
fn phantom_variant(server: &Server<'_>) -> Option<TokenStream> {
    let params: Vec<&Ident> = server
        .original
        .generics
        .type_params()
        .map(|param| &param.ident)
        .collect();
    (!params.is_empty()).then(|| {
        quote! {
            #[doc(hidden)]
            __GenServerPhantom(
                ::core::marker::PhantomData<fn() -> (#(#params,)*)>,
                ::core::convert::Infallible,
            ),
        }
    })
}

/// `ty` with every `Self` replaced by the server's type, for generated items
/// where `Self` would mean something else (the message enum, the client).
fn replace_self(ty: &Type, self_ty: &Type) -> TokenStream {
    replace_self_tokens(ty.to_token_stream(), self_ty)
}

fn replace_self_tokens(tokens: TokenStream, self_ty: &Type) -> TokenStream {
    let mut out = TokenStream::new();
    let mut tokens = tokens.into_iter().peekable();
    while let Some(token) = tokens.next() {
        match token {
            TokenTree::Ident(ident) if ident == "Self" => {
                // `Self::Item`, not the `Self: Bound` of a `where` clause.
                let is_path = matches!(
                    tokens.peek(),
                    Some(TokenTree::Punct(p)) if p.as_char() == ':' && p.spacing() == Spacing::Joint
                );
                if is_path {
                    out.extend(quote_spanned!(ident.span()=> <#self_ty>));
                } else {
                    out.extend(quote_spanned!(ident.span()=> #self_ty));
                }
            }
            TokenTree::Group(group) => {
                let mut replaced = Group::new(
                    group.delimiter(),
                    replace_self_tokens(group.stream(), self_ty),
                );
                replaced.set_span(group.span());
                out.extend([TokenTree::Group(replaced)]);
            }
            other => out.extend([other]),
        }
    }
    out
}
