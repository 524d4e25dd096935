//! `impl GenServer`: the dispatch from each message and info message to its
//! handler, and the callbacks the user did not write, as `use GenServer`
//! injects them (`init` takes the state itself, `terminate` does nothing,
//! `handle_info` is the runtime's default).

use proc_macro2::TokenStream;
use quote::{ToTokens, quote};
use syn::Ident;
use syn::spanned::Spanned as _;

use super::{
    at_call_site, bounded_generics, field_idents, forwarded, located_at, phantom_variant,
    reply_field,
};
use crate::ast::{Arg, Handler, Role, Server, hidden};
use crate::attr::{self, Kind};
use crate::valid::{self, InitReturn};

pub(super) fn gen_server_impl(server: &Server<'_>) -> TokenStream {
    let Server {
        client,
        message,
        info,
        krate,
        ..
    } = server;
    let self_ty = &server.original.self_ty;
    let bounded = bounded_generics(server);
    let (impl_generics, ty_generics, where_clause) = bounded.split_for_impl();
    let ctx = hidden("ctx");
    let context = quote!(#krate::__private::Context<Self>);
    let scrutinee = hidden("message");
    let message_arms = server
        .messages()
        .map(|handler| arm(server, message, handler));
    let phantom_arm = |name: &Ident| {
        phantom_variant(server).map(|_| {
            let never = hidden("never");
            quote!(#name::__GenServerPhantom(_, #never) => match #never {},)
        })
    };
    let message_phantom = phantom_arm(message);
    // For the replies' `Debug`, in a trace (`arm`); unused without calls.
    let show = hidden("show");
    let show_traits = quote! {
        #[allow(unused_imports)]
        use #krate::__private::{Show as #show, ShowDebug as _, ShowOpaque as _};
    };
    let message_at = at_call_site(message);
    let info_at = at_call_site(info);
    let handle_info = server.infos().next().is_some().then(|| {
        let arms = server.infos().map(|handler| arm(server, info, handler));
        let phantom = phantom_arm(info);
        quote! {
            async fn handle_info(&mut self, #scrutinee: Self::Info, #ctx: &mut #context) {
                #show_traits
                match #scrutinee {
                    #(#arms)*
                    #phantom
                }
            }

            fn info_name(#scrutinee: &Self::Info) -> &'static str {
                #info_at::__genserver_name(#scrutinee)
            }
        }
    });
    let info_type = if server.infos().next().is_some() {
        quote!(#info #ty_generics)
    } else {
        quote!(::core::convert::Infallible)
    };
    let (init_arg, init_error, init_body) = init_parts(server);
    let terminate = server.terminate().map(|terminate| {
        let method = at_call_site(&terminate.original.sig.ident);
        let reason = hidden("reason");
        let awaited = terminate.original.sig.asyncness.map(|_| quote!(.await));
        let pass_reason = terminate.args.first().map(|_| quote!(, #reason));
        let callback = quote! {
            async fn terminate(&mut self, #reason: &#krate::__private::ExitReason) {
                Self::#method(self #pass_reason) #awaited;
            }
        };
        // A reason of another type is reported at the user's type, not at the
        // attribute: the whole function is placed there (one token alone at
        // the user's position would tie it to the attribute's, see
        // `at_call_site`).
        match terminate.args.first() {
            Some(arg) => located_at(callback, arg.original.ty.span()),
            None => callback,
        }
    });
    let arg = hidden("arg");
    let shown = shown(krate);
    quote! {
        #[automatically_derived]
        #[allow(deprecated, clippy::needless_borrow, clippy::used_underscore_binding)]
        impl #impl_generics #krate::__private::GenServer for #self_ty #where_clause {
            type Message = #message #ty_generics;
            type Info = #info_type;
            type InitArg = #init_arg;
            type InitError = #init_error;
            type Client = #client #ty_generics;

            async fn init(
                #arg: Self::InitArg,
                #ctx: &mut #context,
            ) -> ::core::result::Result<::core::option::Option<Self>, Self::InitError> {
                #init_body
            }

            async fn handle_message(&mut self, #scrutinee: Self::Message, #ctx: &mut #context) {
                #show_traits
                match #scrutinee {
                    #(#message_arms)*
                    #message_phantom
                }
            }

            fn message_name(#scrutinee: &Self::Message) -> &'static str {
                #message_at::__genserver_name(#scrutinee)
            }

            #handle_info

            #terminate

            #shown
        }
    }
}

/// The callbacks that show the server to people: its init error as an
/// error's source, when the error's type is an `Error`, and its state,
/// with its `Debug` when it has one. The choice is made by autoref in the
/// user's crate, where the types are concrete.
fn shown(krate: &syn::Path) -> TokenStream {
    let formatter = hidden("f");
    let failure = hidden("error");
    quote! {
        fn init_error_source(#failure: &Self::InitError) -> ::core::option::Option<&(dyn ::core::error::Error + 'static)> {
            use #krate::__private::{ShowError as _, ShowNoError as _};
            (&&#krate::__private::Show(#failure)).__genserver_error()
        }

        fn format_state(&self, #formatter: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
            use #krate::__private::{ShowDebug as _, ShowOpaque as _};
            #krate::__private::format_state(
                #formatter,
                (&&#krate::__private::Show(self)).__genserver_debug(),
                ::core::any::type_name::<Self>(),
            )
        }
    }
}

/// The match arm that runs `handler` for its variant of `enum_name`.
fn arm(server: &Server<'_>, enum_name: &Ident, handler: &Handler<'_>) -> TokenStream {
    let enum_name = at_call_site(enum_name);
    let method = at_call_site(&handler.original.sig.ident);
    let variant = at_call_site(&handler.variant);
    let cfgs = forwarded(&handler.original.attrs, attr::forwards_to_arm);
    let idents = field_idents(handler).map(at_call_site);
    let ctx = hidden("ctx");
    let slot = hidden("reply");
    let call_args = handler.args.iter().map(|arg| passed(arg, &ctx, &slot));
    let awaited = handler.original.sig.asyncness.map(|_| quote!(.await));
    let invoke = quote!(Self::#method(self, #(#call_args),*) #awaited);
    if handler.kind == Kind::Call {
        let field = reply_field(handler);
        let krate = &server.krate;
        let value = hidden("value");
        // Shows the reply in a trace, if its type has a `Debug` (the traits
        // are imported by `handle_message` and `handle_info`).
        let show = hidden("show");
        let show = quote!(|#value| (&&#show(#value)).__genserver_debug());
        let body = if handler.reply_slot().is_some() {
            // The handler answers through the slot itself.
            quote!(#invoke;)
        } else if matches!(handler.original.sig.output, syn::ReturnType::Default) {
            quote! {
                #invoke;
                #krate::__private::reply(#ctx, #slot, (), #show);
            }
        } else {
            // The reply waits for `terminate` if the handler asked to stop;
            // the handler's borrow of the context ends before the reply's.
            quote! {
                let #value = #invoke;
                #krate::__private::reply(#ctx, #slot, #value, #show);
            }
        };
        quote! {
            #(#cfgs)*
            #enum_name::#variant { #(#idents,)* #field: #slot } => {
                #body
            }
        }
    } else {
        let pattern = if handler.kind == Kind::Info && handler.fields().next().is_none() {
            quote!(#enum_name::#variant)
        } else {
            quote!(#enum_name::#variant { #(#idents,)* })
        };
        // Casts and info handlers return nothing (`valid::handler`).
        quote! {
            #(#cfgs)*
            #pattern => #invoke,
        }
    }
}

/// What the dispatch passes for one argument of a handler.
fn passed(arg: &Arg<'_>, ctx: &Ident, slot: &Ident) -> TokenStream {
    match arg.role {
        Role::Field => arg.ident.map(at_call_site).to_token_stream(),
        Role::Context => ctx.to_token_stream(),
        Role::Reply(_) => slot.to_token_stream(),
    }
}

/// `InitArg`, `InitError` and the body of `GenServer::init`.
fn init_parts(server: &Server<'_>) -> (TokenStream, TokenStream, TokenStream) {
    let arg = hidden("arg");
    let ctx = hidden("ctx");
    let infallible = quote!(::core::convert::Infallible);
    let some = quote!(::core::option::Option::Some);
    let ok = quote!(::core::result::Result::Ok);
    let Some(init) = server.init() else {
        return (quote!(Self), infallible, quote!(#ok(#some(#arg))));
    };
    let method = at_call_site(&init.original.sig.ident);
    let types = init
        .args
        .iter()
        .filter(|arg| matches!(arg.role, Role::Field))
        .map(|arg| &arg.original.ty);
    let mut field = 0;
    let passed = init.args.iter().map(|init_arg| {
        if matches!(init_arg.role, Role::Context) {
            ctx.to_token_stream()
        } else {
            let index = syn::Index::from(field);
            field += 1;
            quote!(#arg.#index)
        }
    });
    let passed: Vec<TokenStream> = passed.collect();
    let awaited = init.original.sig.asyncness.map(|_| quote!(.await));
    let invoke = quote!(Self::#method(#(#passed),*) #awaited);
    let unused = (field == 0).then(|| quote!(let () = #arg;));
    // Validation proved the return type is `Self`, `Option<Self>`,
    // `Result<Self, E>` or `Result<Option<Self>, E>`.
    let shape = valid::init_return(server, &init.original.sig.output).unwrap_or(InitReturn {
        error: None,
        optional: false,
    });
    let body = match (shape.error, shape.optional) {
        (None, false) => quote!(#ok(#some(#invoke))),
        (None, true) => quote!(#ok(#invoke)),
        (Some(_), false) => quote!(::core::result::Result::map(#invoke, #some)),
        (Some(_), true) => invoke,
    };
    let error = shape.error.map_or(infallible, ToTokens::to_token_stream);
    (quote!((#(#types,)*)), error, quote!(#unused #body))
}
