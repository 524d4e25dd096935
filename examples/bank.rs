//! A bank account whose calls reply with a `Result` of their own.
//!
//! Two kinds of failure, kept apart by the types: a refused withdrawal is a
//! business error, the handler's reply (`Ok(Err(..))`); a server that is not
//! there is a runtime error, the call's own (`Err(CallError)`).

use std::fmt;

use genserver::prelude::*;

/// Why a withdrawal was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refused {
    /// The balance does not cover the amount.
    InsufficientFunds {
        /// What the account holds.
        balance: u64,
        /// What was asked for.
        requested: u64,
    },
    /// The account is frozen.
    Frozen,
}

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refused::InsufficientFunds { balance, requested } => {
                write!(
                    f,
                    "insufficient funds: balance {balance}, requested {requested}"
                )
            }
            Refused::Frozen => f.write_str("the account is frozen"),
        }
    }
}

impl std::error::Error for Refused {}

/// An account: a balance that only its server changes.
#[derive(Debug)]
pub struct Account {
    owner: String,
    balance: u64,
    frozen: bool,
}

#[gen_server]
impl Account {
    #[init]
    fn open(owner: String, deposit: u64) -> Self {
        Account {
            owner,
            balance: deposit,
            frozen: false,
        }
    }

    /// Adds `amount`; replies with the new balance.
    #[call]
    pub fn deposit(&mut self, amount: u64) -> u64 {
        self.balance += amount;
        self.balance
    }

    /// Takes `amount` out, unless the balance does not cover it or the account is frozen.
    #[call]
    pub fn withdraw(&mut self, amount: u64) -> Result<u64, Refused> {
        if self.frozen {
            return Err(Refused::Frozen);
        }
        if amount > self.balance {
            return Err(Refused::InsufficientFunds {
                balance: self.balance,
                requested: amount,
            });
        }
        self.balance -= amount;
        Ok(self.balance)
    }

    /// Freezes the account: withdrawals are refused from now on.
    #[cast]
    pub fn freeze(&mut self) {
        self.frozen = true;
    }

    /// Who owns the account, and its balance.
    #[call]
    pub fn statement(&self) -> String {
        format!("{}: {}", self.owner, self.balance)
    }

    #[terminate]
    fn close(&mut self, reason: &ExitReason) {
        println!(
            "closing {}'s account ({reason}) with {} left",
            self.owner, self.balance
        );
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let account = Account::start("ada".into(), 100).await?;
    println!("opened: {}", account.statement().await?);
    println!("deposit 50 -> balance {}", account.deposit(50).await?);

    // `?` on the call handles runtime errors; the reply is the business result.
    match account.withdraw(30).await? {
        Ok(balance) => println!("withdraw 30 -> balance {balance}"),
        Err(refused) => println!("withdraw 30 -> refused: {refused}"),
    }
    match account.withdraw(500).await? {
        Ok(balance) => println!("withdraw 500 -> balance {balance}"),
        Err(refused) => println!("withdraw 500 -> refused: {refused}"),
    }
    account.freeze()?;
    match account.withdraw(1).await? {
        Ok(balance) => println!("withdraw 1 -> balance {balance}"),
        Err(refused) => println!("withdraw 1 -> refused: {refused}"),
    }

    account.stop().await?;
    // Now the call itself fails: a runtime error, not a business one.
    match account.withdraw(1).await {
        Ok(reply) => println!("withdraw after close -> {reply:?}"),
        Err(error) => println!("withdraw after close -> call failed: {error}"),
    }
    Ok(())
}
