//! Manual pages and shell completions: generated from every tool's clap definition
//! (the same one `--help` prints), and installed by `make install PREFIX=...`.

use std::path::Path;
use std::process::Command;

use crate::util::*;

/// Every tool binary that Cargo.toml declares.
fn tools() -> Vec<String> {
    let manifest = std::fs::read_to_string(root().join("Cargo.toml")).unwrap();
    let mut lines = manifest.lines();
    let mut names = Vec::new();
    while let Some(l) = lines.next() {
        if l.trim() == "[[bin]]" {
            let name = lines.next().unwrap();
            names.push(
                name.strip_prefix("name = \"")
                    .and_then(|n| n.strip_suffix('"'))
                    .unwrap_or_else(|| panic!("[[bin]] without a name first: {name}"))
                    .to_string(),
            );
        }
    }
    assert!(names.len() > 10, "{names:?}");
    names
}

/// The long options a `--help` text names.
fn long_options(help: &str) -> Vec<String> {
    let mut opts: Vec<String> = help
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
        .filter(|w| w.starts_with("--") && w.len() > 2 && !w[2..].starts_with('-'))
        .map(String::from)
        .collect();
    opts.sort();
    opts.dedup();
    opts
}

/// A text as the manual pages' roff writes it.
fn roff(text: &str) -> String {
    text.replace('\\', "\\e").replace('-', "\\-")
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn every_tool_writes_its_manual_page_and_completions_from_its_clap_definition() {
    let dir = scratch("docs");
    for tool in tools() {
        let out = Command::new(bin(&tool))
            .env("MUWCLASS_GENERATE_DOCS", &dir)
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{tool}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            out.stdout.is_empty(),
            "{tool} ran instead of writing its docs"
        );
        let page = read(&dir.join(format!("man1/{tool}.1")));
        assert!(
            page.starts_with(&format!(
                ".ie \\n(.g .ds Aq \\(aq\n.el .ds Aq '\n.TH {tool} 1"
            )),
            "{tool}: {}",
            &page[..200.min(page.len())]
        );
        // Every option of --help is in the page.
        let help = run_ok(&tool, &["--help"], None);
        for opt in long_options(&help) {
            assert!(
                page.contains(&roff(&opt)),
                "{tool}: {opt} not in the manual page"
            );
        }
        // The examples that end every --help end the page too, line by line as written.
        let examples: Vec<&str> = help
            .lines()
            .skip_while(|l| !l.starts_with("Example"))
            .collect();
        assert!(examples.len() > 1, "{tool}: no example lines");
        let section = page.split_once(".SH EXAMPLES\n.nf\n").unwrap().1;
        for (line, roffed) in examples.iter().zip(section.lines()) {
            assert_eq!(roffed, format!("\\&{}", roff(line)), "{tool}");
        }
        // A real roff renders it without a warning.
        let groff = Command::new("groff")
            .args(["-man", "-Tutf8", "-ww", "-z"])
            .arg(dir.join(format!("man1/{tool}.1")))
            .output()
            .expect("groff is needed (apt-get install groff-base)");
        assert!(
            groff.status.success() && groff.stderr.is_empty(),
            "{tool}: {}",
            String::from_utf8_lossy(&groff.stderr)
        );
        let bash = dir.join(format!("bash/{tool}"));
        assert!(
            read(&bash).contains(&format!("complete -F _{}", tool)),
            "{tool} bash"
        );
        let check = Command::new("bash").arg("-n").arg(&bash).status().unwrap();
        assert!(check.success(), "{tool}: bash completion does not parse");
        assert!(read(&dir.join(format!("zsh/_{tool}"))).starts_with(&format!("#compdef {tool}")));
        assert!(
            read(&dir.join(format!("fish/{tool}.fish"))).contains(&format!("complete -c {tool} "))
        );
    }
    // A tool with subcommands gets a page per subcommand.
    assert!(read(&dir.join("man1/rforest-train.1")).contains("\\-\\-trees"));
    assert!(read(&dir.join("man1/plot-confusion.1")).contains("\\-\\-ct\\-cut"));
}

#[test]
fn make_install_puts_tools_pages_and_completions_under_the_prefix() {
    let dir = scratch("install");
    let prefix = dir.join("prefix");
    let out = Command::new("make")
        .arg("-C")
        .arg(root())
        .arg(format!("WORK={}", dir.join("out").display()))
        .arg(format!("BIN={}", bin_dir().display()))
        .arg(format!("PREFIX={}", prefix.display()))
        .args(["BUILD=0", "install"])
        .output()
        .expect("make is needed");
    assert!(
        out.status.success(),
        "make install failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    for tool in tools() {
        for p in [
            format!("bin/{tool}"),
            format!("share/man/man1/{tool}.1"),
            format!("share/bash-completion/completions/{tool}"),
            format!("share/zsh/site-functions/_{tool}"),
            format!("share/fish/vendor_completions.d/{tool}.fish"),
        ] {
            assert!(prefix.join(&p).is_file(), "{p} not installed");
        }
    }
    let v = Command::new(prefix.join("bin/report"))
        .arg("--version")
        .output()
        .unwrap();
    assert!(v.status.success() && String::from_utf8_lossy(&v.stdout).starts_with("report "));
}
