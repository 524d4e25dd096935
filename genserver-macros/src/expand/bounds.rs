//! Which `Send + 'static` predicates the generated items leave out.

use proc_macro2::{TokenStream, TokenTree};
use syn::{GenericArgument, PathArguments, Type};

/// Whether a type has lifetimes bound inside it: `for<'a>`, `fn(&str)`,
/// `Fn(&str)`.
pub(super) fn higher_ranked(tokens: TokenStream) -> bool {
    let mut tokens = tokens.into_iter().peekable();
    while let Some(token) = tokens.next() {
        match token {
            TokenTree::Ident(ident) if ident == "for" || ident == "fn" => return true,
            TokenTree::Ident(ident)
                if (ident == "Fn" || ident == "FnMut" || ident == "FnOnce")
                    && matches!(tokens.peek(), Some(TokenTree::Group(group)) if group.delimiter() == proc_macro2::Delimiter::Parenthesis) =>
            {
                return true;
            }
            TokenTree::Group(group) if higher_ranked(group.stream()) => return true,
            _ => {}
        }
    }
    false
}

/// Whether `ty` is written with the standard library's types alone, all of
/// them `Send + 'static` whatever else is in scope: `String`, `u64`,
/// `Vec<(String, bool)>`, `Option<std::time::Duration>`. A predicate on it
/// is always true. Judged by the written names, so a type of the user's
/// own that shadows one of them merely keeps its predicate out.
pub(crate) fn plainly_sendable(ty: &Type) -> bool {
    match ty {
        Type::Paren(inner) => plainly_sendable(&inner.elem),
        Type::Group(inner) => plainly_sendable(&inner.elem),
        Type::Tuple(tuple) => tuple.elems.iter().all(plainly_sendable),
        Type::Array(array) => plainly_sendable(&array.elem),
        Type::Path(path) if path.qself.is_none() => {
            let Some(last) = path.path.segments.last() else {
                return false;
            };
            let std_path = path.path.segments.len() == 1
                || path.path.segments.first().is_some_and(|first| {
                    first.ident == "std" || first.ident == "core" || first.ident == "alloc"
                });
            std_path
                && PLAIN.contains(&last.ident.to_string().as_str())
                && match &last.arguments {
                    PathArguments::None => true,
                    PathArguments::AngleBracketed(args) => args.args.iter().all(
                        |arg| matches!(arg, GenericArgument::Type(ty) if plainly_sendable(ty)),
                    ),
                    PathArguments::Parenthesized(_) => false,
                }
        }
        _ => false,
    }
}

/// The standard library's types that are `Send + 'static` when their type
/// arguments are.
const PLAIN: &[&str] = &[
    "bool",
    "char",
    "u8",
    "u16",
    "u32",
    "u64",
    "u128",
    "usize",
    "i8",
    "i16",
    "i32",
    "i64",
    "i128",
    "isize",
    "f32",
    "f64",
    "String",
    "Vec",
    "VecDeque",
    "Option",
    "Result",
    "Box",
    "HashMap",
    "HashSet",
    "BTreeMap",
    "BTreeSet",
    "Duration",
    "Instant",
    "SystemTime",
    "PathBuf",
];
