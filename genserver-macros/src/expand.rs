//! IR to code: the message enum, the client, the `GenServer` impl with its
//! dispatch and default callbacks, and `start`/`start_named`.

use proc_macro2::{Group, TokenStream, TokenTree};
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Attribute, Generics, Ident, Item, ReturnType, Type};

use crate::ast::{Handler, Server, hidden};
use crate::attr::{self, Args, Kind};
use crate::ctxt::Ctxt;
use crate::fallback;
use crate::valid::{self, InitReturn, Part, Validity};

/// The whole attribute: parse, check, then expand or fall back.
pub(crate) fn gen_server(args: TokenStream, input: TokenStream) -> TokenStream {
    let item = match syn::parse2::<Item>(input.clone()) {
        Ok(item) => item,
        Err(error) => {
            let mut tokens = input;
            tokens.extend(error.to_compile_error());
            return tokens;
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
    let cx = Ctxt::new();
    let args = Args::parse(&cx, args);
    let Some(mut server) = Server::from_syn(&cx, original, args) else {
        return fallback::emit(original, cx.check().err(), TokenStream::new());
    };
    let validity = valid::check(&cx, &server);
    match cx.check() {
        Ok(()) => {
            let mut tokens = fallback::strip(original).into_token_stream();
            tokens.extend(generate(&server, true));
            tokens
        }
        Err(errors) => {
            let partial = partial(&mut server, &validity);
            fallback::emit(original, Some(errors), partial)
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
        message_enum(server)
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
    let mut tokens = message_enum(server);
    tokens.extend(client(server));
    tokens.extend(gen_server_impl(server));
    if with_start {
        tokens.extend(start_fns(server));
    }
    tokens
}

/// The impl's generics with `Send + 'static` added for every type parameter,
/// which every server needs to move between threads, and for every type a
/// message carries. The latter predicates carry the user's own spans, so a
/// type that cannot cross threads is reported on the token that names it.
fn bounded_generics(server: &Server<'_>) -> Generics {
    let mut generics = server.original.generics.clone();
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
        .chain(init_args);
    let replies = unconditional.filter_map(|handler| match &handler.original.sig.output {
        ReturnType::Type(_, ty) if handler.kind == Kind::Call => Some(&**ty),
        _ => None,
    });
    let mut seen = Vec::new();
    for ty in args.map(|arg| &*arg.original.ty).chain(replies) {
        let replaced = replace_self(ty, self_ty);
        let key = replaced.to_string();
        if seen.contains(&key) {
            continue;
        }
        seen.push(key);
        where_clause
            .predicates
            .push(syn::parse_quote_spanned!(ty.span()=> #replaced: ::core::marker::Send + 'static));
    }
    generics
}

/// The name of a call variant's reply field: `reply_to`, unless an argument
/// already has that name.
fn reply_field(handler: &Handler<'_>) -> Ident {
    let taken = handler
        .args
        .iter()
        .any(|arg| arg.ident.is_some_and(|ident| ident == "reply_to"));
    if taken {
        format_ident!("__genserver_reply_to")
    } else {
        format_ident!("reply_to")
    }
}

/// A handler's argument names, as validated.
fn arg_idents<'a>(handler: &'a Handler<'_>) -> impl Iterator<Item = &'a Ident> + Clone {
    handler.args.iter().filter_map(|arg| arg.ident)
}

/// The type of a call's reply: the handler's return type, or `()`.
fn reply_type(server: &Server<'_>, handler: &Handler<'_>) -> TokenStream {
    match &handler.original.sig.output {
        ReturnType::Type(_, ty) => replace_self(ty, &server.original.self_ty),
        ReturnType::Default => quote!(()),
    }
}

fn forwarded(
    attrs: &[Attribute],
    keep: fn(&Attribute) -> bool,
) -> impl Iterator<Item = &Attribute> {
    attrs.iter().filter(move |attr| keep(attr))
}

fn message_enum(server: &Server<'_>) -> TokenStream {
    let Server { message, ident, .. } = server;
    let generics = &server.original.generics;
    let where_clause = &generics.where_clause;
    let variants = server.handlers.iter().map(|handler| {
        let variant = &handler.variant;
        let attrs = forwarded(&handler.original.attrs, attr::forwards_to_client);
        let method = &handler.original.sig.ident;
        let fields = handler.args.iter().filter_map(|arg| {
            let ident = arg.ident?;
            let ty = replace_self(&arg.original.ty, &server.original.self_ty);
            let doc = format!(" The `{ident}` argument of `{method}`.");
            Some(quote!(#[doc = #doc] #ident: #ty))
        });
        let reply = (handler.kind == Kind::Call).then(|| {
            let field = reply_field(handler);
            let reply = reply_type(server, handler);
            let krate = &server.krate;
            quote! {
                #[doc = " Where the reply goes."]
                #field: #krate::__private::ReplyTo<#reply>
            }
        });
        let has_docs = handler
            .original
            .attrs
            .iter()
            .any(|attr| attr.path().is_ident("doc"));
        let doc = (!has_docs).then(|| {
            let text = format!(
                " The message of the `{}` handler.",
                handler.original.sig.ident
            );
            quote!(#[doc = #text])
        });
        quote! {
            #doc
            #(#attrs)*
            #variant { #(#fields,)* #reply }
        }
    });
    let phantom = phantom_variant(server);
    let doc = format!(
        " The messages [`{ident}`] handles: one variant per `#[call]` and `#[cast]` handler, \
         generated by `#[gen_server]`."
    );
    let (impl_generics, ty_generics, _) = generics.split_for_impl();
    let debug_arms = server.handlers.iter().map(|handler| {
        let variant = &handler.variant;
        let cfgs = forwarded(&handler.original.attrs, attr::forwards_to_arm);
        let name = variant.to_string();
        quote! {
            #(#cfgs)*
            Self::#variant { .. } => f.debug_struct(#name).finish_non_exhaustive(),
        }
    });
    let phantom_arm = phantom.as_ref().map(|_| {
        let never = hidden("never");
        quote!(Self::__GenServerPhantom(_, #never) => match #never {},)
    });
    quote! {
        #[doc = #doc]
        #[allow(dead_code, unreachable_pub, private_interfaces)]
        pub enum #message #generics #where_clause {
            #(#variants,)*
            #phantom
        }

        /// Shows which handler a message is for, not its arguments, which
        /// need not implement `Debug`.
        #[automatically_derived]
        #[allow(deprecated)]
        impl #impl_generics ::core::fmt::Debug for #message #ty_generics #where_clause {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                match *self {
                    #(#debug_arms)*
                    #phantom_arm
                }
            }
        }
    }
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

fn client(server: &Server<'_>) -> TokenStream {
    let Server {
        client,
        message,
        ident,
        krate,
        ..
    } = server;
    let self_ty = &server.original.self_ty;
    let bounded = bounded_generics(server);
    let (impl_generics, ty_generics, where_clause) = bounded.split_for_impl();
    let raw = format_ident!("__genserver_raw");
    let functions = server.handlers.iter().map(|handler| {
        let method = &handler.original.sig.ident;
        let vis = &handler.original.vis;
        let variant = &handler.variant;
        let attrs = forwarded(&handler.original.attrs, attr::forwards_to_client);
        let has_docs = handler.original.attrs.iter().any(|attr| attr.path().is_ident("doc"));
        let idents = arg_idents(handler);
        let params = handler.args.iter().filter_map(|arg| {
            let ident = arg.ident?;
            let ty = replace_self(&arg.original.ty, self_ty);
            Some(quote!(#ident: #ty))
        });
        let span = handler.original.sig.ident.span();
        if handler.kind == Kind::Call {
            let reply = reply_type(server, handler);
            let field = reply_field(handler);
            let slot = hidden("reply");
            let doc = (!has_docs).then(|| {
                let text = format!(" Calls the `{method}` handler and waits for its reply.");
                quote!(#[doc = #text])
            });
            quote_spanned! {span=>
                #doc
                #(#attrs)*
                #vis fn #method(&self, #(#params),*) -> #krate::__private::Call<'_, #self_ty, #reply> {
                    #krate::__private::RawRef::call(&self.#raw, move |#slot| #message::#variant {
                        #(#idents,)*
                        #field: #slot,
                    })
                }
            }
        } else {
            let doc = (!has_docs).then(|| {
                let text = format!(" Casts to the `{method}` handler, without waiting.");
                quote!(#[doc = #text])
            });
            let errors = quote_spanned! {span=>
                #[doc = ""]
                #[doc = " # Errors"]
                #[doc = ""]
                #[doc = " `CastError::NoProc`, which gives the message back, when the server is not running."]
            };
            quote_spanned! {span=>
                #doc
                #(#attrs)*
                #errors
                #vis fn #method(&self, #(#params),*) -> ::core::result::Result<(), #krate::__private::CastError<#message #ty_generics>> {
                    #krate::__private::RawRef::cast(&self.#raw, #message::#variant { #(#idents,)* })
                }
            }
        }
    });
    let doc = format!(
        " The client of [`{ident}`]: one function per handler. `ServerRef<{ident}>` \
         dereferences to it, so call them on the server's handle."
    );
    let def_where = &bounded.where_clause;
    quote! {
        #[doc = #doc]
        #[allow(unreachable_pub)]
        pub struct #client #bounded #def_where {
            #raw: #krate::__private::RawRef<#self_ty>,
        }

        #[automatically_derived]
        #[allow(deprecated)]
        impl #impl_generics #krate::__private::ClientOf<#self_ty> for #client #ty_generics #where_clause {
            fn from_raw(raw: #krate::__private::RawRef<#self_ty>) -> Self {
                Self { #raw: raw }
            }

            fn raw(&self) -> &#krate::__private::RawRef<#self_ty> {
                &self.#raw
            }
        }

        #[automatically_derived]
        #[allow(deprecated)]
        impl #impl_generics ::core::fmt::Debug for #client #ty_generics #where_clause {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                ::core::fmt::Debug::fmt(&self.#raw, f)
            }
        }

        #[allow(dead_code, deprecated, unreachable_pub, private_interfaces)]
        impl #impl_generics #client #ty_generics #where_clause {
            #(#functions)*
        }
    }
}

fn gen_server_impl(server: &Server<'_>) -> TokenStream {
    let Server {
        client,
        message,
        krate,
        ..
    } = server;
    let self_ty = &server.original.self_ty;
    let bounded = bounded_generics(server);
    let (impl_generics, ty_generics, where_clause) = bounded.split_for_impl();
    let scrutinee = hidden("message");
    let arms = server.handlers.iter().map(|handler| {
        let method = &handler.original.sig.ident;
        let variant = &handler.variant;
        let cfgs = forwarded(&handler.original.attrs, attr::forwards_to_arm);
        let idents = arg_idents(handler);
        let call_args = idents.clone();
        let awaited = handler.original.sig.asyncness.map(|_| quote!(.await));
        let span = handler.original.sig.ident.span();
        let invoke = quote_spanned!(span=> Self::#method(self, #(#call_args),*) #awaited);
        if handler.kind == Kind::Call {
            let field = reply_field(handler);
            let slot = hidden("reply");
            quote! {
                #(#cfgs)*
                #message::#variant { #(#idents,)* #field: #slot } => {
                    let _ = #slot.send(#invoke);
                }
            }
        } else {
            quote! {
                #(#cfgs)*
                #message::#variant { #(#idents,)* } => {
                    #invoke;
                }
            }
        }
    });
    let phantom_arm = phantom_variant(server).map(|_| {
        let never = hidden("never");
        quote!(#message::__GenServerPhantom(_, #never) => match #never {},)
    });
    let (init_arg, init_error, init_body) = init_parts(server);
    let terminate = server.terminate().map(|terminate| {
        let method = &terminate.original.sig.ident;
        let reason = hidden("reason");
        let awaited = terminate.original.sig.asyncness.map(|_| quote!(.await));
        let pass_reason = (!terminate.args.is_empty()).then(|| quote!(, #reason));
        quote! {
            async fn terminate(&mut self, #reason: &#krate::__private::ExitReason) {
                Self::#method(self #pass_reason) #awaited;
            }
        }
    });
    let arg = hidden("arg");
    quote! {
        #[automatically_derived]
        #[allow(deprecated)]
        impl #impl_generics #krate::__private::GenServer for #self_ty #where_clause {
            type Message = #message #ty_generics;
            type InitArg = #init_arg;
            type InitError = #init_error;
            type Client = #client #ty_generics;

            async fn init(#arg: Self::InitArg) -> ::core::result::Result<Self, Self::InitError> {
                #init_body
            }

            async fn handle_message(&mut self, #scrutinee: Self::Message) {
                match #scrutinee {
                    #(#arms)*
                    #phantom_arm
                }
            }

            #terminate
        }
    }
}

/// `InitArg`, `InitError` and the body of `GenServer::init`.
fn init_parts(server: &Server<'_>) -> (TokenStream, TokenStream, TokenStream) {
    let arg = hidden("arg");
    let infallible = quote!(::core::convert::Infallible);
    let Some(init) = server.init() else {
        return (
            quote!(Self),
            infallible,
            quote!(::core::result::Result::Ok(#arg)),
        );
    };
    let method = &init.original.sig.ident;
    let types = init.args.iter().map(|arg| &arg.original.ty);
    let fields = (0..init.args.len()).map(syn::Index::from);
    let awaited = init.original.sig.asyncness.map(|_| quote!(.await));
    let span = method.span();
    let invoke = quote_spanned!(span=> Self::#method(#(#arg.#fields),*) #awaited);
    let unused = init.args.is_empty().then(|| quote!(let () = #arg;));
    // Validation proved the return type is `Self` or `Result<Self, E>`.
    let (error, body) = match valid::init_return(server, &init.original.sig.output) {
        Some(InitReturn::Result(error)) => (error.to_token_stream(), quote!(#unused #invoke)),
        Some(InitReturn::State) | None => (
            infallible,
            quote!(#unused ::core::result::Result::Ok(#invoke)),
        ),
    };
    (quote!((#(#types,)*)), error, body)
}

fn start_fns(server: &Server<'_>) -> TokenStream {
    let krate = &server.krate;
    let ident = server.ident;
    let self_ty = &server.original.self_ty;
    let bounded = bounded_generics(server);
    let (impl_generics, _, where_clause) = bounded.split_for_impl();
    let (params, arg, what) = match server.init() {
        None => {
            let state = format_ident!("state");
            (
                quote!(#state: Self),
                quote!(#state),
                "with `state` as its state",
            )
        }
        Some(init) => {
            let idents: Vec<&Ident> = init.args.iter().filter_map(|arg| arg.ident).collect();
            let types = init.args.iter().map(|arg| &arg.original.ty);
            (
                quote!(#(#idents: #types),*),
                quote!((#(#idents,)*)),
                "running `#[init]` with these arguments inside the new server",
            )
        }
    };
    let name_taken = server.init().is_some_and(|init| {
        init.args
            .iter()
            .any(|arg| arg.ident.is_some_and(|i| i == "name"))
    });
    let name = if name_taken {
        format_ident!("server_name")
    } else {
        format_ident!("name")
    };
    let result = quote! {
        ::core::result::Result<#krate::__private::ServerRef<Self>, #krate::__private::StartError<Self>>
    };
    let start_doc = format!(
        " Starts a [`{ident}`] server {what}, and returns its handle once it is \
         running: `GenServer.start/2`."
    );
    let named_doc = format!(
        " Starts a [`{ident}`] server registered under `{name}`, {what}: \
         `GenServer.start/3` with `name:`. Fails with `StartError::AlreadyStarted` \
         when the name is taken."
    );
    let errors = " `StartError::Init` when `init` returns an error, `StartError::Exit` \
                  when it panics, and `StartError::NoRuntime` outside a tokio runtime.";
    let named_errors = " As `start`, and `StartError::AlreadyStarted` (with the running \
                        server) or `StartError::NameInUse` when the name is taken.";
    let span = self_ty.span();
    quote_spanned! {span=>
        #[allow(dead_code, unreachable_pub)]
        impl #impl_generics #self_ty #where_clause {
            #[doc = #start_doc]
            #[doc = ""]
            #[doc = " # Errors"]
            #[doc = ""]
            #[doc = #errors]
            pub async fn start(#params) -> #result {
                #krate::__private::start::<Self>(::core::option::Option::None, #arg).await
            }

            #[doc = #named_doc]
            #[doc = ""]
            #[doc = " # Errors"]
            #[doc = ""]
            #[doc = #named_errors]
            pub async fn start_named(#name: &str, #params) -> #result {
                #krate::__private::start::<Self>(::core::option::Option::Some(#name), #arg).await
            }
        }
    }
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
                let is_path =
                    matches!(tokens.peek(), Some(TokenTree::Punct(p)) if p.as_char() == ':');
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
