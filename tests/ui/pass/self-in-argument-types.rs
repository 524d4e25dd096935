use genserver::prelude::*;

struct Node {
    children: Vec<Node>,
}

#[gen_server]
impl Node {
    /// `Self` in argument and reply types means the server type.
    #[call]
    fn adopt(&mut self, child: Self, more: Vec<Self>) -> Option<Box<Self>> {
        self.children.push(child);
        self.children.extend(more);
        None
    }

    #[call]
    fn count(&self) -> usize {
        self.children.len()
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let root = Node::start(Node { children: Vec::new() }).await.unwrap();
    let leaf = || Node { children: Vec::new() };
    assert!(root.adopt(leaf(), vec![leaf(), leaf()]).await.unwrap().is_none());
    assert_eq!(root.count().await.unwrap(), 3);
}
