use genserver::prelude::*;

#[derive(Default)]
struct Wide {
    hits: [u32; 20],
}

#[gen_server]
impl Wide {
    #[call]
    fn h0(&mut self, by: u32) -> u32 {
        self.hits[0] += by;
        self.hits[0]
    }

    #[call]
    fn h1(&mut self, by: u32) -> u32 {
        self.hits[1] += by;
        self.hits[1]
    }

    #[call]
    fn h2(&mut self, by: u32) -> u32 {
        self.hits[2] += by;
        self.hits[2]
    }

    #[call]
    fn h3(&mut self, by: u32) -> u32 {
        self.hits[3] += by;
        self.hits[3]
    }

    #[call]
    fn h4(&mut self, by: u32) -> u32 {
        self.hits[4] += by;
        self.hits[4]
    }

    #[call]
    fn h5(&mut self, by: u32) -> u32 {
        self.hits[5] += by;
        self.hits[5]
    }

    #[call]
    fn h6(&mut self, by: u32) -> u32 {
        self.hits[6] += by;
        self.hits[6]
    }

    #[call]
    fn h7(&mut self, by: u32) -> u32 {
        self.hits[7] += by;
        self.hits[7]
    }

    #[call]
    fn h8(&mut self, by: u32) -> u32 {
        self.hits[8] += by;
        self.hits[8]
    }

    #[call]
    fn h9(&mut self, by: u32) -> u32 {
        self.hits[9] += by;
        self.hits[9]
    }

    #[call]
    fn h10(&mut self, by: u32) -> u32 {
        self.hits[10] += by;
        self.hits[10]
    }

    #[call]
    fn h11(&mut self, by: u32) -> u32 {
        self.hits[11] += by;
        self.hits[11]
    }

    #[call]
    fn h12(&mut self, by: u32) -> u32 {
        self.hits[12] += by;
        self.hits[12]
    }

    #[call]
    fn h13(&mut self, by: u32) -> u32 {
        self.hits[13] += by;
        self.hits[13]
    }

    #[call]
    fn h14(&mut self, by: u32) -> u32 {
        self.hits[14] += by;
        self.hits[14]
    }

    #[call]
    fn h15(&mut self, by: u32) -> u32 {
        self.hits[15] += by;
        self.hits[15]
    }

    #[call]
    fn h16(&mut self, by: u32) -> u32 {
        self.hits[16] += by;
        self.hits[16]
    }

    #[call]
    fn h17(&mut self, by: u32) -> u32 {
        self.hits[17] += by;
        self.hits[17]
    }

    #[call]
    fn h18(&mut self, by: u32) -> u32 {
        self.hits[18] += by;
        self.hits[18]
    }

    #[call]
    fn h19(&mut self, by: u32) -> u32 {
        self.hits[19] += by;
        self.hits[19]
    }

    #[call]
    fn total(&self) -> u32 {
        self.hits.iter().sum()
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let wide = Wide::start(Wide::default()).await.unwrap();
    assert_eq!(wide.h0(0).await.unwrap(), 0);
    assert_eq!(wide.h1(1).await.unwrap(), 1);
    assert_eq!(wide.h2(2).await.unwrap(), 2);
    assert_eq!(wide.h3(3).await.unwrap(), 3);
    assert_eq!(wide.h4(4).await.unwrap(), 4);
    assert_eq!(wide.h5(5).await.unwrap(), 5);
    assert_eq!(wide.h6(6).await.unwrap(), 6);
    assert_eq!(wide.h7(7).await.unwrap(), 7);
    assert_eq!(wide.h8(8).await.unwrap(), 8);
    assert_eq!(wide.h9(9).await.unwrap(), 9);
    assert_eq!(wide.h10(10).await.unwrap(), 10);
    assert_eq!(wide.h11(11).await.unwrap(), 11);
    assert_eq!(wide.h12(12).await.unwrap(), 12);
    assert_eq!(wide.h13(13).await.unwrap(), 13);
    assert_eq!(wide.h14(14).await.unwrap(), 14);
    assert_eq!(wide.h15(15).await.unwrap(), 15);
    assert_eq!(wide.h16(16).await.unwrap(), 16);
    assert_eq!(wide.h17(17).await.unwrap(), 17);
    assert_eq!(wide.h18(18).await.unwrap(), 18);
    assert_eq!(wide.h19(19).await.unwrap(), 19);
    assert_eq!(wide.total().await.unwrap(), 190);
}
