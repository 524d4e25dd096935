//! `start`, `start_named` and `start_with`: `GenServer.start/2,3`, taking
//! the state itself, or the arguments of `#[init]`.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::Ident;
use syn::ext::IdentExt as _;
use syn::spanned::Spanned;

use super::{at_call_site, bounded_generics};
use crate::ast::{Role, Server};
use crate::attr::ShutdownArg;

/// `.restart(..)` and `.shutdown(..)` for the arguments of `#[gen_server]`.
fn spec_overrides(server: &Server<'_>) -> TokenStream {
    let krate = &server.krate;
    let restart = server.restart.as_ref().map(|restart| {
        let variant = crate::ast::variant_name(restart);
        quote!(.restart(#krate::__private::Restart::#variant))
    });
    let shutdown = server.shutdown.as_ref().map(|shutdown| match shutdown {
        ShutdownArg::Millis(millis) => quote! {
            .shutdown(#krate::__private::Shutdown::Timeout(
                ::core::time::Duration::from_millis(#millis)
            ))
        },
        ShutdownArg::Named(named) => {
            let variant = crate::ast::variant_name(named);
            quote!(.shutdown(#krate::__private::Shutdown::#variant))
        }
    });
    quote!(#restart #shutdown)
}

pub(super) fn start_fns(server: &Server<'_>) -> TokenStream {
    let krate = &server.krate;
    let ident = server.ident.unraw();
    let self_ty = &server.original.self_ty;
    let bounded = bounded_generics(server);
    let (impl_generics, _, where_clause) = bounded.split_for_impl();
    let (init_fields, params, arg, what) = init_params(server);
    // The parameters of our own must not clash with init's arguments.
    let own = |preferred: &str, fallback: &str| {
        let taken = |name: &str| init_fields.iter().any(|ident| ident.unraw() == name);
        let mut name = if taken(preferred) {
            fallback
        } else {
            preferred
        }
        .to_owned();
        while taken(&name) {
            name.push('_');
        }
        format_ident!("{name}")
    };
    let name = own("name", "server_name");
    let options = own("options", "start_options");
    let result = quote! {
        ::core::result::Result<#krate::__private::ServerRef<Self>, #krate::__private::StartError<Self>>
    };
    let start_doc = format!(
        " Starts a [`{ident}`] server {what}, and returns its handle once it is \
         running: `GenServer.start/2`."
    );
    let link_doc = format!(
        " Starts a [`{ident}`] server {what}, linked to the server that calls this \
         (its parent), and returns its handle once it is running: `GenServer.start_link/2`. \
         Outside a server, as `start`."
    );
    let named_doc = format!(
        " Starts a [`{ident}`] server registered under `{name}`, {what}: \
         `GenServer.start/3` with `name:`."
    );
    let with_doc = format!(
        " Starts a [`{ident}`] server with `{options}` (a name, a start timeout), {what}: \
         `GenServer.start/3`."
    );
    let errors = " `StartError::Init` when `init` returns an error, `StartError::Exit` \
                  when it panics, `StartError::Ignore` when it chooses not to start, and \
                  `StartError::NoRuntime` outside a tokio runtime.";
    let named_errors = " As `start`, and `StartError::AlreadyStarted` (with the running \
                        server) or `StartError::NameInUse` when the name is taken.";
    let with_errors = " As `start_named`, and `StartError::Timeout` when `init` overruns \
                       the start timeout.";
    // At the attribute, not at the server's type: these are async, and their
    // futures are part of the caller's (see `at_call_site`).
    quote! {
        #[allow(dead_code, unreachable_pub)]
        impl #impl_generics #self_ty #where_clause {
            #[doc = #start_doc]
            #[doc = ""]
            #[doc = " # Errors"]
            #[doc = ""]
            #[doc = #errors]
            pub async fn start(#params) -> #result {
                #krate::__private::start::<Self>(#krate::__private::StartOptions::new(), #arg).await
            }

            #[doc = #link_doc]
            #[doc = ""]
            #[doc = " # Errors"]
            #[doc = ""]
            #[doc = #errors]
            pub async fn start_link(#params) -> #result {
                #krate::__private::start::<Self>(#krate::__private::StartOptions::new().link(), #arg).await
            }

            #[doc = #named_doc]
            #[doc = ""]
            #[doc = " # Errors"]
            #[doc = ""]
            #[doc = #named_errors]
            pub async fn start_named(#name: impl ::core::convert::Into<::std::string::String>, #params) -> #result {
                #krate::__private::start::<Self>(#krate::__private::StartOptions::new().name(#name), #arg).await
            }

            #[doc = #with_doc]
            #[doc = ""]
            #[doc = " # Errors"]
            #[doc = ""]
            #[doc = #with_errors]
            pub async fn start_with(#options: #krate::__private::StartOptions, #params) -> #result {
                #krate::__private::start::<Self>(#options, #arg).await
            }
        }
    }
}

/// What `start` and `child_spec` take, the init argument they build from
/// it, and how their docs say it; and the names of init's own arguments.
fn init_params<'a>(
    server: &'a Server<'_>,
) -> (Vec<&'a Ident>, TokenStream, TokenStream, &'static str) {
    let init_fields: Vec<&Ident> = server
        .init()
        .map(|init| {
            init.args
                .iter()
                .filter(|arg| matches!(arg.role, Role::Field))
                .filter_map(|arg| arg.ident)
                .collect()
        })
        .unwrap_or_default();
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
            // The types keep the user's spans, as in every signature; the
            // names are bound in the body (see `at_call_site`).
            let types = init
                .args
                .iter()
                .filter(|arg| matches!(arg.role, Role::Field))
                .map(|arg| &arg.original.ty);
            let idents: Vec<Ident> = init_fields.iter().copied().map(at_call_site).collect();
            (
                quote!(#(#idents: #types),*),
                quote!((#(#idents,)*)),
                "running `#[init]` with these arguments inside the new server",
            )
        }
    };
    (init_fields, params, arg, what)
}

/// `child_spec`: `child_spec/1` of `use GenServer`. Its bound is behind a
/// `for<..>`, so that a server whose init argument is not `Clone` still
/// compiles: only calling `child_spec` fails then.
///
/// A method of the user's named `child_spec` replaces it, as overriding
/// `child_spec/1` does in Elixir.
pub(super) fn child_spec_fn(server: &Server<'_>) -> TokenStream {
    // Also for a handler named so, an error already: no second definition.
    if server
        .methods
        .iter()
        .any(|method| method.sig.ident == "child_spec")
    {
        return TokenStream::new();
    }
    let krate = &server.krate;
    let ident = server.ident.unraw();
    let self_ty = &server.original.self_ty;
    let bounded = bounded_generics(server);
    let (impl_generics, _, where_clause) = bounded.split_for_impl();
    // Only the bound of its own: the impl's are on the impl already, and
    // repeating them confuses rustc for types with higher-ranked lifetimes.
    let spec_where = quote! {
        where
            for<'__genserver_spec> <Self as #krate::__private::GenServer>::InitArg: ::core::clone::Clone
    };
    let (_, params, arg, what) = init_params(server);
    let doc = format!(
        " How a supervisor starts [`{ident}`] {what}: with `start_link`, a clone of the \
         arguments for each start; `child_spec/1` of `use GenServer`. Override the id, \
         restart and shutdown with the spec's methods, or for every spec with \
         `#[gen_server(restart = .., shutdown = ..)]`."
    );
    let id = ident.to_string();
    let overrides = spec_overrides(server);
    quote_spanned! {self_ty.span()=>
        #[allow(dead_code, unreachable_pub)]
        impl #impl_generics #self_ty #where_clause {
            #[doc = #doc]
            #[must_use]
            pub fn child_spec(#params) -> #krate::__private::ChildSpec #spec_where {
                #krate::__private::ChildSpec::of::<Self>(#id, #arg) #overrides
            }
        }
    }
}
