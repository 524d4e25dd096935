//! Syntax to IR: what `#[gen_server]` reads from the user's impl block.
//!
//! The IR keeps references to the user's syntax, so that validation and
//! expansion can point at (and reuse) the user's own tokens.

use proc_macro2::Span;
use syn::ext::IdentExt as _;
use syn::{
    Attribute, FnArg, GenericArgument, Ident, ImplItem, ImplItemFn, ItemImpl, Pat, PatType, Path,
    PathArguments, Type, TypePath,
};

use crate::attr::{self, Args, Kind};
use crate::ctxt::Ctxt;

pub(crate) struct Server<'a> {
    pub(crate) original: &'a ItemImpl,
    /// The last segment of the impl's self type: `Cache` in `impl<K> Cache<K>`.
    pub(crate) ident: &'a Ident,
    pub(crate) message: Ident,
    pub(crate) info: Ident,
    pub(crate) client: Ident,
    pub(crate) krate: Path,
    /// The child spec's `restart:` and `shutdown:`, when given.
    pub(crate) restart: Option<Ident>,
    pub(crate) shutdown: Option<attr::ShutdownArg>,
    /// `#[call]`, `#[cast]` and `#[info]` methods, in order.
    pub(crate) handlers: Vec<Handler<'a>>,
    pub(crate) inits: Vec<Special<'a>>,
    pub(crate) terminates: Vec<Special<'a>>,
    /// Every method of the impl, for name clashes with generated items.
    pub(crate) methods: Vec<&'a ImplItemFn>,
}

/// A `#[call]`, `#[cast]` or `#[info]` method.
pub(crate) struct Handler<'a> {
    pub(crate) original: &'a ImplItemFn,
    pub(crate) kind: Kind,
    /// The message (or info) variant: the method's name in `UpperCamelCase`.
    pub(crate) variant: Ident,
    pub(crate) args: Vec<Arg<'a>>,
    /// A call's default timeout, from `#[call(timeout = ..)]`.
    pub(crate) timeout: Option<attr::CallTimeout>,
}

impl Handler<'_> {
    /// The arguments the message carries: all but the context and the reply slot.
    pub(crate) fn fields(&self) -> impl Iterator<Item = &Arg<'_>> + Clone {
        self.args
            .iter()
            .filter(|arg| matches!(arg.role, Role::Field))
    }

    /// The reply slot argument of a call that answers through it.
    pub(crate) fn reply_slot(&self) -> Option<&Arg<'_>> {
        self.args
            .iter()
            .find(|arg| matches!(arg.role, Role::Reply(_)))
    }
}

/// An `#[init]` or `#[terminate]` method.
pub(crate) struct Special<'a> {
    pub(crate) original: &'a ImplItemFn,
    pub(crate) attr: &'a Attribute,
    pub(crate) args: Vec<Arg<'a>>,
}

/// A typed argument (not the receiver).
pub(crate) struct Arg<'a> {
    pub(crate) original: &'a PatType,
    /// The argument's name, when its pattern is a plain name.
    pub(crate) ident: Option<&'a Ident>,
    pub(crate) role: Role<'a>,
}

/// What an argument is, told by its type.
#[derive(Clone, Copy)]
pub(crate) enum Role<'a> {
    /// A field of the message, sent by the client.
    Field,
    /// `&mut Context<..>` or `&Context<..>`: the server's context.
    Context,
    /// `ReplyTo<R>`: the call's reply slot, with the reply type `R`.
    Reply(&'a Type),
}

impl<'a> Server<'a> {
    /// Reads the impl block; `None` when it is not one `#[gen_server]` can
    /// expand at all (the reasons are recorded in `cx`).
    pub(crate) fn from_syn(cx: &Ctxt, original: &'a ItemImpl, args: Args) -> Option<Self> {
        if let Some((path, _)) = &original.trait_ {
            cx.error_spanned_by(
                path,
                "`#[gen_server]` goes on an inherent impl block such as `impl MyServer { .. }`, \
                 not on a trait impl",
            );
            return None;
        }
        let Some(ident) = self_ident(&original.self_ty) else {
            cx.error_spanned_by(
                &original.self_ty,
                "`#[gen_server]` needs a named struct or enum as the impl's type, such as `impl MyServer`",
            );
            return None;
        };
        // `r#Counter` gives `CounterMsg`: the prefix is no part of the name.
        let name = ident.unraw();
        let mut server = Server {
            original,
            ident,
            message: args
                .message
                .unwrap_or_else(|| Ident::new(&format!("{name}Msg"), ident.span())),
            info: args
                .info
                .unwrap_or_else(|| Ident::new(&format!("{name}Info"), ident.span())),
            client: args
                .client
                .unwrap_or_else(|| Ident::new(&format!("{name}Client"), ident.span())),
            krate: args.krate.unwrap_or_else(|| syn::parse_quote!(::genserver)),
            restart: args.restart,
            shutdown: args.shutdown,
            handlers: Vec::new(),
            inits: Vec::new(),
            terminates: Vec::new(),
            methods: Vec::new(),
        };
        for item in &original.items {
            let ImplItem::Fn(method) = item else { continue };
            server.methods.push(method);
            let Some((kind, attr)) = attr::method_kind(cx, &method.attrs) else {
                continue;
            };
            let args = typed_args(method, kind);
            match kind {
                Kind::Call | Kind::Cast | Kind::Info => server.handlers.push(Handler {
                    original: method,
                    kind,
                    variant: variant_name(&method.sig.ident),
                    args,
                    timeout: (kind == Kind::Call)
                        .then(|| attr::call_timeout(cx, attr))
                        .flatten(),
                }),
                Kind::Init => server.inits.push(Special {
                    original: method,
                    attr,
                    args,
                }),
                Kind::Terminate => server.terminates.push(Special {
                    original: method,
                    attr,
                    args,
                }),
            }
        }
        Some(server)
    }

    /// A method of the user's own (not a handler) named `child_spec`, which
    /// replaces the generated one.
    pub(crate) fn own_child_spec(&self) -> Option<&'a ImplItemFn> {
        self.methods.iter().copied().find(|method| {
            method.sig.ident == "child_spec" && !method.attrs.iter().any(attr::is_kind_attr)
        })
    }

    pub(crate) fn init(&self) -> Option<&Special<'a>> {
        self.inits.first()
    }

    pub(crate) fn terminate(&self) -> Option<&Special<'a>> {
        self.terminates.first()
    }

    /// The `#[call]` and `#[cast]` handlers: the message enum's variants.
    pub(crate) fn messages(&self) -> impl Iterator<Item = &Handler<'a>> + Clone {
        self.handlers.iter().filter(|h| h.kind != Kind::Info)
    }

    /// The `#[info]` handlers: the info enum's variants.
    pub(crate) fn infos(&self) -> impl Iterator<Item = &Handler<'a>> + Clone {
        self.handlers.iter().filter(|h| h.kind == Kind::Info)
    }

    /// The `#[info]` handlers that receive the runtime's `notice` (`Down`
    /// or `Exit`): those whose one argument is a type of that name.
    pub(crate) fn notice_handlers(
        &self,
        notice: &'static str,
    ) -> impl Iterator<Item = &Handler<'a>> + Clone {
        self.infos().filter(move |handler| {
            let mut fields = handler.fields();
            match (fields.next(), fields.next()) {
                (Some(arg), None) => last_segment(&arg.original.ty).is_some_and(|segment| {
                    segment.ident == notice && matches!(segment.arguments, PathArguments::None)
                }),
                _ => false,
            }
        })
    }
}

fn self_ident(ty: &Type) -> Option<&Ident> {
    match ungrouped(ty) {
        Type::Path(path) if path.qself.is_none() => path.path.segments.last().map(|s| &s.ident),
        _ => None,
    }
}

/// `ty` without the invisible group around it when a `macro_rules!` passed
/// it in as a `$t:ty` fragment, or the parentheses of `(T)`.
pub(crate) fn ungrouped(ty: &Type) -> &Type {
    match ty {
        Type::Group(group) => ungrouped(&group.elem),
        Type::Paren(paren) => ungrouped(&paren.elem),
        other => other,
    }
}

fn typed_args(method: &ImplItemFn, kind: Kind) -> Vec<Arg<'_>> {
    method
        .sig
        .inputs
        .iter()
        .filter_map(|input| match input {
            FnArg::Typed(original) => Some(Arg {
                original,
                ident: match &*original.pat {
                    Pat::Ident(pat) if pat.by_ref.is_none() && pat.subpat.is_none() => {
                        Some(&pat.ident)
                    }
                    _ => None,
                },
                role: role(&original.ty, kind),
            }),
            FnArg::Receiver(_) => None,
        })
        .collect()
}

/// A `ReplyTo<R>` argument is a call's own reply slot; elsewhere it is data
/// like any other (a slot forwarded to another server, say).
fn role(ty: &Type, kind: Kind) -> Role<'_> {
    match ty {
        Type::Reference(reference) if context_type(&reference.elem).is_some() => Role::Context,
        Type::Paren(inner) => role(&inner.elem, kind),
        _ if kind == Kind::Call => reply_type(ty).map_or(Role::Field, Role::Reply),
        _ => Role::Field,
    }
}

/// The last segment of a plain path type.
fn last_segment(ty: &Type) -> Option<&syn::PathSegment> {
    match ty {
        Type::Path(TypePath {
            qself: None, path, ..
        }) => path.segments.last(),
        Type::Paren(inner) => last_segment(&inner.elem),
        Type::Group(inner) => last_segment(&inner.elem),
        _ => None,
    }
}

/// The single type argument of `Name<T>` (matched on the path's last segment).
pub(crate) fn single_type_argument<'a>(ty: &'a Type, name: &str) -> Option<&'a Type> {
    let segment = last_segment(ty).filter(|segment| segment.ident == name)?;
    let PathArguments::AngleBracketed(args) = &segment.arguments else {
        return None;
    };
    let mut types = args.args.iter();
    match (types.next(), types.next()) {
        (Some(GenericArgument::Type(ty)), None) => Some(ty),
        _ => None,
    }
}

/// `Context<S>` (without the reference): its server type `S`.
pub(crate) fn context_type(ty: &Type) -> Option<&Type> {
    single_type_argument(ty, "Context")
}

/// `ReplyTo<R>`: the reply type `R`.
pub(crate) fn reply_type(ty: &Type) -> Option<&Type> {
    single_type_argument(ty, "ReplyTo")
}

/// `get_value` → `GetValue`, `r#type` → `Type`.
pub(crate) fn variant_name(method: &Ident) -> Ident {
    let name = method.to_string();
    let name = name.strip_prefix("r#").unwrap_or(&name);
    let mut out = String::with_capacity(name.len());
    let mut upper = true;
    for ch in name.chars() {
        if ch == '_' {
            upper = true;
        } else if upper {
            out.extend(ch.to_uppercase());
            upper = false;
        } else {
            out.push(ch);
        }
    }
    if out.is_empty() {
        // A method named only with underscores: keep a valid identifier.
        out.push_str("Underscore");
    } else if syn::parse_str::<Ident>(&out).is_err() {
        // `_1st` → `_1st`: an identifier cannot start with a digit.
        out.insert(0, '_');
    }
    match syn::parse_str::<Ident>(&out) {
        Ok(_) => Ident::new(&out, method.span()),
        Err(_) => Ident::new("Underscore", method.span()),
    }
}

/// A generated internal: a local, parameter or field of the generated code.
///
/// At the attribute's position (see `expand::at_call_site`), not with
/// `Span::mixed_site()`'s hygiene: a body mixing the two contexts gets spans
/// from rustc that cover the whole impl block, so that any edit in it
/// changes every server's compiled tasks. User code cannot reach these names
/// anyway: handler bodies are the user's own functions, and arguments whose
/// names start with `__genserver_` are refused (`valid::handler`).
pub(crate) fn hidden(name: &str) -> Ident {
    Ident::new(&format!("__genserver_{name}"), Span::call_site())
}
