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
