//! Checks the IR against what `#[gen_server]` can expand, recording every
//! problem; after this pass, the expansion may rely on what it checked.
//!
//! This file checks the impl as a whole and the names it will generate;
//! `handler.rs` checks each handler's signature, `types.rs` the types that
//! cross tasks and what `#[init]` returns.

mod handler;
mod types;

use syn::GenericParam;
use syn::ext::IdentExt as _;

use crate::ast::{Handler, Server};
use crate::attr::Kind;
use crate::ctxt::Ctxt;
use handler::{check_handler, check_init, check_terminate};
pub(crate) use types::{InitReturn, init_return};

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
    "monitor",
    "name",
    "ne",
    "send_info",
    "stop",
    "stop_with",
    "to_owned",
    "try_into",
];
/// Associated functions `#[gen_server]` generates on the server type.
const RESERVED_ASSOCIATED: &[&str] = &["start", "start_link", "start_named", "start_with"];

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
    let impl_ok = passes(cx, || check_impl(cx, server));
    // A clash of generated names leaves the rest intact: the expansion
    // renames what clashes (see `rename_clashes`).
    check_generated_names(cx, server);
    if !impl_ok {
        broken.push(Part::Impl);
    }
    let mut handler_ok: Vec<bool> = server
        .handlers
        .iter()
        .map(|handler| passes(cx, || check_handler(cx, server, handler)))
        .collect();
    check_variant_names(cx, server, &mut handler_ok);
    check_notice_handlers(cx, server);
    if !check_reserved_names(cx, server, &mut handler_ok) {
        broken.push(Part::Start);
    }
    for extra in server.inits.iter().skip(1) {
        cx.error_spanned_by(extra.attr, "a server has at most one `#[init]`");
    }
    for extra in server.terminates.iter().skip(1) {
        cx.error_spanned_by(extra.attr, "a server has at most one `#[terminate]`");
    }
    if let Some(init) = server.init()
        && !passes(cx, || check_init(cx, server, init))
    {
        broken.push(Part::Init);
    }
    if let Some(terminate) = server.terminate()
        && !passes(cx, || check_terminate(cx, server, terminate))
    {
        broken.push(Part::Terminate);
    }
    Validity { broken, handler_ok }
}

/// The generated types' names: distinct from each other and from the server.
/// Renames the generated types whose names clash (reported by
/// `check_generated_names`) to hidden ones, so that the rest of a server
/// with that mistake is still generated and its uses raise no errors.
pub(crate) fn rename_clashes(server: &mut Server<'_>) {
    let ident = server.ident.clone();
    let mut taken = vec![ident.clone()];
    for (what, name) in [
        ("message", &mut server.message),
        ("info", &mut server.info),
        ("client", &mut server.client),
    ] {
        if taken.contains(name) {
            *name = crate::ast::hidden(&format!("{what}_of_{}", ident.unraw()));
        }
        taken.push(name.clone());
    }
}

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

fn check_variant_names(cx: &Ctxt, server: &Server<'_>, handler_ok: &mut [bool]) {
    for (index, handler) in server.handlers.iter().enumerate() {
        // Calls and casts share the message enum; info handlers have theirs.
        let same_enum =
            |other: &Handler<'_>| (other.kind == Kind::Info) == (handler.kind == Kind::Info);
        // Handlers behind `cfg`s may never be compiled together (`#[cfg(x)]`
        // and `#[cfg(not(x))]`); if they are, rustc reports the clash.
        let clash = server.handlers[..index].iter().find(|earlier| {
            same_enum(earlier)
                && earlier.variant == handler.variant
                && !(has_cfg(earlier) || has_cfg(handler))
        });
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

fn has_cfg(handler: &Handler<'_>) -> bool {
    handler
        .original
        .attrs
        .iter()
        .any(|attr| attr.path().is_ident("cfg") || attr.path().is_ident("cfg_attr"))
}

/// One handler at most for each of the runtime's notices.
fn check_notice_handlers(cx: &Ctxt, server: &Server<'_>) {
    for notice in ["Down", "Exit"] {
        let mut handlers = server.notice_handlers(notice);
        let Some(first) = handlers.next() else {
            continue;
        };
        for extra in handlers {
            let ty = extra.fields().next().map(|arg| &arg.original.ty);
            cx.error_spanned_by(
                ty,
                format!(
                    "`{}` already receives the `{notice}` notices: one `#[info]` handler \
                     takes them, and it can tell them apart by their fields",
                    first.original.sig.ident
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
    for (index, handler) in server.handlers.iter().enumerate() {
        let ident = &handler.original.sig.ident;
        if ident == "child_spec" {
            handler_ok[index] = false;
            cx.error_spanned_by(
                ident,
                format!(
                    "a handler cannot be named `child_spec`: `#[gen_server]` generates \
                     `{}::child_spec`; rename the handler (an ordinary method named \
                     `child_spec` replaces the generated one)",
                    server.ident
                ),
            );
        }
    }
    if server.own_child_spec().is_some() {
        let ignored = [
            server.restart.as_ref().map(|r| ("restart", r.span())),
            server.shutdown.as_ref().map(|s| ("shutdown", s.span())),
        ];
        for (name, span) in ignored.into_iter().flatten() {
            cx.error_spanned_by(
                quote::quote_spanned!(span=> #name),
                format!(
                    "`{name} = ..` sets the generated `child_spec`, which your own \
                     `child_spec` replaces: set it in yours, or remove yours"
                ),
            );
        }
    }
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
