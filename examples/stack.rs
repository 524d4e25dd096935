//! The stack from Elixir's `GenServer` documentation: `push` is a cast,
//! `pop` a call, and `init` splits a comma-separated string.
//!
//! In Elixir, popping an empty stack crashes the server with a `MatchError`;
//! here `pop` replies `None`, and `pop_or_crash` shows what a crash does: the
//! caller gets the panic message, and the server is gone.

use genserver::prelude::*;

/// A stack of strings, top first.
#[derive(Debug)]
pub struct Stack {
    elements: Vec<String>,
}

#[gen_server]
impl Stack {
    /// `"hello,world"` becomes the stack `hello` (top), `world`.
    #[init]
    fn init(elements: String) -> Self {
        let mut elements: Vec<String> = elements
            .split(',')
            .filter(|element| !element.is_empty())
            .map(str::to_owned)
            .collect();
        elements.reverse();
        Stack { elements }
    }

    /// Pushes an element on top, without waiting.
    #[cast]
    pub fn push(&mut self, element: String) {
        self.elements.push(element);
    }

    /// Pops the top element, if there is one.
    #[call]
    pub fn pop(&mut self) -> Option<String> {
        self.elements.pop()
    }

    /// Pops the top element, crashing the server when there is none, as the
    /// Elixir original does.
    ///
    /// # Panics
    ///
    /// When the stack is empty: the server stops, and the caller gets
    /// `CallError::Exit` with the panic message.
    #[call]
    pub fn pop_or_crash(&mut self) -> String {
        self.elements.pop().expect("pop on an empty stack")
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let stack = Stack::start("hello,world".into()).await?;
    println!("started with \"hello,world\"");
    println!("pop -> {:?}", stack.pop().await?);
    stack.push("elixir".into())?;
    println!("push \"elixir\" (cast)");
    println!("pop -> {:?}", stack.pop().await?);
    println!("pop -> {:?}", stack.pop().await?);
    println!("pop -> {:?}", stack.pop().await?);

    // The panic message also goes to stderr through the panic hook.
    match stack.pop_or_crash().await {
        Ok(element) => println!("pop_or_crash -> {element:?}"),
        Err(error) => println!("pop_or_crash -> error: {error}"),
    }
    println!("alive after the crash: {}", stack.is_alive());
    match stack.pop().await {
        Ok(element) => println!("pop -> {element:?}"),
        Err(error) => println!("pop after the crash -> error: {error}"),
    }
    Ok(())
}
