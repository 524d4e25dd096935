//! The arguments of `#[gen_server(...)]` and the handler attributes.

use proc_macro2::TokenStream;
use syn::meta::ParseNestedMeta;
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::{Attribute, Expr, Ident, Meta, Path, Token};

use crate::ctxt::Ctxt;

/// `#[gen_server(message = Name, info = Name, client = Name, crate = path)]`.
#[derive(Default)]
pub(crate) struct Args {
    /// The name of the generated message enum (default: `{Type}Msg`).
    pub(crate) message: Option<Ident>,
    /// The name of the generated info enum (default: `{Type}Info`).
    pub(crate) info: Option<Ident>,
    /// The name of the generated client type (default: `{Type}Client`).
    pub(crate) client: Option<Ident>,
    /// The path to the `genserver` crate (default: `::genserver`).
    pub(crate) krate: Option<Path>,
    /// The child spec's `restart:`: `permanent`, `transient` or `temporary`.
    pub(crate) restart: Option<Ident>,
    /// The child spec's `shutdown:`: milliseconds, `brutal_kill` or `infinity`.
    pub(crate) shutdown: Option<ShutdownArg>,
}

/// The value of `shutdown = ..`.
pub(crate) enum ShutdownArg {
    Millis(syn::LitInt),
    Named(Ident),
}

impl ShutdownArg {
    pub(crate) fn span(&self) -> proc_macro2::Span {
        match self {
            Self::Millis(millis) => millis.span(),
            Self::Named(named) => named.span(),
        }
    }
}

const ARGS: &str = "`message = Name`, `info = Name`, `client = Name`, `crate = path`, \
                    `restart = transient` and `shutdown = 10_000`";

impl Args {
    pub(crate) fn parse(cx: &Ctxt, tokens: TokenStream) -> Self {
        let mut args = Self::default();
        let parser = syn::meta::parser(|meta| {
            if meta.path.is_ident("message") {
                if let Some(value) = ident_value(cx, &meta, "message = CounterRequest")? {
                    set_once(cx, &mut args.message, &meta.path, value);
                }
            } else if meta.path.is_ident("info") {
                if let Some(value) = ident_value(cx, &meta, "info = CounterEvent")? {
                    set_once(cx, &mut args.info, &meta.path, value);
                }
            } else if meta.path.is_ident("client") {
                if let Some(value) = ident_value(cx, &meta, "client = CounterApi")? {
                    set_once(cx, &mut args.client, &meta.path, value);
                }
            } else if meta.path.is_ident("restart") {
                if let Some(value) = choice_value(
                    cx,
                    &meta,
                    &["permanent", "transient", "temporary"],
                    "restart = transient",
                )? {
                    set_once(cx, &mut args.restart, &meta.path, value);
                }
            } else if meta.path.is_ident("shutdown") {
                if let Some(value) = shutdown_value(cx, &meta)? {
                    set_once(cx, &mut args.shutdown, &meta.path, value);
                }
            } else if meta.path.is_ident("crate") {
                if let Some(value) = path_value(cx, &meta)? {
                    set_once(cx, &mut args.krate, &meta.path, value);
                }
            } else {
                cx.error_spanned_by(
                    &meta.path,
                    format!("unknown `gen_server` argument; the valid ones are {ARGS}"),
                );
                // Skip the unknown argument's value, to go on with the next one.
                if meta.input.peek(Token![=]) {
                    meta.value()?.parse::<syn::Expr>()?;
                } else if !meta.input.is_empty() && !meta.input.peek(Token![,]) {
                    meta.input.parse::<proc_macro2::Group>()?;
                }
            }
            Ok(())
        });
        if let Err(error) = parser.parse2(tokens) {
            cx.syn_error(error);
        }
        args
    }
}

/// The value of `name = Ident`; a value of another form is reported, and
/// parsing goes on with the next argument.
fn ident_value(cx: &Ctxt, meta: &ParseNestedMeta<'_>, example: &str) -> syn::Result<Option<Ident>> {
    let value: Expr = meta.value()?.parse()?;
    if let Expr::Path(path) = &value
        && let (None, Some(ident)) = (&path.qself, path.path.get_ident())
    {
        return Ok(Some(ident.clone()));
    }
    cx.error_spanned_by(
        &value,
        format!("expected a name without quotes, such as `{example}`"),
    );
    Ok(None)
}

/// The value of `name = choice`, one of `choices`.
fn choice_value(
    cx: &Ctxt,
    meta: &ParseNestedMeta<'_>,
    choices: &[&str],
    example: &str,
) -> syn::Result<Option<Ident>> {
    let Some(ident) = ident_value(cx, meta, example)? else {
        return Ok(None);
    };
    if choices.iter().any(|choice| ident == choice) {
        return Ok(Some(ident));
    }
    cx.error_spanned_by(
        &ident,
        format!("expected one of `{}`", choices.join("`, `")),
    );
    Ok(None)
}

/// The value of `shutdown = ..`: milliseconds, `brutal_kill` or `infinity`.
fn shutdown_value(cx: &Ctxt, meta: &ParseNestedMeta<'_>) -> syn::Result<Option<ShutdownArg>> {
    let value: Expr = meta.value()?.parse()?;
    match &value {
        Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Int(millis),
            ..
        }) => {
            if millis.base10_parse::<u64>().is_ok() {
                return Ok(Some(ShutdownArg::Millis(millis.clone())));
            }
            if millis.suffix().is_empty()
                && millis.base10_digits().chars().all(|c| c.is_ascii_digit())
            {
                cx.error_spanned_by(millis, "too many milliseconds: at most `u64::MAX`");
                return Ok(None);
            }
        }
        Expr::Path(path) => {
            if let Some(ident) = path.path.get_ident()
                && (ident == "brutal_kill" || ident == "infinity")
            {
                return Ok(Some(ShutdownArg::Named(ident.clone())));
            }
        }
        _ => {}
    }
    cx.error_spanned_by(
        &value,
        "expected the milliseconds to wait, `brutal_kill` or `infinity`, such as `shutdown = 10_000`",
    );
    Ok(None)
}

/// The value of `crate = path`.
fn path_value(cx: &Ctxt, meta: &ParseNestedMeta<'_>) -> syn::Result<Option<Path>> {
    let value: Expr = meta.value()?.parse()?;
    if let Expr::Path(path) = &value
        && path.qself.is_none()
    {
        return Ok(Some(path.path.clone()));
    }
    cx.error_spanned_by(
        &value,
        "expected a path to the genserver crate without quotes, such as `crate = ::my_facade::genserver`",
    );
    Ok(None)
}

/// Stores an argument's value, or reports that it was given twice.
fn set_once<T>(cx: &Ctxt, slot: &mut Option<T>, path: &Path, value: T) {
    if slot.is_some() {
        let name = path
            .get_ident()
            .map_or_else(String::new, ToString::to_string);
        cx.error_spanned_by(path, format!("duplicate `gen_server` argument `{name}`"));
    } else {
        *slot = Some(value);
    }
}

/// What a method's attribute makes it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Kind {
    Call,
    Cast,
    Info,
    Init,
    Terminate,
}

impl Kind {
    pub(crate) const ALL: [(&'static str, Kind); 5] = [
        ("call", Kind::Call),
        ("cast", Kind::Cast),
        ("info", Kind::Info),
        ("init", Kind::Init),
        ("terminate", Kind::Terminate),
    ];

    pub(crate) fn of(attr: &Attribute) -> Option<Kind> {
        let ident = attr.path().get_ident()?;
        Kind::ALL
            .iter()
            .find(|(name, _)| ident == name)
            .map(|&(_, kind)| kind)
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Kind::Call => "call",
            Kind::Cast => "cast",
            Kind::Info => "info",
            Kind::Init => "init",
            Kind::Terminate => "terminate",
        }
    }
}

/// The kind attribute of a method, checking that there is at most one and
/// that it takes no arguments.
pub(crate) fn method_kind<'a>(cx: &Ctxt, attrs: &'a [Attribute]) -> Option<(Kind, &'a Attribute)> {
    let mut found: Option<(Kind, &Attribute)> = None;
    for attr in attrs {
        let Some(kind) = Kind::of(attr) else { continue };
        // `#[call(timeout = ..)]` is read by `call_timeout`.
        let call_list = kind == Kind::Call && matches!(attr.meta, Meta::List(_));
        if !matches!(attr.meta, Meta::Path(_)) && !call_list {
            cx.error_spanned_by(
                &attr.meta,
                format!(
                    "`#[{}]` takes no arguments: write `#[{}]`",
                    kind.name(),
                    kind.name()
                ),
            );
        }
        if let Some((first, _)) = found {
            cx.error_spanned_by(
                attr,
                format!(
                    "a method can have one of `#[call]`, `#[cast]`, `#[info]`, `#[init]`, `#[terminate]`; \
                     this one is already `#[{}]`",
                    first.name()
                ),
            );
        } else {
            found = Some((kind, attr));
        }
    }
    found
}

/// The default timeout of a call's client function: `#[call(timeout = ..)]`.
pub(crate) enum CallTimeout {
    /// `timeout = 10_000`: milliseconds.
    Millis(syn::LitInt),
    /// `timeout = infinity`.
    Infinity,
}

/// Reads `#[call(timeout = milliseconds | infinity)]`, the timeout the client
/// function gives its call unless the caller sets one, as an Elixir client
/// function passes one to `GenServer.call/3`.
pub(crate) fn call_timeout(cx: &Ctxt, attr: &Attribute) -> Option<CallTimeout> {
    let Meta::List(list) = &attr.meta else {
        return None;
    };
    let mut timeout = None;
    let parser = syn::meta::parser(|meta| {
        if !meta.path.is_ident("timeout") {
            cx.error_spanned_by(
                &meta.path,
                "`#[call]` takes only `timeout = milliseconds` or `timeout = infinity`",
            );
            if meta.input.peek(Token![=]) {
                meta.value()?.parse::<Expr>()?;
            }
            return Ok(());
        }
        let value: Expr = meta.value()?.parse()?;
        let parsed = match &value {
            Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Int(millis),
                ..
            }) if millis.base10_parse::<u64>().is_ok() => Some(CallTimeout::Millis(millis.clone())),
            Expr::Path(path) if path.path.is_ident("infinity") => Some(CallTimeout::Infinity),
            _ => None,
        };
        match parsed {
            Some(parsed) => set_once(cx, &mut timeout, &meta.path, parsed),
            None => cx.error_spanned_by(
                &value,
                "expected the milliseconds to wait or `infinity`, such as `timeout = 10_000`",
            ),
        }
        Ok(())
    });
    if let Err(error) = parser.parse2(list.tokens.clone()) {
        cx.syn_error(error);
    }
    timeout
}

/// `true` for the attributes `#[gen_server]` consumes from methods.
pub(crate) fn is_kind_attr(attr: &Attribute) -> bool {
    Kind::of(attr).is_some()
}

/// Lint attributes, which a handler passes on with its other attributes
/// (`expect` as `allow`).
const LINTS: [&str; 4] = ["allow", "warn", "deny", "forbid"];

/// `true` for `#[allow]`, `#[warn]`, `#[deny]`, `#[forbid]` and `#[expect]`.
pub(crate) fn is_lint(attr: &Attribute) -> bool {
    let path = attr.path();
    path.is_ident("expect") || LINTS.iter().any(|lint| path.is_ident(lint))
}

/// The attributes a handler passes on to its client function and to its
/// message variant: documentation, `cfg`, `deprecated` and lints, also
/// inside `cfg_attr`. What means nothing there (or is an error, such as
/// `inline` on a variant) stays on the handler alone.
pub(crate) fn for_client(attrs: &[Attribute]) -> Vec<Attribute> {
    attrs
        .iter()
        .filter_map(|attr| {
            let meta = client_meta(&attr.meta)?;
            let mut attr = attr.clone();
            attr.meta = meta;
            Some(attr)
        })
        .collect()
}

fn client_meta(meta: &Meta) -> Option<Meta> {
    let path = meta.path();
    let is = |names: &[&str]| names.iter().any(|name| path.is_ident(name));
    if is(&["expect"]) {
        // What an `#[expect]` waits for fires in the handler, not in the
        // generated code, where it would go unfulfilled: `allow` it there.
        let mut list = meta.require_list().ok()?.clone();
        list.path = Path::from(Ident::new("allow", list.path.segments[0].ident.span()));
        return Some(Meta::List(list));
    }
    if is(&["cfg_attr"]) {
        let mut list = meta.require_list().ok()?.clone();
        let parts = list
            .parse_args_with(Punctuated::<Meta, Token![,]>::parse_terminated)
            .ok()?;
        let mut parts = parts.into_iter();
        let predicate = parts.next()?;
        let kept: Vec<Meta> = parts.filter_map(|meta| client_meta(&meta)).collect();
        if kept.is_empty() {
            return None;
        }
        list.tokens = quote::quote!(#predicate, #(#kept),*);
        return Some(Meta::List(list));
    }
    (is(&["doc", "cfg", "deprecated"]) || is(&LINTS)).then(|| meta.clone())
}

/// `true` for attributes a handler passes on to its dispatch arm: only
/// `cfg`, since documentation and other attributes mean nothing on an arm.
pub(crate) fn forwards_to_arm(attr: &Attribute) -> bool {
    attr.path().is_ident("cfg")
}
