//! Each handler's signature: qualifiers, receiver, arguments (fields, the
//! context, the reply slot) and return type, by kind.

use syn::ext::IdentExt as _;
use syn::{GenericParam, ImplItemFn, ReceiverKind, ReturnType, Safety, Type};

use super::types::{check_owned, init_return, is_self, is_unit};
use crate::ast::{self, Arg, Handler, Role, Server, Special};
use crate::attr::Kind;
use crate::ctxt::Ctxt;

pub(super) fn check_handler(cx: &Ctxt, server: &Server<'_>, handler: &Handler<'_>) {
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
                if let Some(ident) = arg.ident
                    && ident.unraw().to_string().starts_with("__genserver_")
                {
                    cx.error_spanned_by(
                        ident,
                        "names that start with `__genserver_` are reserved for the code \
                         `#[gen_server]` generates; rename this argument",
                    );
                }
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
    if let Some(inner) = ast::context_type(&reference.elem)
        && !is_self(server, inner)
    {
        cx.error_spanned_by(
            inner,
            format!(
                "a handler gets its own server's context: write `Context<Self>` (or `Context<{}>`)",
                server.ident
            ),
        );
    }
}

pub(super) fn check_init(cx: &Ctxt, server: &Server<'_>, init: &Special<'_>) {
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

pub(super) fn check_terminate(cx: &Ctxt, server: &Server<'_>, terminate: &Special<'_>) {
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
    if let Some(arg) = others.first()
        && !matches!(*arg.original.ty, Type::Reference(_))
    {
        cx.error_spanned_by(
            &arg.original.ty,
            "`#[terminate]` receives the exit reason by reference: `reason: &ExitReason`",
        );
    }
    if let ReturnType::Type(_, ty) = &method.sig.output
        && !is_unit(ty)
    {
        cx.error_spanned_by(ty, "`#[terminate]` returns nothing: remove the return type");
    }
}
