//! Valid code written creatively: raw identifiers, odd handler names, `where
//! Self: ..` on the impl, names from `macro_rules!`, handlers behind
//! opposite `cfg`s, `#[init]` arguments named like `start_named`'s own, and
//! lower-case constants in scope. Each must compile and run.

#![allow(missing_docs)]

mod support;

use genserver::prelude::*;

mod raw_ident {
    use genserver::prelude::*;

    #[derive(Default)]
    pub(super) struct r#Counter {
        pub(super) count: u64,
    }

    #[gen_server]
    impl r#Counter {
        #[call]
        pub(super) fn r#get(&self) -> u64 {
            self.count
        }

        #[cast]
        pub(super) fn bump(&mut self) {
            self.count += 1;
        }
    }
}

#[tokio::test]
async fn raw_server_type() {
    let _watchdog = support::watchdog();
    let counter = raw_ident::Counter::start(raw_ident::Counter::default())
        .await
        .unwrap();
    counter.bump().unwrap();
    assert_eq!(counter.get().await.unwrap(), 1);
    let _: Option<raw_ident::CounterMsg> = None;
}

struct Ranks {
    seen: Vec<&'static str>,
}

#[gen_server]
impl Ranks {
    #[call]
    fn _1st(&mut self) -> usize {
        self.seen.push("1st");
        self.seen.len()
    }

    #[cast]
    fn _2nd(&mut self) {
        self.seen.push("2nd");
    }

    #[call]
    fn seen(&self) -> Vec<&'static str> {
        self.seen.clone()
    }
}

#[tokio::test]
#[allow(clippy::used_underscore_items)]
async fn handler_names_of_an_underscore_and_a_digit() {
    let _watchdog = support::watchdog();
    let ranks = Ranks::start(Ranks { seen: Vec::new() }).await.unwrap();
    assert_eq!(ranks._1st().await.unwrap(), 1);
    ranks._2nd().unwrap();
    assert_eq!(ranks.seen().await.unwrap(), ["1st", "2nd"]);
}

#[derive(Default)]
struct Defaulted {
    value: u32,
    label: String,
}

#[gen_server]
impl Defaulted
where
    Self: Default,
{
    #[init]
    fn init(value: u32) -> Self {
        Self {
            value,
            ..Self::default()
        }
    }

    #[call]
    fn value(&self) -> (u32, String) {
        (self.value, self.label.clone())
    }
}

#[tokio::test]
async fn where_self_on_the_impl() {
    let _watchdog = support::watchdog();
    let server = Defaulted::start(7).await.unwrap();
    assert_eq!(server.value().await.unwrap(), (7, String::new()));
}

macro_rules! getter_server {
    ($server:ident, $name:ident, $field:ident) => {
        struct $server {
            $field: u32,
        }

        #[gen_server]
        impl $server {
            #[call]
            fn $name(&self) -> u32 {
                self.$field
            }

            #[cast]
            fn set(&mut self, $field: u32) {
                self.$field = $field;
            }
        }
    };
}

getter_server!(Made, read, level);

#[tokio::test]
async fn handler_names_from_macro_rules() {
    let _watchdog = support::watchdog();
    let server = Made::start(Made { level: 3 }).await.unwrap();
    assert_eq!(server.read().await.unwrap(), 3);
    server.set(4).unwrap();
    assert_eq!(server.read().await.unwrap(), 4);
}

struct Either;

#[gen_server]
impl Either {
    #[cfg(test)]
    #[call]
    fn which(&self) -> &'static str {
        "test"
    }

    #[cfg(not(test))]
    #[call]
    fn which(&self) -> &'static str {
        "not test"
    }

    #[cfg(any())]
    #[cast]
    fn never(&mut self, _value: u8) {}

    #[cfg(not(any()))]
    #[cast]
    fn never(&mut self) {}
}

#[tokio::test]
async fn same_handler_name_behind_opposite_cfgs() {
    let _watchdog = support::watchdog();
    let server = Either::start(Either).await.unwrap();
    assert_eq!(server.which().await.unwrap(), "test");
    server.never().unwrap();
}

struct Named {
    parts: String,
}

#[gen_server]
impl Named {
    #[init]
    fn init(name: String, options: u8, state: u8, server_name: String, start_options: u8) -> Self {
        Self {
            parts: format!("{name} {options} {state} {server_name} {start_options}"),
        }
    }

    #[call]
    fn parts(&self) -> String {
        self.parts.clone()
    }
}

#[tokio::test]
async fn init_arguments_named_like_start_parameters() {
    let _watchdog = support::watchdog();
    let server = Named::start_named("registered", "a".to_owned(), 1, 2, "b".to_owned(), 3)
        .await
        .unwrap();
    assert_eq!(server.parts().await.unwrap(), "a 1 2 b 3");
    let options = genserver::StartOptions::new();
    let other = Named::start_with(options, "c".to_owned(), 4, 5, "d".to_owned(), 6)
        .await
        .unwrap();
    assert_eq!(other.parts().await.unwrap(), "c 4 5 d 6");
}

/// Constants named like what the macro binds: none may capture a name the
/// generated code declares. (A handler argument named like a constant in
/// scope is an error in the user's own signature already: rustc's E0530.)
mod lower_case_constants {
    #![allow(non_upper_case_globals)]

    use genserver::prelude::*;

    const value: u32 = 1;
    const f: u8 = 2;
    const raw: u8 = 3;
    const reply_to: u8 = 4;
    const message: u8 = 5;

    #[derive(Debug)]
    pub(super) struct Store {
        pub(super) total: u32,
    }

    #[gen_server]
    impl Store {
        #[call]
        pub(super) fn add(&mut self, amount: u32) -> u32 {
            self.total += amount + value;
            self.total
        }

        #[cast]
        pub(super) fn put(&mut self, key: String, amount: u32) {
            self.total += amount + u32::try_from(key.len()).unwrap_or(0);
        }

        #[info]
        fn note(&mut self, amount: u32) {
            self.total += amount;
        }
    }

    pub(super) fn constants() -> [u8; 4] {
        [f, raw, reply_to, message]
    }
}

#[tokio::test]
async fn lower_case_constants_in_scope() {
    use lower_case_constants::{Store, StoreInfo};
    let _watchdog = support::watchdog();
    let store = Store::start(Store { total: 0 }).await.unwrap();
    assert_eq!(store.add(5).await.unwrap(), 6);
    store.put("ab".to_owned(), 1).unwrap();
    store.send_info(StoreInfo::Note { amount: 10 }).unwrap();
    assert_eq!(store.add(0).await.unwrap(), 20);
    assert!(!format!("{:?}", *store).is_empty());
    assert_eq!(lower_case_constants::constants(), [2, 3, 4, 5]);
}

/// The impl's type from a `$t:ty` fragment: `syn` sees a `Type::Group`.
macro_rules! counter_for {
    ($t:ty) => {
        #[gen_server]
        impl $t {
            #[call]
            fn count(&mut self) -> u32 {
                self.0 += 1;
                self.0
            }
        }
    };
}

struct Fragment(u32);

counter_for!(Fragment);

#[tokio::test]
async fn impl_type_from_a_type_fragment() {
    let _watchdog = support::watchdog();
    let server = Fragment::start(Fragment(0)).await.unwrap();
    assert_eq!(server.count().await.unwrap(), 1);
    assert_eq!(server.count().await.unwrap(), 2);
}
