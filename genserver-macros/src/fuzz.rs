//! The macro never panics, whatever it is given: a property test over
//! every single-token change (deleted, replaced, duplicated, at any depth)
//! of a few impl blocks that use every feature, and over odd attribute
//! arguments. A panic in a proc macro is an error pointing at the
//! attribute that explains nothing; mistakes must be `syn::Error`s.

use std::panic;

use proc_macro2::{Group, TokenStream, TokenTree};

use crate::expand;

/// Impl blocks that use each kind of handler, generics, contexts, reply
/// slots, attributes on handlers, `cfg`s and the `#[gen_server]` arguments.
const SAMPLES: [(&str, &str); 3] = [
    (
        "message = StoreMsg, client = StoreClient, restart = transient, shutdown = 500",
        r"
        impl<T: Clone> Store<T> where T: Default {
            /// Starts.
            #[init]
            async fn init(first: T, ctx: &mut Context<Self>) -> Result<Option<Self>, String> {
                Ok(Some(Store { items: vec![first] }))
            }
            #[call(timeout = 100)]
            #[cfg_attr(all(), inline)]
            #[expect(clippy::needless_pass_by_value)]
            pub fn get(&self, index: usize) -> Option<T> { self.items.get(index).cloned() }
            #[cast]
            pub(crate) fn put(&mut self, item: T, ctx: &mut Context<Self>) { self.items.push(item); }
            #[call]
            fn later(&mut self, reply: ReplyTo<u64>) { let _ = reply; }
            #[info]
            fn tick(&mut self, by: u32) {}
            #[terminate]
            fn terminate(&mut self, reason: &ExitReason) {}
            fn helper(&self) -> usize { 0 }
        }
        ",
    ),
    (
        "",
        r#"
        impl r#Counter {
            #[call]
            fn _1st(&mut self) -> u32 { 1 }
            #[cfg(test)]
            #[call]
            fn which(&self) -> &'static str { "test" }
            #[cfg(not(test))]
            #[call]
            fn which(&self) -> &'static str { "not test" }
            #[cast]
            async fn run(&mut self, job: Box<dyn for<'a> Fn(&'a str) -> &'a str + Send>) {}
            #[info]
            fn down(&mut self, down: Down) {}
            #[info]
            fn exit(&mut self, exit: Exit) {}
        }
        "#,
    ),
    (
        "crate = ::my::genserver, info = Notes",
        r"
        impl Stack where Self: Default {
            #[call(timeout = infinity)]
            fn pop(&mut self) -> Option<String> { self.items.pop() }
            #[cast]
            fn push(&mut self, item: String) { self.items.push(item) }
            #[call]
            fn peek(&self, (a, b): (u8, u8), _: u8) -> Vec<_> { todo!() }
        }
        ",
    ),
];

/// Tokens put in place of each token of the samples.
const REPLACEMENTS: &str = "_ r#x self Self 'a 0 \"s\" # , ; & < > :: ! ? = () [] {} ... fn impl \
                            call init info terminate Context ReplyTo";

fn tokens(text: &str) -> TokenStream {
    text.parse().expect("the samples are token streams")
}

/// Every change of one token of `stream`, at any depth.
fn mutations(stream: &TokenStream, replacements: &[TokenTree]) -> Vec<TokenStream> {
    let trees: Vec<TokenTree> = stream.clone().into_iter().collect();
    let mut out = Vec::new();
    let rebuild = |index: usize, with: &[TokenTree]| -> TokenStream {
        let mut changed = trees[..index].to_vec();
        changed.extend_from_slice(with);
        changed.extend_from_slice(&trees[index + 1..]);
        changed.into_iter().collect()
    };
    for (index, tree) in trees.iter().enumerate() {
        out.push(rebuild(index, &[]));
        out.push(rebuild(index, &[tree.clone(), tree.clone()]));
        for replacement in replacements {
            out.push(rebuild(index, std::slice::from_ref(replacement)));
        }
        if let TokenTree::Group(group) = tree {
            for inner in mutations(&group.stream(), replacements) {
                let mut changed = Group::new(group.delimiter(), inner);
                changed.set_span(group.span());
                out.push(rebuild(index, &[TokenTree::Group(changed)]));
            }
        }
    }
    out
}

/// Runs the macro, reporting a panic with the input that caused it.
fn expand_without_panic(args: &TokenStream, input: &TokenStream) {
    let outcome = panic::catch_unwind(|| expand::gen_server(args.clone(), input.clone()));
    assert!(
        outcome.is_ok(),
        "the macro panicked on `#[gen_server({args})] {input}`"
    );
}

#[test]
fn no_change_of_one_token_makes_the_macro_panic() {
    let replacements: Vec<TokenTree> = tokens(REPLACEMENTS).into_iter().collect();
    let mut expanded = 0;
    for (args, input) in SAMPLES {
        let (args, input) = (tokens(args), tokens(input));
        expand_without_panic(&args, &input);
        for changed in mutations(&input, &replacements) {
            expand_without_panic(&args, &changed);
            expanded += 1;
        }
        for changed in mutations(&args, &replacements) {
            expand_without_panic(&changed, &input);
            expanded += 1;
        }
    }
    // Every sample's every token was changed every way.
    assert!(expanded > 10_000, "{expanded} inputs expanded");
}

#[test]
fn odd_items_and_arguments_do_not_make_the_macro_panic() {
    let items = [
        "",
        "impl",
        "impl {}",
        "impl X",
        "impl<> X<> {}",
        "impl dyn X {}",
        "impl [u8] {}",
        "impl (X) {}",
        "impl <X as Y>::Z {}",
        "impl X { #[call] }",
        "impl X { #[call] fn }",
        "impl X { #[call] fn f }",
        "impl X { #[call] fn f(); }",
        "impl X { #[call] const F: u8 = 0; }",
        "impl X { #[call] type T = u8; }",
        "impl X { #[call] m!(); }",
        "impl X { #[call] #[cast] fn f(&self) {} }",
        "impl X { #[init] fn init() {} #[init] fn init2() {} }",
        "impl X { #[call] fn __(&self) {} #[call] fn ___(&self) {} }",
        "impl X { #[call] fn r#type(&self) {} }",
        "impl X { #[call] fn f(self: Box<Self>) {} }",
        "impl X { #[call] fn f(&self, ..: u8) {} }",
        "impl X { #[call] fn f(&self, x: impl Fn()) {} }",
        "impl X { #[call] extern \"C\" fn f(&self) {} }",
        "impl X { #[call] unsafe fn f(&self) {} }",
        "impl X { #[call] fn f<'a>(&'a self) -> &'a u8 {} }",
        "unsafe impl X {}",
        "impl !X for Y {}",
        "struct X;",
        "fn f() {}",
        "mod m {}",
        "trait T {}",
    ];
    let args = [
        "",
        "message",
        "message =",
        "message = 1",
        "message = a::b",
        "message = X, message = Y",
        "crate",
        "crate = \"genserver\"",
        "crate = ",
        "restart = 1",
        "shutdown = -1",
        "shutdown = 99999999999999999999999",
        "shutdown = 1.5",
        "shutdown = brutal_kill, shutdown = infinity",
        ",",
        "= =",
        "(message = X)",
        "info = Self, client = Self",
    ];
    for item in items {
        for arg in args {
            expand_without_panic(&tokens(arg), &tokens(item));
        }
    }
}
