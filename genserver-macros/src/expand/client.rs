//! The client (`{Type}Client`), which `ServerRef<Type>` dereferences to: one
//! function per `#[call]` and `#[cast]`, named, documented and typed like the
//! handler, minus the context and the reply slot.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::ext::IdentExt as _;

use super::{bounded_generics, field_decls, field_idents, has_docs, reply_field, reply_type};
use crate::ast::{Server, hidden};
use crate::attr::{self, CallTimeout, Kind};

pub(super) fn client(server: &Server<'_>) -> TokenStream {
    let Server {
        client,
        message,
        krate,
        ..
    } = server;
    let self_ty = &server.original.self_ty;
    let bounded = bounded_generics(server);
    let (impl_generics, ty_generics, where_clause) = bounded.split_for_impl();
    let raw = format_ident!("__genserver_raw");
    let functions = server.messages().map(|handler| {
        let method = &handler.original.sig.ident;
        let vis = &handler.original.vis;
        let variant = &handler.variant;
        let attrs = attr::for_client(&handler.original.attrs);
        let has_docs = has_docs(handler);
        let idents = field_idents(handler);
        let params = field_decls(server, handler);
        let span = handler.original.sig.ident.span();
        if handler.kind == Kind::Call {
            let reply = reply_type(server, handler);
            let field = reply_field(handler);
            let slot = hidden("reply");
            let doc = (!has_docs).then(|| {
                let text = format!(" Calls the `{method}` handler and waits for its reply.");
                quote!(#[doc = #text])
            });
            let timeout = handler.timeout.as_ref().map(|timeout| match timeout {
                CallTimeout::Infinity => quote!(.no_timeout()),
                CallTimeout::Millis(millis) => {
                    quote!(.timeout(::core::time::Duration::from_millis(#millis)))
                }
            });
            quote_spanned! {span=>
                #doc
                #(#attrs)*
                #vis fn #method(&self, #(#params),*) -> #krate::__private::Call<'_, #self_ty, #reply> {
                    #krate::__private::RawRef::call(&self.#raw, move |#slot| #message::#variant {
                        #(#idents,)*
                        #field: #slot,
                    }) #timeout
                }
            }
        } else {
            let doc = (!has_docs).then(|| {
                let text = format!(" Casts to the `{method}` handler, without waiting.");
                quote!(#[doc = #text])
            });
            let errors = quote_spanned! {span=>
                #[doc = " # Errors"]
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
    let ident = server.ident.unraw();
    let doc = format!(
        " The client of [`{ident}`]: one function per handler. `ServerRef<{ident}>` \
         dereferences to it, so call them on the server's handle."
    );
    let def_where = &bounded.where_clause;
    // A lower-case constant in scope would capture `raw` or `f`.
    let (raw_arg, formatter) = (hidden("raw_ref"), hidden("f"));
    quote! {
        #[doc = #doc]
        #[allow(unreachable_pub)]
        pub struct #client #bounded #def_where {
            #raw: #krate::__private::RawRef<#self_ty>,
        }

        #[automatically_derived]
        #[allow(deprecated)]
        impl #impl_generics #krate::__private::ClientOf<#self_ty> for #client #ty_generics #where_clause {
            fn from_raw(#raw_arg: #krate::__private::RawRef<#self_ty>) -> Self {
                Self { #raw: #raw_arg }
            }

            fn raw(&self) -> &#krate::__private::RawRef<#self_ty> {
                &self.#raw
            }
        }

        #[automatically_derived]
        #[allow(deprecated)]
        impl #impl_generics ::core::fmt::Debug for #client #ty_generics #where_clause {
            fn fmt(&self, #formatter: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                ::core::fmt::Debug::fmt(&self.#raw, #formatter)
            }
        }

        #[allow(dead_code, deprecated, unreachable_pub, private_interfaces)]
        #[allow(clippy::used_underscore_binding)]
        impl #impl_generics #client #ty_generics #where_clause {
            #(#functions)*
        }
    }
}
