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
#[cfg(test)]
mod tests;
mod valid;

use proc_macro::TokenStream;

// Each attribute is documented where users meet it, in `genserver`, which
// re-exports it. The short texts here show on this crate's own pages only:
// `cfg(doc)` is set for the crate being documented, not for its
// dependencies, so `genserver`'s pages do not show two descriptions.
#[cfg_attr(
    doc,
    doc = "Turns an impl block into a server: `genserver::gen_server`, which re-exports this, documents it."
)]
#[cfg_attr(not(doc), allow(missing_docs))]
#[proc_macro_attribute]
pub fn gen_server(args: TokenStream, input: TokenStream) -> TokenStream {
    expand::gen_server(args.into(), input.into()).into()
}

#[cfg_attr(
    doc,
    doc = "Marks a call handler inside a `#[gen_server]` impl block: `genserver::call`, which re-exports this, documents it."
)]
#[cfg_attr(not(doc), allow(missing_docs))]
#[proc_macro_attribute]
pub fn call(_args: TokenStream, input: TokenStream) -> TokenStream {
    expand::outside_gen_server("call", input.into()).into()
}

#[cfg_attr(
    doc,
    doc = "Marks a cast handler inside a `#[gen_server]` impl block: `genserver::cast`, which re-exports this, documents it."
)]
#[cfg_attr(not(doc), allow(missing_docs))]
#[proc_macro_attribute]
pub fn cast(_args: TokenStream, input: TokenStream) -> TokenStream {
    expand::outside_gen_server("cast", input.into()).into()
}

#[cfg_attr(
    doc,
    doc = "Marks the init callback inside a `#[gen_server]` impl block: `genserver::init`, which re-exports this, documents it."
)]
#[cfg_attr(not(doc), allow(missing_docs))]
#[proc_macro_attribute]
pub fn init(_args: TokenStream, input: TokenStream) -> TokenStream {
    expand::outside_gen_server("init", input.into()).into()
}

#[cfg_attr(
    doc,
    doc = "Marks the terminate callback inside a `#[gen_server]` impl block: `genserver::terminate`, which re-exports this, documents it."
)]
#[cfg_attr(not(doc), allow(missing_docs))]
#[proc_macro_attribute]
pub fn terminate(_args: TokenStream, input: TokenStream) -> TokenStream {
    expand::outside_gen_server("terminate", input.into()).into()
}

#[cfg_attr(
    doc,
    doc = "Marks an info handler inside a `#[gen_server]` impl block: `genserver::info`, which re-exports this, documents it."
)]
#[cfg_attr(not(doc), allow(missing_docs))]
#[proc_macro_attribute]
pub fn info(_args: TokenStream, input: TokenStream) -> TokenStream {
    expand::outside_gen_server("info", input.into()).into()
}
