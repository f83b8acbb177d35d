//! Choosing what to keep when money or time is short (GUIDANCE §5).
//!
//! A budget in sessions keeps the most valuable sessions, spreading equally valued ones
//! through the season. A budget in money is a 0/1 knapsack over whole cents: the set of
//! greatest total value whose price fits, found exactly by dynamic programming.

use std::collections::BTreeSet;

use jiff::civil::Date;

use crate::season::days_between;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Budget {
    /// At most this many sessions.
    pub sessions: Option<usize>,
    /// At most this much money, at the profile's prices.
    pub money: Option<f64>,
}

impl Budget {
    /// Why a session with this value and price was left out.
    pub fn reason(&self, value: u32, price: f64) -> String {
        match (self.sessions, self.money) {
            (Some(n), None) => format!(
                "over budget: {n} session{} allowed, and the ones kept are worth more (this one: value {value})",
                if n == 1 { "" } else { "s" }
            ),
            (None, Some(m)) => format!(
                "over budget: {m:.2} to spend; this one costs {price:.2} for value {value}, less than the sessions kept"
            ),
            _ => format!(
                "over budget: the sessions kept are worth more (this one: value {value}, price {price:.2})"
            ),
        }
    }
}

/// Indexes of the items to keep. Items are (value, price, date).
pub fn select(items: &[(u32, f64, Date)], budget: &Budget) -> BTreeSet<usize> {
    let mut keep: BTreeSet<usize> = (0..items.len()).collect();
    if let Some(money) = budget.money {
        keep = knapsack(items, money);
    }
    if let Some(n) = budget.sessions
        && keep.len() > n
    {
        keep = by_count(items, &keep, n);
    }
    keep
}

/// How far an amount may stray from a whole cent and still be read as it: the floating
/// point error of sums like 0.1 + 0.2, far below any real fraction of a cent.
const CENT_SLACK: f64 = 1e-6;

/// A price in whole cents, a fraction of a cent counting as the next cent, so what is
/// kept never costs more than the cents say.
fn cents(x: f64) -> u64 {
    if x.is_finite() && x > 0.0 {
        (x * 100.0 - CENT_SLACK).ceil().max(0.0) as u64
    } else {
        0
    }
}

/// A budget in whole cents, a fraction of a cent left unspent.
fn budget_cents(x: f64) -> u64 {
    if x.is_finite() && x > 0.0 {
        (x * 100.0 + CENT_SLACK).floor() as u64
    } else {
        0
    }
}

fn knapsack(items: &[(u32, f64, Date)], money: f64) -> BTreeSet<usize> {
    let total: u64 = items.iter().map(|i| cents(i.1)).sum();
    let cap = budget_cents(money);
    if total <= cap {
        return (0..items.len()).collect();
    }
    // Work in units of the greatest common divisor of the prices, so a budget of 500.00
    // with prices in whole units needs 500 cells, not 50,000.
    let g = items
        .iter()
        .map(|i| cents(i.1))
        .filter(|c| *c > 0)
        .fold(0, gcd)
        .max(1);
    let cap = (cap / g) as usize;
    let n = items.len();
    // best[c] = greatest value with cost exactly at most c; take[i][c] remembers choices.
    let mut best = vec![0u64; cap + 1];
    let mut take = vec![vec![false; cap + 1]; n];
    for (i, item) in items.iter().enumerate() {
        let w = (cents(item.1) / g) as usize;
        let v = u64::from(item.0) * 1000 + 1; // +1: between equal values, more sessions
        if w > cap {
            continue;
        }
        for c in (w..=cap).rev() {
            let with = best[c - w] + v;
            if with > best[c] {
                best[c] = with;
                take[i][c] = true;
            }
        }
    }
    let mut keep = BTreeSet::new();
    let mut c = cap;
    for i in (0..n).rev() {
        if take[i][c] {
            keep.insert(i);
            c -= (cents(items[i].1) / g) as usize;
        }
    }
    keep
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 { a } else { gcd(b, a % b) }
}

fn by_count(items: &[(u32, f64, Date)], among: &BTreeSet<usize>, n: usize) -> BTreeSet<usize> {
    let mut keep: BTreeSet<usize> = BTreeSet::new();
    let mut values: Vec<u32> = among.iter().map(|&i| items[i].0).collect();
    values.sort_unstable_by(|a, b| b.cmp(a));
    values.dedup();
    for v in values {
        let mut group: Vec<usize> = among.iter().copied().filter(|&i| items[i].0 == v).collect();
        while keep.len() < n && !group.is_empty() {
            // Among equals, the one farthest from what is already kept; earliest on a tie.
            let pick = group
                .iter()
                .enumerate()
                .max_by_key(|&(_, &i)| {
                    let gap = keep
                        .iter()
                        .map(|&k| days_between(items[k].2, items[i].2).abs())
                        .min()
                        .unwrap_or(i32::MAX);
                    (gap, std::cmp::Reverse(items[i].2))
                })
                .map(|(pos, _)| pos)
                .unwrap_or(0);
            keep.insert(group.remove(pick));
        }
    }
    keep
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn a_session_budget_keeps_the_most_valuable() {
        let items = [
            (4, 65.0, date(2027, 1, 5)),
            (10, 65.0, date(2027, 2, 1)),
            (6, 50.0, date(2027, 1, 27)),
        ];
        let keep = select(
            &items,
            &Budget {
                sessions: Some(2),
                money: None,
            },
        );
        assert_eq!(keep, BTreeSet::from([1, 2]));
    }

    #[test]
    fn a_money_budget_maximises_value_not_count() {
        // 100 to spend: one 10-value session at 70 beats two cheap 4-value ones at 45.
        let items = [
            (4, 45.0, date(2027, 1, 5)),
            (4, 45.0, date(2027, 1, 20)),
            (10, 70.0, date(2027, 2, 1)),
        ];
        let keep = select(
            &items,
            &Budget {
                sessions: None,
                money: Some(100.0),
            },
        );
        assert_eq!(keep, BTreeSet::from([2]));
        let keep = select(
            &items,
            &Budget {
                sessions: None,
                money: Some(150.0),
            },
        );
        assert_eq!(keep.len(), 2);
        assert!(keep.contains(&2));
        let keep = select(
            &items,
            &Budget {
                sessions: None,
                money: Some(160.0),
            },
        );
        assert_eq!(keep.len(), 3, "everything fits exactly");
    }

    #[test]
    fn a_budget_a_fraction_of_a_cent_short_is_short() {
        // 244.9993 does not buy 245.00 of sessions: the budget is not rounded up, and a
        // price is never rounded down, so what is kept never costs more than given.
        let items = [
            (10, 65.0, date(2027, 1, 5)),
            (7, 65.0, date(2027, 1, 20)),
            (7, 65.0, date(2027, 2, 1)),
            (6, 50.0, date(2027, 2, 10)),
        ];
        for money in [244.9993, 244.995, 194.999] {
            let keep = select(
                &items,
                &Budget {
                    sessions: None,
                    money: Some(money),
                },
            );
            let spent: f64 = keep.iter().map(|&i| items[i].1).sum();
            assert!(spent <= money, "spent {spent} of {money}");
        }
        // A price a hair over a cent counts as the next cent.
        let items = [(5, 64.991, date(2027, 1, 5))];
        let keep = select(
            &items,
            &Budget {
                sessions: None,
                money: Some(64.99),
            },
        );
        assert!(keep.is_empty());
        // Whole amounts the floating point cannot hold exactly still fit exactly.
        let items = [(5, 0.1, date(2027, 1, 5)), (5, 0.2, date(2027, 1, 6))];
        let keep = select(
            &items,
            &Budget {
                sessions: None,
                money: Some(0.1 + 0.2),
            },
        );
        assert_eq!(keep.len(), 2);
    }

    #[test]
    fn equal_values_are_spread_out() {
        let d = |m, day| date(2027, m, day);
        let items = [
            (7, 1.0, d(1, 1)),
            (7, 1.0, d(1, 15)),
            (7, 1.0, d(1, 29)),
            (7, 1.0, d(2, 12)),
        ];
        let keep = select(
            &items,
            &Budget {
                sessions: Some(2),
                money: None,
            },
        );
        assert_eq!(keep, BTreeSet::from([0, 3]));
    }
}
