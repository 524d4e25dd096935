//! The macro crate's unit tests, declared here rather than in the modules
//! they test: `examples/expansions.rs` includes those modules by path, and
//! would run their tests a second time.

mod ast {
    use crate::ast::variant_name;
    use proc_macro2::Span;
    use syn::Ident;

    fn variant(method: &str) -> String {
        let ident = if let Some(raw) = method.strip_prefix("r#") {
            Ident::new_raw(raw, Span::call_site())
        } else {
            Ident::new(method, Span::call_site())
        };
        variant_name(&ident).to_string()
    }

    #[test]
    fn variant_names_are_upper_camel_case() {
        assert_eq!(variant("get"), "Get");
        assert_eq!(variant("get_all"), "GetAll");
        assert_eq!(variant("get__all_"), "GetAll");
        assert_eq!(variant("_private"), "Private");
        assert_eq!(variant("r#type"), "Type");
        assert_eq!(variant("h2_o"), "H2O");
        assert_eq!(variant("__"), "Underscore");
        assert_eq!(variant("déjà_vu"), "DéjàVu");
        assert_eq!(variant("_1st"), "_1st");
        assert_eq!(variant("_2_nd"), "_2Nd");
    }
}

mod ctxt {
    use crate::ctxt::Ctxt;
    use proc_macro2::Span;

    #[test]
    fn every_error_is_reported_in_the_order_recorded() {
        let cx = Ctxt::new();
        assert_eq!(cx.error_count(), 0);
        cx.syn_error(syn::Error::new(Span::call_site(), "first"));
        cx.syn_error(syn::Error::new(Span::call_site(), "second"));
        assert_eq!(cx.error_count(), 2);
        let errors = cx.check().unwrap_err().unwrap();
        let messages: Vec<String> = errors.into_iter().map(|e| e.to_string()).collect();
        assert_eq!(messages, ["first", "second"]);
    }

    #[test]
    fn a_mistake_left_to_rustc_fails_without_a_message() {
        let cx = Ctxt::new();
        cx.left_to_rustc();
        assert_eq!(cx.error_count(), 1);
        assert!(cx.check().unwrap_err().is_none());
    }

    #[test]
    fn no_error_checks_ok() {
        assert!(Ctxt::new().check().is_ok());
    }

    #[test]
    #[should_panic(expected = "dropped without being checked")]
    fn an_unchecked_collector_is_a_bug() {
        drop(Ctxt::new());
    }
}

mod bounds {
    use crate::expand::bounds::plainly_sendable;

    fn plain(ty: &str) -> bool {
        plainly_sendable(&syn::parse_str(ty).unwrap())
    }

    #[test]
    fn the_standard_librarys_owned_types_need_no_predicate() {
        for ty in [
            "String",
            "u64",
            "(String, bool)",
            "[u8; 4]",
            "Vec<Option<std::time::Duration>>",
            "HashMap<String, Vec<u32>>",
            "::std::string::String",
        ] {
            assert!(plain(ty), "{ty}");
        }
    }

    #[test]
    fn anything_else_keeps_its_predicate() {
        for ty in [
            "Rc<u8>",
            "Vec<Rc<u8>>",
            "Box<dyn Fn() + Send>",
            "&'static str",
            "MyType",
            "crate::String",
            "Option<T>",
            "fn() -> u8",
            "<T as Tr>::Out",
        ] {
            assert!(!plain(ty), "{ty}");
        }
    }
}

/// Where the generated code puts its spans: what incremental compilation of
/// a user's crate depends on (`expand::at_call_site`).
mod spans {
    use std::str::FromStr as _;

    use proc_macro2::{Span, TokenStream, TokenTree};
    use syn::{ImplItem, Item};

    /// A server with every callback whose body is generated, its handlers
    /// spread over many lines, parsed with real positions.
    const SERVER: &str = r"
        impl Store {
            #[init]
            fn init(capacity: usize, label: String) -> Result<Self, String> {
                Ok(Store { capacity, label })
            }

            #[call]
            fn get(&self, key: String, ctx: &mut Context<Self>) -> Option<u64> {
                None
            }

            #[call]
            async fn put(&mut self, key: String, value: u64, reply: ReplyTo<bool>) {
                reply.send(true);
            }

            #[cast]
            fn forget(&mut self, key: String) {}

            #[info]
            fn tick(&mut self, at: u64) {}

            #[terminate]
            async fn terminate(&mut self, reason: &ExitReason) {}
        }
    ";

    /// Each token of a function: where it starts, and its text.
    type Positions = Vec<((usize, usize), String)>;

    fn expanded() -> Vec<Item> {
        let input = TokenStream::from_str(SERVER).unwrap();
        let output = crate::expand::gen_server(TokenStream::new(), input);
        syn::parse2::<syn::File>(output).unwrap().items
    }

    /// Line and column of a token's start.
    fn at(span: Span) -> (usize, usize) {
        let start = span.start();
        (start.line, start.column)
    }

    fn positions(tokens: TokenStream, into: &mut Positions) {
        for token in tokens {
            into.push((at(token.span()), token.to_string()));
            if let TokenTree::Group(group) = token {
                positions(group.stream(), into);
            }
        }
    }

    /// The tokens of each generated `async fn` (the ones whose futures
    /// become part of the server's task or the caller's), by name: its
    /// body, or with `whole` the function with its signature.
    fn async_fns(whole: bool) -> Vec<(String, Positions)> {
        let mut bodies = Vec::new();
        // The first item is the user's own impl, kept as written.
        for item in expanded().into_iter().skip(1) {
            let Item::Impl(block) = item else { continue };
            for item in block.items {
                if let ImplItem::Fn(function) = item
                    && function.sig.asyncness.is_some()
                {
                    let mut tokens = Vec::new();
                    let tokens_of = if whole {
                        quote::ToTokens::to_token_stream(&function)
                    } else {
                        quote::ToTokens::to_token_stream(&function.block)
                    };
                    positions(tokens_of, &mut tokens);
                    bodies.push((function.sig.ident.to_string(), tokens));
                }
            }
        }
        bodies
    }

    #[test]
    fn generated_async_functions_have_their_bodies_at_the_attribute() {
        let call_site = at(Span::call_site());
        let bodies = async_fns(false);
        let names: Vec<&str> = bodies.iter().map(|(name, _)| name.as_str()).collect();
        for expected in [
            "init",
            "handle_message",
            "handle_info",
            "terminate",
            "start",
            "start_link",
            "start_named",
            "start_with",
        ] {
            assert!(
                names.contains(&expected),
                "no generated `{expected}` in {names:?}"
            );
        }
        for (name, tokens) in &bodies {
            if name == "terminate" {
                continue;
            }
            let elsewhere: Vec<_> = tokens.iter().filter(|(at, _)| *at != call_site).collect();
            assert!(
                elsewhere.is_empty(),
                "`{name}` has tokens away from the attribute ({call_site:?}): {elsewhere:?}"
            );
        }
    }

    #[test]
    fn terminate_taking_the_reason_sits_at_the_reasons_type_as_a_whole() {
        let functions = async_fns(true);
        let (_, tokens) = functions
            .iter()
            .find(|(name, _)| name == "terminate")
            .unwrap();
        // `&ExitReason`, on the line of `async fn terminate` (lines counted
        // from 1, columns from 0, as proc-macro2 counts them).
        let line = SERVER
            .lines()
            .position(|l| l.contains("async fn terminate"))
            .unwrap()
            + 1;
        let column = SERVER
            .lines()
            .nth(line - 1)
            .unwrap()
            .find("&ExitReason")
            .unwrap();
        for (position, token) in tokens {
            assert_eq!(*position, (line, column), "`{token}` in `terminate`");
        }
    }
}
