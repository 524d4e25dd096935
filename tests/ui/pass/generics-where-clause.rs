use genserver::prelude::*;
use std::collections::HashMap;
use std::hash::Hash;

struct Index<K, V> {
    entries: HashMap<K, Vec<V>>,
}

#[gen_server]
impl<K, V> Index<K, V>
where
    K: Eq + Hash,
    V: Clone,
{
    #[cast]
    fn add_all(&mut self, key: K, values: Vec<V>) {
        self.entries.entry(key).or_default().extend(values);
    }

    #[cast]
    fn merge(&mut self, other: HashMap<K, Vec<V>>) {
        for (key, values) in other {
            self.entries.entry(key).or_default().extend(values);
        }
    }

    #[call]
    fn values(&self, key: K) -> Option<Vec<V>> {
        self.entries.get(&key).cloned()
    }
}

/// Only uses its second parameter: the first must still be accepted.
struct Tagged<Tag, T> {
    value: T,
    _tag: std::marker::PhantomData<fn() -> Tag>,
}

#[gen_server]
impl<Tag, T: Clone> Tagged<Tag, T> {
    #[call]
    fn get(&self) -> T {
        self.value.clone()
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let index = Index::<String, u8>::start(Index { entries: HashMap::new() }).await.unwrap();
    index.add_all("a".into(), vec![1, 2]).unwrap();
    index.merge(HashMap::from([("a".to_owned(), vec![3])])).unwrap();
    assert_eq!(index.values("a".into()).await.unwrap(), Some(vec![1, 2, 3]));

    let tagged = Tagged::<(), &'static str>::start(Tagged { value: "t", _tag: std::marker::PhantomData }).await.unwrap();
    assert_eq!(tagged.get().await.unwrap(), "t");
}
