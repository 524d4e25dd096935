//! A method of the user's named `child_spec` replaces the generated one,
//! as overriding `child_spec/1` does in Elixir: here, to register the
//! server under a name.
use genserver::prelude::*;

#[derive(Default)]
struct Cache {
    hits: u64,
}

#[gen_server]
impl Cache {
    pub fn child_spec(name: &'static str) -> ChildSpec {
        ChildSpec::new(name, move || {
            Cache::start_with(StartOptions::new().name(name).link(), Cache::default())
        })
    }

    #[call]
    fn hit(&mut self) -> u64 {
        self.hits += 1;
        self.hits
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let spec = Cache::child_spec("ui-user-child-spec-cache");
    assert!(format!("{spec:?}").contains(r#"id: "ui-user-child-spec-cache""#));
    let supervisor = Supervisor::start(SupervisorOptions::default(), vec![spec])
        .await
        .unwrap();
    let cache = ServerRef::<Cache>::by_name("ui-user-child-spec-cache").unwrap();
    assert_eq!(cache.hit().await.unwrap(), 1);
    supervisor.stop().await.unwrap();
}
