//! Work units of a run and their split into shards. A classification is the list of
//! independent units (E(B-V) bin, replica), a LOOCV the units (fold, replica): every
//! unit draws from random streams of its own (common::rng), so a unit computed in any
//! process gives the same numbers, and shards can be computed anywhere and merged.

use crate::error::{Error, Result};

/// What a run computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Study {
    /// `classify`: units (E(B-V) bin, replica).
    Classify,
    /// `loocv`: units (left-out training row, replica).
    Loocv,
}

impl Study {
    pub fn name(self) -> &'static str {
        match self {
            Study::Classify => "classify",
            Study::Loocv => "loocv",
        }
    }

    pub fn parse(s: &str) -> Option<Study> {
        match s {
            "classify" => Some(Study::Classify),
            "loocv" => Some(Study::Loocv),
            _ => None,
        }
    }

    /// What a unit's group is called in messages and plan columns.
    pub(crate) fn group_name(self) -> &'static str {
        match self {
            Study::Classify => "bin",
            Study::Loocv => "fold",
        }
    }
}

/// One group of sources computed together: an E(B-V) bin (its index) or a LOOCV fold
/// (the left-out training row), with the number of sources it classifies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Group {
    pub id: u64,
    pub sources: usize,
}

/// One unit: position of its group in [`Plan::groups`], and the replica.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Unit {
    pub group: usize,
    pub replica: usize,
}

/// Every unit of a run: its groups in output order, times the replicas.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub study: Study,
    pub groups: Vec<Group>,
    pub replicas: usize,
}

/// Estimated CPU seconds of one unit classifying `sources` sources, on this project's
/// reference machine: the SMOTE and the top of the forest every unit grows (≈ 0.1 s, a
/// LOOCV fold), plus the paths grown for the unit's sources, which approach the whole
/// forest (≈ 0.53 s) as they multiply, plus sampling and prediction per source
/// (README, Performance). Only ratios matter for balancing shards.
pub(crate) fn unit_seconds(sources: usize) -> f64 {
    let n = sources as f64;
    0.10 + 0.43 * (1.0 - (-n / 60.0).exp()) + 2.0e-5 * n
}

/// Estimated peak memory (MB) of a process that classifies `sources` sources in all:
/// the embedded data and training set, one forest per thread, and the table.
pub(crate) fn process_memory_mb(sources: usize, threads: usize) -> f64 {
    48.0 + 12.0 * threads as f64 + 0.012 * sources as f64
}

impl Plan {
    pub fn units(&self) -> impl Iterator<Item = Unit> + '_ {
        (0..self.groups.len())
            .flat_map(move |group| (0..self.replicas).map(move |replica| Unit { group, replica }))
    }

    pub fn len(&self) -> usize {
        self.groups.len() * self.replicas
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn cost(&self, unit: Unit) -> f64 {
        unit_seconds(self.groups[unit.group].sources)
    }

    /// The shard (0-based) of every unit, in [`Plan::units`] order: units by
    /// decreasing cost, each to the least loaded shard so far (ties to the lower
    /// shard), so that shards are balanced by estimated cost, not by count.
    pub(crate) fn assign(&self, shards: usize) -> Vec<usize> {
        let units: Vec<Unit> = self.units().collect();
        let mut order: Vec<usize> = (0..units.len()).collect();
        // Costs of a group are equal: a stable sort keeps plan order among equals.
        order.sort_by(|&a, &b| self.cost(units[b]).total_cmp(&self.cost(units[a])));
        let mut load = vec![0.0f64; shards.max(1)];
        let mut shard_of = vec![0; units.len()];
        for i in order {
            let s = (0..load.len())
                .min_by(|&a, &b| load[a].total_cmp(&load[b]).then(a.cmp(&b)))
                .unwrap_or(0);
            load[s] += self.cost(units[i]);
            shard_of[i] = s;
        }
        shard_of
    }

    /// `--plan`: the plan table to `out` (standard output for `None`) and the
    /// per-shard summary on stderr.
    pub fn print(&self, shards: usize, out: Option<&std::path::Path>) -> Result<()> {
        let mut w = crate::table::Writer::create(out)?;
        self.write(shards, &mut w)?;
        w.finish()?;
        eprint!("{}", self.summary(shards, rayon::current_num_threads()));
        Ok(())
    }

    /// The units a run computes: those of `shard`, or all.
    pub fn selected(&self, shard: Option<ShardSpec>) -> Vec<Unit> {
        match shard {
            Some(s) => self.shard_units(s),
            None => self.units().collect(),
        }
    }

    /// The line a shard run ends with on stderr.
    pub fn shard_note(&self, shard: ShardSpec, units: &[Unit]) -> String {
        format!(
            "{}: shard {shard}: {} of {} units ({})",
            self.study.name(),
            units.len(),
            self.len(),
            self.describe_units(units, 3)
        )
    }

    /// The units of one shard, in plan order.
    pub(crate) fn shard_units(&self, shard: ShardSpec) -> Vec<Unit> {
        let assign = self.assign(shard.count);
        self.units()
            .zip(assign)
            .filter(|(_, s)| *s == shard.index - 1)
            .map(|(u, _)| u)
            .collect()
    }

    /// A unit as messages name it: `bin 44 replica 3`, `fold 17 replica 0`.
    pub fn describe(&self, unit: Unit) -> String {
        format!(
            "{} {} replica {}",
            self.study.group_name(),
            self.groups[unit.group].id,
            unit.replica
        )
    }

    /// Units named compactly, a group's consecutive replicas as one range, at most
    /// `max` entries then how many more: `bin 44 replicas 0-3, bin 50 replica 2`.
    pub(crate) fn describe_units(&self, units: &[Unit], max: usize) -> String {
        let mut runs: Vec<(usize, usize, usize)> = Vec::new();
        for u in units {
            match runs.last_mut() {
                Some((g, _, hi)) if *g == u.group && *hi + 1 == u.replica => *hi = u.replica,
                _ => runs.push((u.group, u.replica, u.replica)),
            }
        }
        let mut parts: Vec<String> = runs
            .iter()
            .take(max)
            .map(|&(g, lo, hi)| {
                let what = self.study.group_name();
                let id = self.groups[g].id;
                if lo == hi {
                    format!("{what} {id} replica {lo}")
                } else {
                    format!("{what} {id} replicas {lo}-{hi}")
                }
            })
            .collect();
        if runs.len() > max {
            parts.push(format!("and {} more", runs.len() - max));
        }
        parts.join(", ")
    }

    /// The groups as a shard file records them: `id:sources` separated by spaces.
    pub(crate) fn groups_text(&self) -> String {
        let parts: Vec<String> = self
            .groups
            .iter()
            .map(|g| format!("{}:{}", g.id, g.sources))
            .collect();
        parts.join(" ")
    }

    pub(crate) fn parse_groups(text: &str) -> std::result::Result<Vec<Group>, String> {
        text.split_ascii_whitespace()
            .map(|part| {
                let (id, n) = part
                    .split_once(':')
                    .ok_or_else(|| format!("not id:sources: '{part}'"))?;
                Ok(Group {
                    id: id.parse().map_err(|_| format!("not a group id: '{id}'"))?,
                    sources: n.parse().map_err(|_| format!("not a count: '{n}'"))?,
                })
            })
            .collect()
    }

    /// The plan as a table: one row per unit with its shard (1-based) among `shards`,
    /// group, replica, sources and estimated seconds.
    pub fn write(&self, shards: usize, out: &mut crate::table::Writer) -> Result<()> {
        let group = self.study.group_name();
        out.write_row(["shard", group, "replica", "sources", "seconds"])?;
        for (u, s) in self.units().zip(self.assign(shards)) {
            let g = self.groups[u.group];
            out.write_row([
                (s + 1).to_string(),
                g.id.to_string(),
                u.replica.to_string(),
                g.sources.to_string(),
                crate::table::fmt_f64(round3(self.cost(u))),
            ])?;
        }
        Ok(())
    }

    /// One line per shard for stderr: units, estimated seconds, and the process's
    /// peak memory estimate with `threads` threads.
    pub fn summary(&self, shards: usize, threads: usize) -> String {
        let assign = self.assign(shards);
        let mut seconds = vec![0.0; shards];
        let mut count = vec![0usize; shards];
        let mut sources = vec![0usize; shards];
        let mut seen = vec![vec![false; self.groups.len()]; shards];
        for (u, s) in self.units().zip(&assign) {
            seconds[*s] += self.cost(u);
            count[*s] += 1;
            if !seen[*s][u.group] {
                seen[*s][u.group] = true;
                sources[*s] += self.groups[u.group].sources;
            }
        }
        let total: f64 = seconds.iter().sum();
        let mut text = format!(
            "{}: {} units ({} {}s x {} replicas), {:.0} CPU seconds estimated\n",
            self.study.name(),
            self.len(),
            self.groups.len(),
            self.study.group_name(),
            self.replicas,
            total
        );
        for s in 0..shards {
            text.push_str(&format!(
                "shard {}/{shards}: {} units, {:.0} CPU seconds, {:.0} MB\n",
                s + 1,
                count[s],
                seconds[s],
                process_memory_mb(sources[s], threads)
            ));
        }
        text
    }
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// `--shard I/N`: the I-th of N shards, 1 <= I <= N.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShardSpec {
    pub index: usize,
    pub count: usize,
}

impl std::str::FromStr for ShardSpec {
    type Err = Error;

    fn from_str(s: &str) -> Result<ShardSpec> {
        let bad = |why: &str| Error::invalid(format!("--shard '{s}': {why}"));
        let (i, n) = s
            .split_once('/')
            .ok_or_else(|| bad("not I/N (e.g. 2/8: the second of eight shards)"))?;
        let parse = |x: &str| x.trim().parse::<usize>().ok();
        let (Some(index), Some(count)) = (parse(i), parse(n)) else {
            return Err(bad("not I/N with whole numbers I and N"));
        };
        if count == 0 {
            return Err(bad("N must be at least 1"));
        }
        if index == 0 || index > count {
            return Err(bad(&format!("I must be between 1 and {count}")));
        }
        Ok(ShardSpec { index, count })
    }
}

impl std::fmt::Display for ShardSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(sizes: &[usize], replicas: usize) -> Plan {
        Plan {
            study: Study::Classify,
            groups: sizes
                .iter()
                .enumerate()
                .map(|(i, &n)| Group {
                    id: 10 + i as u64,
                    sources: n,
                })
                .collect(),
            replicas,
        }
    }

    #[test]
    fn shard_specs_are_checked() {
        assert_eq!(
            "2/7".parse::<ShardSpec>().unwrap(),
            ShardSpec { index: 2, count: 7 }
        );
        for bad in ["0/3", "4/3", "x", "1/0", "-1/3", "1/", "a/b"] {
            let e = bad.parse::<ShardSpec>().unwrap_err().to_string();
            assert!(e.starts_with(&format!("--shard '{bad}': ")), "{e}");
        }
        assert_eq!(
            "4/3".parse::<ShardSpec>().unwrap_err().to_string(),
            "--shard '4/3': I must be between 1 and 3"
        );
    }

    #[test]
    fn shards_cover_every_unit_once_and_balance_cost() {
        // One bin of 5,000 sources beside 99 bins of one source: by count each of 4
        // shards would take 25 units; by cost the big bin's replicas spread out.
        let mut sizes = vec![5000];
        sizes.extend(std::iter::repeat_n(1, 99));
        let p = plan(&sizes, 4);
        let n = 4;
        let mut all: Vec<Unit> = (1..=n)
            .flat_map(|i| p.shard_units(ShardSpec { index: i, count: n }))
            .collect();
        all.sort();
        assert_eq!(all, p.units().collect::<Vec<_>>());
        let loads: Vec<f64> = (1..=n)
            .map(|i| {
                p.shard_units(ShardSpec { index: i, count: n })
                    .iter()
                    .map(|u| p.cost(*u))
                    .sum()
            })
            .collect();
        let (lo, hi) = loads
            .iter()
            .fold((f64::MAX, 0.0f64), |(lo, hi), &l| (lo.min(l), hi.max(l)));
        // Greedy by decreasing cost: within one unit of cost of each other.
        assert!(hi - lo <= unit_seconds(5000), "{loads:?}");
        // Each shard holds exactly one of the big bin's four replicas.
        for i in 1..=n {
            let big = p
                .shard_units(ShardSpec { index: i, count: n })
                .iter()
                .filter(|u| u.group == 0)
                .count();
            assert_eq!(big, 1);
        }
    }

    #[test]
    fn units_are_named_compactly() {
        let p = plan(&[3, 1, 2], 4);
        let units = [
            Unit {
                group: 0,
                replica: 0,
            },
            Unit {
                group: 0,
                replica: 1,
            },
            Unit {
                group: 0,
                replica: 2,
            },
            Unit {
                group: 2,
                replica: 3,
            },
        ];
        assert_eq!(
            p.describe_units(&units, 5),
            "bin 10 replicas 0-2, bin 12 replica 3"
        );
        assert_eq!(
            p.describe_units(&units, 1),
            "bin 10 replicas 0-2, and 1 more"
        );
        assert_eq!(Plan::parse_groups(&p.groups_text()).unwrap(), p.groups);
    }
}
