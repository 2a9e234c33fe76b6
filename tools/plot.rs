//! `plot`: SVG figures of a classification (paper Figs. 4, 5, 7, 8).

use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand};
use common::plot::{self, CM_PANELS};
use common::table::Reader;
use common::{Error, Result};

/// How the figures come from a pipeline (the end of every --help).
const EXAMPLE: &str = r#"Example pipeline (a small LOOCV of the training set -> figures):
  loocv --mc 3 --limit 40 --quiet --replicas-out reps.csv -o loo.csv
  plot confusion loo.csv -o figs/            # recall/precision, all and CT >= 2
  plot roc loo.csv -o figs/roc.svg
  plot reliability loo.csv -o figs/reliability.svg
  plot replicas --source "$(sed -n 2p loo.csv | cut -d, -f1)" reps.csv -o figs/source.svg
  mcsample --seed 1 common/data/td_2941.csv | features --random-feature > f.csv
  cols=$(features --list --random-feature | paste -sd,)
  standardize --fit f.csv f.csv | smote --seed 1 --features "$cols" \
    | rforest train --seed 1 --trees 20 --features "$cols" --importances imp.csv -o m.rf
  plot importances imp.csv -o figs/importances.svg"#;

#[derive(Parser)]
#[command(
    name = "plot",
    about = "SVG figures: confusion matrices, replica distributions, feature importances, ROC curves, reliability diagrams",
    after_help = EXAMPLE
)]
struct Args {
    #[command(subcommand)]
    figure: Figure,
}

#[derive(Subcommand)]
enum Figure {
    /// Recall and precision confusion matrices, all sources and CT >= cut (paper
    /// Fig. 8). -o FILE.svg: one figure of four panels; -o DIR: four files
    /// recall_all.svg, recall_ct.svg, precision_all.svg, precision_ct.svg.
    #[command(after_help = EXAMPLE)]
    Confusion {
        /// Aggregated table (P_, e_P_, Class, CT and the truth column); stdin if absent.
        table: Option<PathBuf>,
        #[command(flatten)]
        ct_cut: cli::CtCut,
        #[command(flatten)]
        truth: cli::ClassColumn,
        /// Output SVG (written atomically), or a directory for four files; standard
        /// output when absent.
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// One source's class-probability distributions over its Monte-Carlo replicas
    /// (paper Fig. 7).
    #[command(after_help = EXAMPLE)]
    Replicas {
        /// Per-replica rows (id + P_<class>); stdin if absent.
        replicas: Option<PathBuf>,
        /// The source to show.
        #[arg(long)]
        source: String,
        #[command(flatten)]
        id: cli::IdColumn,
        #[command(flatten)]
        output: cli::Output,
    },
    /// Feature importances (CSV feature,importance), sorted, with the importance of a
    /// feature named `random` as baseline (paper Fig. 4).
    #[command(after_help = EXAMPLE)]
    Importances {
        /// CSV with columns feature, importance; stdin if absent.
        importances: Option<PathBuf>,
        #[command(flatten)]
        output: cli::Output,
    },
    /// One-vs-rest ROC curves per class and the macro curve with AUCs (paper Fig. 5).
    #[command(after_help = EXAMPLE)]
    Roc {
        /// Aggregated table (P_, e_P_, Class, CT and the truth column); stdin if absent.
        table: Option<PathBuf>,
        #[command(flatten)]
        truth: cli::ClassColumn,
        #[command(flatten)]
        output: cli::Output,
    },
    /// Reliability diagram of Class_prob: per 1/15-wide bin the share of sources whose
    /// Class is true against their mean Class_prob, with the expected calibration error.
    #[command(after_help = EXAMPLE)]
    Reliability {
        /// Aggregated table (P_, e_P_, Class, CT and the truth column); stdin if absent.
        table: Option<PathBuf>,
        #[command(flatten)]
        truth: cli::ClassColumn,
        #[command(flatten)]
        output: cli::Output,
    },
}

fn main() -> std::process::ExitCode {
    cli::main("plot", |args: Args| run(args.figure))
}

/// An SVG to a file (atomically) or to standard output.
fn emit(output: Option<&Path>, svg: &str) -> Result<()> {
    common::table::write_output(output, svg.as_bytes())
}

fn scored(
    table: Option<&Path>,
    truth: &str,
) -> Result<(Vec<usize>, Vec<common::aggregate::Summary>)> {
    let (labels, sums, skipped) = plot::read_scored(table, truth)?;
    if skipped > 0 {
        eprintln!("plot: {skipped} rows without a true class or a result are left out");
    }
    Ok((labels, sums))
}

fn run(figure: Figure) -> Result<()> {
    match figure {
        Figure::Confusion {
            table,
            ct_cut,
            truth,
            output,
        } => {
            let (labels, sums) = scored(table.as_deref(), &truth.class_column)?;
            match output {
                Some(dir)
                    if dir.extension().is_none_or(|e| e != "svg") && dir.as_os_str() != "-" =>
                {
                    std::fs::create_dir_all(&dir)
                        .map_err(|e| Error::io(&dir.display().to_string(), e))?;
                    for (stem, kind, confident) in CM_PANELS {
                        let svg =
                            plot::confusion_panel(&labels, &sums, ct_cut.ct_cut, kind, confident)?;
                        plot::write_svg(&dir.join(format!("{stem}.svg")), &svg)?;
                    }
                    Ok(())
                }
                out => emit(
                    out.as_deref(),
                    &plot::confusion_figure(&labels, &sums, ct_cut.ct_cut)?,
                ),
            }
        }
        Figure::Replicas {
            replicas,
            source,
            id,
            output,
        } => {
            let (reps, _) =
                common::aggregate::read_replicas(Reader::open(replicas.as_deref())?, &id.id, None)?;
            let i = reps.get(&source).ok_or_else(|| {
                Error::invalid(format!("source '{source}' has no replicas in the input"))
            })?;
            emit(
                output.path(),
                &plot::replicas_figure(&source, reps.samples(i))?,
            )
        }
        Figure::Importances {
            importances,
            output,
        } => {
            let items = plot::read_importances(importances.as_deref())?;
            emit(output.path(), &plot::importances_figure(&items)?)
        }
        Figure::Roc {
            table,
            truth,
            output,
        } => {
            let (labels, sums) = scored(table.as_deref(), &truth.class_column)?;
            emit(output.path(), &plot::roc_figure(&labels, &sums)?)
        }
        Figure::Reliability {
            table,
            truth,
            output,
        } => {
            let (labels, sums) = scored(table.as_deref(), &truth.class_column)?;
            emit(output.path(), &plot::reliability_figure(&labels, &sums)?)
        }
    }
}
