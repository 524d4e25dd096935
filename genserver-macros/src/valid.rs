//! Checks the IR against what `#[gen_server]` can expand, recording every
//! problem; after this pass, the expansion may rely on what it checked.

use proc_macro2::TokenStream;
use quote::{ToTokens, quote};
use syn::{GenericParam, ImplItemFn, PathArguments, ReceiverKind, ReturnType, Safety, Type};

use crate::ast::{self, Arg, Handler, Role, Server, Special};
use crate::attr::Kind;
use crate::ctxt::Ctxt;

/// Method names a handler cannot have: `ServerRef` has an inherent method
/// or a method of a prelude trait by that name, which method resolution
/// would pick before the handler's client function.
const RESERVED_CLIENT: &[&str] = &[
    "call",
    "cast",
    "clone",
    "clone_from",
    "deref",
    "downgrade",
    "eq",
    "exit_reason",
    "exited",
    "id",
    "into",
    "is_alive",
    "kill",
    "name",
    "ne",
    "send_info",
    "stop",
    "stop_with",
    "to_owned",
    "try_into",
];
/// Associated functions `#[gen_server]` generates on the server type.
const RESERVED_ASSOCIATED: &[&str] = &["start", "start_named", "start_with"];

/// A part of the expansion that depends on one part of the input.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Part {
    /// The impl block itself (no lifetime parameters).
    Impl,
    /// `#[init]`, from which `start` and `GenServer::InitArg` are written.
    Init,
    /// `#[terminate]`.
    Terminate,
    /// `start`, `start_named` and `start_with`, which no method of the impl
    /// may be named.
    Start,
}

/// Which parts of the input passed their checks, so that the fallback can
/// still generate those and spare the user follow-on errors.
pub(crate) struct Validity {
    broken: Vec<Part>,
    /// One entry per handler, in order: whether it passed.
    pub(crate) handler_ok: Vec<bool>,
}

impl Validity {
    pub(crate) fn ok(&self, part: Part) -> bool {
        !self.broken.contains(&part)
    }
}

/// Whether `check` recorded no error.
fn passes(cx: &Ctxt, check: impl FnOnce()) -> bool {
    let before = cx.error_count();
    check();
    cx.error_count() == before
}

pub(crate) fn check(cx: &Ctxt, server: &Server<'_>) -> Validity {
    let mut broken = Vec::new();
    let impl_ok = passes(cx, || {
        check_impl(cx, server);
        check_generated_names(cx, server);
    });
    if !impl_ok {
        broken.push(Part::Impl);
    }
    let mut handler_ok: Vec<bool> = server
        .handlers
        .iter()
        .map(|handler| passes(cx, || check_handler(cx, server, handler)))
        .collect();
    check_variant_names(cx, server, &mut handler_ok);
    if !check_reserved_names(cx, server, &mut handler_ok) {
        broken.push(Part::Start);
    }
    for extra in server.inits.iter().skip(1) {
        cx.error_spanned_by(extra.attr, "a server has at most one `#[init]`");
    }
    for extra in server.terminates.iter().skip(1) {
        cx.error_spanned_by(extra.attr, "a server has at most one `#[terminate]`");
    }
    if let Some(init) = server.init() {
        if !passes(cx, || check_init(cx, server, init)) {
            broken.push(Part::Init);
        }
    }
    if let Some(terminate) = server.terminate() {
        if !passes(cx, || check_terminate(cx, server, terminate)) {
            broken.push(Part::Terminate);
        }
    }
    Validity { broken, handler_ok }
}

/// The generated types' names: distinct from each other and from the server.
fn check_generated_names(cx: &Ctxt, server: &Server<'_>) {
    let names = [
        ("message", &server.message),
        ("info", &server.info),
        ("client", &server.client),
    ];
    for (index, (what, name)) in names.iter().enumerate() {
        if *name == server.ident {
            cx.error_spanned_by(
                name,
                format!(
                    "the {what} type cannot have the server's own name `{name}`: choose another"
                ),
            );
        } else if let Some((other, _)) = names[..index].iter().find(|(_, other)| other == name) {
            cx.error_spanned_by(
                name,
                format!(
                    "the {what} type would be named `{name}`, like the {other} type: choose \
                     another name with `{what} = ..`"
                ),
            );
        }
    }
}

fn check_impl(cx: &Ctxt, server: &Server<'_>) {
    // `unsafe impl` needs no check here: rustc rejects it on an inherent impl.
    for param in &server.original.generics.params {
        if let GenericParam::Lifetime(lifetime) = param {
            cx.error_spanned_by(
                lifetime,
                "a server's state must be `'static`: remove the lifetime parameter and own the data",
            );
        }
    }
}

fn check_handler(cx: &Ctxt, server: &Server<'_>, handler: &Handler<'_>) {
    let what = handler.kind.name();
    let method = handler.original;
    check_qualifiers(cx, method, what);
    check_receiver(cx, method, what);
    check_args(cx, server, &handler.args, handler.kind);
    let output = match &method.sig.output {
        ReturnType::Type(_, ty) if !is_unit(ty) => Some(&**ty),
        _ => None,
    };
    match (handler.kind, output) {
        (Kind::Cast, Some(ty)) => cx.error_spanned_by(
            ty,
            "a `#[cast]` does not reply: remove the return type, or make the handler a `#[call]`",
        ),
        (Kind::Info, Some(ty)) => cx.error_spanned_by(
            ty,
            "an `#[info]` handler does not reply: nobody waits for an info message; \
             remove the return type",
        ),
        (Kind::Call, Some(ty)) if handler.reply_slot().is_some() => cx.error_spanned_by(
            ty,
            "this `#[call]` takes its reply slot, so it answers through it: remove the \
             return type, and send the reply with `ReplyTo::send`",
        ),
        (Kind::Call, Some(ty)) => check_owned(cx, ty, "`#[call]` replies"),
        _ => {}
    }
}

/// `const`, `unsafe`, `extern`, generics and C variadics.
fn check_qualifiers(cx: &Ctxt, method: &ImplItemFn, what: &str) {
    let sig = &method.sig;
    if let Some(constness) = &sig.constness {
        cx.error_spanned_by(constness, format!("`#[{what}]` methods cannot be `const`"));
    }
    if let Safety::Unsafe(unsafety) = &sig.safety {
        cx.error_spanned_by(
            unsafety,
            format!("`#[{what}]` methods cannot be `unsafe`: clients could call them without an `unsafe` block"),
        );
    }
    if let Some(abi) = &sig.abi {
        cx.error_spanned_by(
            abi,
            format!("`#[{what}]` methods cannot have an `extern` ABI"),
        );
    }
    if let Some(variadic) = &sig.variadic {
        cx.error_spanned_by(variadic, format!("`#[{what}]` methods cannot be variadic"));
    }
    let only_lifetimes = sig
        .generics
        .params
        .iter()
        .all(|param| matches!(param, GenericParam::Lifetime(_)));
    if !sig.generics.params.is_empty() && only_lifetimes {
        cx.error_spanned_by(
            &sig.generics,
            format!(
                "`#[{what}]` methods cannot have lifetime parameters: what a message carries \
                 must be owned, since it moves to the server's task"
            ),
        );
    } else if !sig.generics.params.is_empty() {
        cx.error_spanned_by(
            &sig.generics,
            format!(
                "`#[{what}]` methods cannot have generic parameters: the message enum needs \
                 concrete types; put the parameters on the impl block instead"
            ),
        );
    } else if let Some(where_clause) = &sig.generics.where_clause {
        cx.error_spanned_by(
            where_clause,
            format!(
                "`#[{what}]` methods cannot have a `where` clause; put it on the impl block instead"
            ),
        );
    }
}

fn check_receiver(cx: &Ctxt, method: &ImplItemFn, what: &str) {
    let sig = &method.sig;
    match sig.receiver() {
        None => cx.error_spanned_by(
            &sig.ident,
            format!("`#[{what}]` handlers take `&mut self` or `&self` as their first argument"),
        ),
        Some(receiver) => match &receiver.kind {
            ReceiverKind::Reference(_, None, _) => {}
            ReceiverKind::Reference(_, Some(lifetime), _) => cx.error_spanned_by(
                lifetime,
                format!("`#[{what}]` handlers take `&mut self` or `&self` without a lifetime"),
            ),
            _ => cx.error_spanned_by(
                receiver,
                format!(
                    "`#[{what}]` handlers cannot take `self` by value: the server keeps its \
                     state between messages; take `&mut self` or `&self`"
                ),
            ),
        },
    }
}

fn check_args(cx: &Ctxt, server: &Server<'_>, args: &[Arg<'_>], kind: Kind) {
    let what = kind.name();
    let mut context_seen = false;
    let mut reply_seen = false;
    for arg in args {
        match arg.role {
            Role::Context => {
                if context_seen {
                    cx.error_spanned_by(
                        &arg.original.ty,
                        "a handler takes its context at most once",
                    );
                }
                context_seen = true;
                check_context(cx, server, arg, kind);
            }
            Role::Reply(reply) => {
                if reply_seen {
                    cx.error_spanned_by(
                        &arg.original.ty,
                        "a `#[call]` has one reply slot: take `ReplyTo<R>` at most once",
                    );
                } else {
                    check_owned(cx, reply, "`#[call]` replies");
                }
                reply_seen = true;
            }
            Role::Field => {
                if arg.ident.is_none() {
                    cx.error_spanned_by(
                        &arg.original.pat,
                        format!(
                            "`#[{what}]` arguments must be plain names such as `key: String`, which \
                             name the message's fields; destructure inside the body instead"
                        ),
                    );
                }
                if ast::context_type(&arg.original.ty).is_some() {
                    cx.error_spanned_by(
                        &arg.original.ty,
                        "the context is lent to the handler: take it by reference, \
                         `ctx: &mut Context<Self>`",
                    );
                } else {
                    check_owned(cx, &arg.original.ty, &format!("`#[{what}]` arguments"));
                }
            }
        }
    }
}

/// `&mut Context<Self>`: the server's own context, where a callback has one.
fn check_context(cx: &Ctxt, server: &Server<'_>, arg: &Arg<'_>, kind: Kind) {
    if kind == Kind::Terminate {
        cx.error_spanned_by(
            &arg.original.ty,
            "`#[terminate]` takes no context: the server is stopping, so there is nothing \
             left to ask of it; take `&mut self` and, optionally, `reason: &ExitReason`",
        );
        return;
    }
    let Type::Reference(reference) = &*arg.original.ty else {
        return;
    };
    if let Some(lifetime) = reference.lifetime.as_ref().filter(|l| l.ident != "_") {
        cx.error_spanned_by(
            lifetime,
            "the context is lent for the handler's call only: write `&mut Context<Self>` without a lifetime",
        );
    }
    if let Some(inner) = ast::context_type(&reference.elem) {
        if !is_self(server, inner) {
            cx.error_spanned_by(
                inner,
                format!(
                    "a handler gets its own server's context: write `Context<Self>` (or `Context<{}>`)",
                    server.ident
                ),
            );
        }
    }
}

/// Message arguments and replies cross tasks: no borrowed or unnamed types.
fn check_owned(cx: &Ctxt, ty: &Type, what: &str) {
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
        Type::Infer(_) => cx.error_spanned_by(ty, format!("{what} need a written type, not `_`")),
        Type::Paren(inner) => check_owned(cx, &inner.elem, what),
        _ => {
            if let Some(lifetime) = borrowed_lifetime(ty) {
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
            if let Some(qself) = &path.qself {
                if let Some(found) = borrow_in(&qself.ty, bound) {
                    return Some(found);
                }
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

fn check_variant_names(cx: &Ctxt, server: &Server<'_>, handler_ok: &mut [bool]) {
    for (index, handler) in server.handlers.iter().enumerate() {
        // Calls and casts share the message enum; info handlers have theirs.
        let same_enum =
            |other: &Handler<'_>| (other.kind == Kind::Info) == (handler.kind == Kind::Info);
        let clash = server.handlers[..index]
            .iter()
            .find(|earlier| same_enum(earlier) && earlier.variant == handler.variant);
        if let Some(earlier) = clash {
            handler_ok[index] = false;
            cx.error_spanned_by(
                &handler.original.sig.ident,
                format!(
                    "`{}` and `{}` both give the {} variant `{}`: rename one of them",
                    earlier.original.sig.ident,
                    handler.original.sig.ident,
                    if handler.kind == Kind::Info {
                        "info"
                    } else {
                        "message"
                    },
                    handler.variant
                ),
            );
        }
    }
}

/// Returns whether `start` and `start_named` can be generated.
fn check_reserved_names(cx: &Ctxt, server: &Server<'_>, handler_ok: &mut [bool]) -> bool {
    for (index, handler) in server.handlers.iter().enumerate() {
        let ident = &handler.original.sig.ident;
        // Info handlers have no client function.
        if handler.kind != Kind::Info && RESERVED_CLIENT.iter().any(|name| ident == name) {
            handler_ok[index] = false;
            cx.error_spanned_by(
                ident,
                format!(
                    "a handler cannot be named `{ident}`: `ServerRef` has a method of that name, \
                     which would hide the handler's client function; rename the handler"
                ),
            );
        }
    }
    let mut start_ok = true;
    for method in &server.methods {
        let ident = &method.sig.ident;
        if RESERVED_ASSOCIATED.iter().any(|name| ident == name) {
            start_ok = false;
            cx.error_spanned_by(
                ident,
                format!(
                    "a method cannot be named `{ident}`: `#[gen_server]` generates `{}::{ident}`; \
                     rename the method",
                    server.ident
                ),
            );
        }
    }
    start_ok
}

fn check_init(cx: &Ctxt, server: &Server<'_>, init: &Special<'_>) {
    let method = init.original;
    check_qualifiers(cx, method, "init");
    if let Some(receiver) = method.sig.receiver() {
        cx.error_spanned_by(
            receiver,
            "`#[init]` builds the server's state, so it takes no `self`: `fn init(arg: A) -> Self`",
        );
    }
    check_args(cx, server, &init.args, Kind::Init);
    if init_return(server, &method.sig.output).is_none() {
        let span_of: &dyn quote::ToTokens = match &method.sig.output {
            ReturnType::Type(_, ty) => ty,
            ReturnType::Default => &method.sig.ident,
        };
        cx.error_spanned_by(
            span_of,
            "`#[init]` must return `Self` or `Result<Self, E>`, where \
             `E: Display + Debug + Send + 'static`; or `Option<Self>` or \
             `Result<Option<Self>, E>`, whose `None` chooses not to start (`:ignore`)",
        );
    }
}

fn check_terminate(cx: &Ctxt, server: &Server<'_>, terminate: &Special<'_>) {
    let method = terminate.original;
    check_qualifiers(cx, method, "terminate");
    check_receiver(cx, method, "terminate");
    let (contexts, others): (Vec<&Arg<'_>>, Vec<&Arg<'_>>) = terminate
        .args
        .iter()
        .partition(|arg| matches!(arg.role, Role::Context));
    for context in contexts {
        check_context(cx, server, context, Kind::Terminate);
    }
    if others.len() > 1 {
        cx.error_spanned_by(
            &method.sig.inputs,
            "`#[terminate]` takes `&mut self` and, optionally, the reason: `reason: &ExitReason`",
        );
    }
    if let Some(arg) = others.first() {
        if !matches!(*arg.original.ty, Type::Reference(_)) {
            cx.error_spanned_by(
                &arg.original.ty,
                "`#[terminate]` receives the exit reason by reference: `reason: &ExitReason`",
            );
        }
    }
    if let ReturnType::Type(_, ty) = &method.sig.output {
        if !is_unit(ty) {
            cx.error_spanned_by(ty, "`#[terminate]` returns nothing: remove the return type");
        }
    }
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
    let (state, optional) = match option_type(ok) {
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

/// `Option<T>`: `T`.
fn option_type(ty: &Type) -> Option<&Type> {
    let Type::Path(path) = ty else { return None };
    let last = path.path.segments.last()?;
    if last.ident != "Option" {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.iter().collect::<Vec<_>>().as_slice() {
        [syn::GenericArgument::Type(ty)] => Some(ty),
        _ => None,
    }
}

fn is_self(server: &Server<'_>, ty: &Type) -> bool {
    match ty {
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

fn is_unit(ty: &Type) -> bool {
    matches!(ty, Type::Tuple(tuple) if tuple.elems.is_empty())
}
