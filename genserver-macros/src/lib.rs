//! The `#[gen_server]` attribute of the [`genserver`] crate.
//!
//! This crate is an implementation detail: depend on `genserver`, which
//! re-exports the attribute and documents it.
//!
//! [`genserver`]: https://docs.rs/genserver
//!
//! The pipeline, one file a stage: `attr` reads the attribute's arguments
//! and the handler attributes, `ast` turns the impl block into an IR that
//! keeps the user's syntax, `valid` checks it and collects every mistake in
//! a `ctxt::Ctxt`, `expand` generates the code, and `fallback` emits the
//! user's impl next to the errors when there are any.

mod ast;
mod attr;
mod ctxt;
mod expand;
mod fallback;
#[cfg(test)]
mod fuzz;
mod valid;

use proc_macro::TokenStream;

/// Turns an impl block into a server. Documented in the `genserver` crate.
#[proc_macro_attribute]
pub fn gen_server(args: TokenStream, input: TokenStream) -> TokenStream {
    expand::gen_server(args.into(), input.into()).into()
}

/// Marks a call handler inside a `#[gen_server]` impl block; on its own, an error.
#[proc_macro_attribute]
pub fn call(_args: TokenStream, input: TokenStream) -> TokenStream {
    expand::outside_gen_server("call", input.into()).into()
}

/// Marks a cast handler inside a `#[gen_server]` impl block; on its own, an error.
#[proc_macro_attribute]
pub fn cast(_args: TokenStream, input: TokenStream) -> TokenStream {
    expand::outside_gen_server("cast", input.into()).into()
}

/// Marks the init callback inside a `#[gen_server]` impl block; on its own, an error.
#[proc_macro_attribute]
pub fn init(_args: TokenStream, input: TokenStream) -> TokenStream {
    expand::outside_gen_server("init", input.into()).into()
}

/// Marks the terminate callback inside a `#[gen_server]` impl block; on its own, an error.
#[proc_macro_attribute]
pub fn terminate(_args: TokenStream, input: TokenStream) -> TokenStream {
    expand::outside_gen_server("terminate", input.into()).into()
}

/// Marks an info handler inside a `#[gen_server]` impl block; on its own, an error.
#[proc_macro_attribute]
pub fn info(_args: TokenStream, input: TokenStream) -> TokenStream {
    expand::outside_gen_server("info", input.into()).into()
}
