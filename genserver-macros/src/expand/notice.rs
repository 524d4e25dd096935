//! `ReceivesDown` and `ReceivesExit`: how the runtime turns a monitor's
//! `Down` notice, or a trapped `Exit`, into the info message of the
//! `#[info]` handler whose one argument is of that type. Without such a
//! handler, the trait is not implemented, and `Context::monitor` (or
//! `trap_exits`) does not compile.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::{bounded_generics, forwarded};
use crate::ast::Server;
use crate::attr;

pub(super) fn notice_impls(server: &Server<'_>) -> TokenStream {
    [
        ("Down", "ReceivesDown", "down_info"),
        ("Exit", "ReceivesExit", "exit_info"),
    ]
    .into_iter()
    .filter_map(|(notice, trait_name, method)| {
        let handler = server.notice_handlers(notice).next()?;
        let field = handler.fields().next()?.ident?;
        let krate = &server.krate;
        let self_ty = &server.original.self_ty;
        let info = &server.info;
        let variant = &handler.variant;
        let notice = format_ident!("{notice}");
        let trait_name = format_ident!("{trait_name}");
        let method = format_ident!("{method}");
        let cfgs = forwarded(&handler.original.attrs, attr::forwards_to_arm);
        let bounded = bounded_generics(server);
        let (impl_generics, _, where_clause) = bounded.split_for_impl();
        let (_, ty_generics, _) = server.original.generics.split_for_impl();
        Some(quote! {
            #(#cfgs)*
            #[automatically_derived]
            impl #impl_generics #krate::__private::#trait_name for #self_ty #where_clause {
                fn #method(#field: #krate::__private::#notice) -> #info #ty_generics {
                    #info::#variant { #field }
                }
            }
        })
    })
    .collect()
}
