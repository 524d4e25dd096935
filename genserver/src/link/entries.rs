//! A server's links or monitors by key: a few in a vector, many in a hash
//! map, since most servers have one link or none.

use std::hash::Hash;
use std::sync::Weak;

use crate::id_hash::IdMap;
use crate::process::Process;

/// Beyond this many entries, a vector becomes a hash map.
pub(super) const FEW: usize = 16;

/// Servers (or watchers) by key: a few in a vector, many in a hash map.
pub(super) enum Entries<K, V = Weak<dyn Process>> {
    Few(Vec<(K, V)>),
    Many(IdMap<K, V>),
}

impl<K: Copy + Eq + Hash, V> Entries<K, V> {
    pub(super) fn insert(&mut self, key: K, to: V) {
        match self {
            Self::Few(few) => {
                if let Some(entry) = few.iter_mut().find(|(k, _)| *k == key) {
                    entry.1 = to;
                } else if few.len() < FEW {
                    // Most servers have one monitor or link: no spare room
                    // for the first.
                    if few.capacity() == 0 {
                        few.reserve_exact(1);
                    }
                    few.push((key, to));
                } else {
                    let mut many: IdMap<_, _> = few.drain(..).collect();
                    many.insert(key, to);
                    *self = Self::Many(many);
                }
            }
            Self::Many(many) => {
                many.insert(key, to);
            }
        }
    }

    pub(super) fn remove(&mut self, key: K) -> Option<V> {
        match self {
            Self::Few(few) => {
                let index = few.iter().position(|(k, _)| *k == key)?;
                Some(few.swap_remove(index).1)
            }
            Self::Many(many) => many.remove(&key),
        }
    }

    pub(super) fn len(&self) -> usize {
        match self {
            Self::Few(few) => few.len(),
            Self::Many(many) => many.len(),
        }
    }

    pub(super) fn iter(&self) -> Box<dyn Iterator<Item = (K, &V)> + '_> {
        match self {
            Self::Few(few) => Box::new(few.iter().map(|(k, v)| (*k, v))),
            Self::Many(many) => Box::new(many.iter().map(|(k, v)| (*k, v))),
        }
    }

    pub(super) fn contains(&self, key: K) -> bool {
        match self {
            Self::Few(few) => few.iter().any(|(k, _)| *k == key),
            Self::Many(many) => many.contains_key(&key),
        }
    }

    pub(super) fn into_entries(self) -> Box<dyn Iterator<Item = (K, V)>>
    where
        K: 'static,
        V: 'static,
    {
        match self {
            Self::Few(few) => Box::new(few.into_iter()),
            Self::Many(many) => Box::new(many.into_iter()),
        }
    }
}

impl<K, V> Default for Entries<K, V> {
    fn default() -> Self {
        Self::Few(Vec::new())
    }
}
