//! Examples and environment variables in every command's `--help`.
//!
//! Kept in one table here rather than beside each command's arguments, and added to the parser's
//! definition in [`command`]: the parser, the completions and the manual pages all come from that
//! one definition, so every `--help`, `man tftsr-issue-new` and test sees the same text. A command
//! that carries its own epilogue (`scan`, `redact`, `types` …) keeps it; the environment
//! variables a command reads are appended to it either way.

use clap::CommandFactory;

/// The parser's definition with every command's examples and environment variables.
pub fn command() -> clap::Command {
    let cmd = super::Cli::command().after_long_help(format!(
        "{TOP_EXAMPLES}\n\n{ENV_ALL}\n\nEvery command has examples in its --help (`tftsr scan \
         --help`); `tftsr man` prints the manual page, `tftsr completions SHELL` a completion \
         script."
    ));
    decorate(cmd, "")
}

fn decorate(mut cmd: clap::Command, path: &str) -> clap::Command {
    let names: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_owned())
        .filter(|n| n != "help")
        .collect();
    for name in names {
        let sub_path = if path.is_empty() {
            name.clone()
        } else {
            format!("{path} {name}")
        };
        cmd = cmd.mut_subcommand(&name, |sub| {
            let own = sub.get_after_long_help().map(|h| h.to_string());
            let examples = own.or_else(|| examples(&sub_path).map(str::to_owned));
            let env = env_of(&sub_path);
            let text = match (examples, env) {
                (Some(e), Some(v)) => Some(format!("{e}\n\n{v}")),
                (Some(e), None) => Some(e),
                (None, Some(v)) => Some(v.to_owned()),
                (None, None) => None,
            };
            let sub = match text {
                Some(t) => sub.after_long_help(t),
                None => sub,
            };
            decorate(sub, &sub_path)
        });
    }
    cmd
}

const TOP_EXAMPLES: &str = "\
Examples:
  tftsr scan app.log                          what is in there, path:line:column
  tftsr redact app.log -o clean.log           a copy safe to attach to a ticket
  tftsr redact app.log --dry-run              what would be redacted (counts, no values)
  tftsr issue new --title 'Login outage' --severity high
  tftsr issue attach 01a2 app.log             scan, redact and file a log under an incident
  tftsr types                                 the finding types and their ids
  tftsr config show                           the configuration in effect, and where from";

const ENV_ALL: &str = "\
Environment:
  TFTSR_DATA_DIR         where the store (tftsr.db), its key file and fingerprint.key live
                         (default: ~/.local/share/tftsr); --data-dir overrides it
  TFTSR_DB_KEY           the store's SQLCipher key (instead of the key file .dbkey beside it)
  TFTSR_DB_NEW_KEY       `db rekey`: the new key, when the key is in TFTSR_DB_KEY
  TFTSR_DB_ENCRYPT       debug builds only: 1 encrypts a new store (release builds always do)
  TFTSR_FINGERPRINT_KEY  64 hex digits: the key of the findings' fingerprints (for CI)
  TFTSR_AI_PROVIDER, TFTSR_AI_BASE_URL, TFTSR_AI_MODEL, TFTSR_AI_API_KEY, TFTSR_AI_TIMEOUT
                         the AI provider (`tftsr ai config --help`)
  NO_COLOR               non-empty: no colours with --color auto";

const ENV_STORE: &str = "\
Environment:
  TFTSR_DATA_DIR    where the store lives (default: ~/.local/share/tftsr); --data-dir overrides it
  TFTSR_DB_KEY      the store's key (instead of the key file .dbkey beside tftsr.db)
  TFTSR_DB_ENCRYPT  debug builds only: 1 encrypts a new store (release builds always do)";

const ENV_REKEY: &str = "\
Environment:
  TFTSR_DATA_DIR    where the store lives (default: ~/.local/share/tftsr); --data-dir overrides it
  TFTSR_DB_KEY      the store's current key (instead of the key file .dbkey beside tftsr.db)
  TFTSR_DB_NEW_KEY  the new key, when the current one is in TFTSR_DB_KEY (else a new key file)";

const ENV_AI: &str = "\
Environment:
  TFTSR_AI_PROVIDER, TFTSR_AI_BASE_URL, TFTSR_AI_MODEL, TFTSR_AI_API_KEY, TFTSR_AI_TIMEOUT
                    the provider (override what `tftsr ai config set` keeps in the store)
  TFTSR_DATA_DIR    where the store lives (default: ~/.local/share/tftsr); --data-dir overrides it
  TFTSR_DB_KEY      the store's key (instead of the key file .dbkey beside tftsr.db)";

const ENV_SCAN: &str = "\
Environment:
  TFTSR_FINGERPRINT_KEY  64 hex digits: the fingerprints' key (else .tftsr.key beside the
                         configuration, else fingerprint.key in the data directory)
  TFTSR_DATA_DIR         the data directory (fingerprint.key); --data-dir overrides it
  NO_COLOR               non-empty: no colours with --color auto";

const ENV_REDACT: &str = "\
Environment:
  TFTSR_DATA_DIR  the data directory: --style pseudonym keeps its secret in the store there;
                  --data-dir overrides it
  TFTSR_DB_KEY    the store's key (--style pseudonym; instead of the key file .dbkey)";

/// The environment variables a command reads (None: none worth listing).
fn env_of(path: &str) -> Option<&'static str> {
    let top = path.split(' ').next().unwrap_or("");
    Some(match (top, path) {
        (_, "db rekey") => ENV_REKEY,
        ("scan" | "fingerprint" | "baseline" | "config", _) => ENV_SCAN,
        ("redact", _) => ENV_REDACT,
        ("ai", _) => ENV_AI,
        ("issue" | "why" | "doc" | "audit" | "db", _) => ENV_STORE,
        ("lsp", _) => ENV_SCAN,
        _ => return None,
    })
}

/// The examples of a command, by its path below `tftsr` (`issue new`).
fn examples(path: &str) -> Option<&'static str> {
    Some(match path {
        "issue" => {
            "\
Examples:
  tftsr issue new --title 'Login outage' --severity high --tag auth
  tftsr issue list --status open
  tftsr issue attach 01a2 /var/log/app.log    its findings and its redacted copy
  tftsr issue search login timeout
  tftsr issue export 01a2 -o outage.zip       a bundle safe to share"
        }
        "issue new" => {
            "\
Examples:
  tftsr issue new --title 'Login outage' --severity high
  tftsr issue new --title 'Disk full on db-3' --severity critical --tag infra,db \\
      --assigned-to alice --source pagerduty
  id=$(tftsr issue new --title 'Slow search' --severity low --json | jq -r .id)"
        }
        "issue list" => {
            "\
Examples:
  tftsr issue list                            the 50 newest
  tftsr issue list --status open --severity critical
  tftsr issue list --tag auth --limit 0       every incident tagged auth
  tftsr issue list --json | jq -r '.[].title'"
        }
        "issue show" => {
            "\
Examples:
  tftsr issue show 01a2                       an id or a unique prefix of one
  tftsr issue show 01a2 --json"
        }
        "issue update" => {
            "\
Examples:
  tftsr issue update 01a2 --severity critical --assigned-to bob
  tftsr issue update 01a2 --tag auth,sso      replaces the tags
  tftsr issue update 01a2 --category ''       an empty value clears a field"
        }
        "issue search" => {
            "\
Examples:
  tftsr issue search login timeout            every word must match, best match first
  tftsr issue search 'disk ful'               the last word may be a prefix
  tftsr issue search outage --json --limit 5
  tftsr issue search checkout --color always | less -R

Each hit: the id, its score (BM25, higher is better: words in the title count 4 times, rare
words more than common ones), severity/status and title, then a snippet whose matched words are
bold and underlined on a colour terminal, else marked »like this«.
Exit status: 0 matches, 1 no match, 2 an error."
        }
        "issue attach" => {
            "\
Examples:
  tftsr issue attach 01a2 app.log             scan, keep findings and the redacted copy
  tftsr issue attach 01a2 app.log.gz --style pseudonym
  tftsr issue attach 01a2 app.log --review    decide finding by finding (y/n/Y/N/a/d/q)
  tftsr issue attach 01a2 app.log --reject-type hostname --no-values"
        }
        "issue finalize" => {
            "\
Examples:
  tftsr issue finalize 01a2                   forget the original values of its logs"
        }
        "issue status" => {
            "\
Examples:
  tftsr issue status 01a2 investigating
  tftsr issue status 01a2 resolved
  tftsr issue status 01a2 open                reopening is allowed"
        }
        "issue delete" => {
            "\
Examples:
  tftsr issue delete 01a2                     asks first
  tftsr issue delete 01a2 --yes               in a script"
        }
        "issue export" => {
            "\
Examples:
  tftsr issue export 01a2 -o outage.zip
  tftsr issue export 01a2 -o outage.tar.gz --redact-documents
  tftsr issue verify-bundle outage.zip        what the receiving side runs"
        }
        "issue verify-bundle" => {
            "\
Examples:
  tftsr issue verify-bundle outage.zip        exit 0 when it holds and has no finding
  tftsr issue verify-bundle outage.tar.gz --json"
        }
        "why" => {
            "\
Examples:
  tftsr why add 01a2 --question 'Why did logins fail?' --answer 'The IdP timed out'
  tftsr why list 01a2
  tftsr why move 01a7 1                       make it the first why"
        }
        "why add" => {
            "\
Examples:
  tftsr why add 01a2 --question 'Why did logins fail?' --answer 'The IdP timed out'
  tftsr why add 01a2 --question 'Why did it time out?' --evidence log:01b3:120-180"
        }
        "why list" => {
            "\
Examples:
  tftsr why list 01a2
  tftsr why list 01a2 --json"
        }
        "why edit" => {
            "\
Examples:
  tftsr why edit 01a7 --answer 'The pool was exhausted'
  tftsr why edit 01a7 --evidence finding:3f9a1c…"
        }
        "why move" => {
            "\
Examples:
  tftsr why move 01a7 1                       to the top
  tftsr why move 01a7 3"
        }
        "why delete" => {
            "\
Examples:
  tftsr why delete 01a7
  tftsr why delete 01a7 --yes"
        }
        "doc" => {
            "\
Examples:
  tftsr doc generate 01a2 --kind rca          a root-cause analysis from the incident
  tftsr doc edit 01c4 -f rca.md
  tftsr doc export 01c4 -o rca.html"
        }
        "doc generate" => {
            "\
Examples:
  tftsr doc generate 01a2 --kind rca
  tftsr doc generate 01a2 --kind postmortem --json"
        }
        "doc list" => {
            "\
Examples:
  tftsr doc list 01a2"
        }
        "doc show" => {
            "\
Examples:
  tftsr doc show 01c4                         the Markdown
  tftsr doc show 01c4 --json"
        }
        "doc edit" => {
            "\
Examples:
  tftsr doc edit 01c4 -f rca.md
  $EDITOR rca.md && tftsr doc edit 01c4 -f - < rca.md
  tftsr doc edit 01c4 --title 'RCA: login outage'"
        }
        "doc export" => {
            "\
Examples:
  tftsr doc export 01c4 -o rca.md
  tftsr doc export 01c4 -o rca.html           rendered
  tftsr doc export 01c4 -o rca.md --redact    findings replaced on the way out"
        }
        "doc delete" => {
            "\
Examples:
  tftsr doc delete 01c4 --yes"
        }
        "audit" => {
            "\
Examples:
  tftsr audit                                 the 50 newest entries
  tftsr audit --issue 01a2 --since 7d
  tftsr audit --action db_export --limit 0 --json
  tftsr audit verify                          check the hash chain"
        }
        "audit verify" => {
            "\
Examples:
  tftsr audit verify                          exit 0 when the chain holds, 1 when broken
  tftsr audit verify --json"
        }
        "db" => {
            "\
Examples:
  tftsr db path                               where the store and its key are
  tftsr db check
  tftsr db export -o backup.json"
        }
        "db path" => {
            "\
Examples:
  tftsr db path
  tftsr --data-dir /srv/tftsr db path --json"
        }
        "db check" => {
            "\
Examples:
  tftsr db check                              integrity, cipher, audit chain; exit 1 on problems"
        }
        "db encrypt" => {
            "\
Examples:
  tftsr db encrypt                            a plain (debug-build) store, encrypted in place
  tftsr db encrypt --keep-backup"
        }
        "db rekey" => {
            "\
Examples:
  tftsr db rekey                              a new random key file
  TFTSR_DB_KEY=old TFTSR_DB_NEW_KEY=new tftsr db rekey"
        }
        "db export" => {
            "\
Examples:
  tftsr db export -o backup.json              created 0600; no original values
  tftsr db export --include-values -o full.json   a full, sensitive backup"
        }
        "ai" => {
            "\
Examples:
  tftsr ai config set TFTSR_AI_PROVIDER openai
  tftsr ai ask 01a2 'What does this stack trace mean?' --log app.log
  tftsr ai ask 01a2 --use-case next-why
  tftsr ai ask 01a2 --dry-run --log app.log   the exact request, sent nowhere"
        }
        "ai ask" => {
            "\
Examples:
  tftsr ai ask 01a2 'Why would the pool run dry?'
  tftsr ai ask 01a2 --log app.log --lines 120-180 'What failed here?'
  tftsr ai ask 01a2 --use-case draft-rca
  tftsr ai ask 01a2 --continue 'And the retry storm?'
  tftsr ai ask 01a2 --dry-run --log app.log   print the redacted request, send nothing"
        }
        "ai list" => {
            "\
Examples:
  tftsr ai list                               every conversation
  tftsr ai list 01a2"
        }
        "ai show" => {
            "\
Examples:
  tftsr ai show 01d2"
        }
        "ai delete" => {
            "\
Examples:
  tftsr ai delete 01d2 --yes"
        }
        "ai accept-why" => {
            "\
Examples:
  tftsr ai accept-why 01d2                    the last reply's Why:/Answer: as a 5-Whys step
  tftsr ai accept-why 01d2 --question 'Why did the pool run dry?'"
        }
        "ai accept-doc" => {
            "\
Examples:
  tftsr ai accept-doc 01d2 --kind rca --title 'RCA: login outage'"
        }
        "ai config" => {
            "\
Examples:
  tftsr ai config show
  tftsr ai config set TFTSR_AI_BASE_URL http://127.0.0.1:11434/v1
  tftsr ai config set TFTSR_AI_API_KEY        the key is read from stdin, never argv
  tftsr ai config unset TFTSR_AI_MODEL"
        }
        "ai config show" => {
            "\
Examples:
  tftsr ai config show                        what is set, and where it came from
  tftsr ai config show --json"
        }
        "ai config set" => {
            "\
Examples:
  tftsr ai config set TFTSR_AI_PROVIDER anthropic
  tftsr ai config set TFTSR_AI_MODEL gpt-4o-mini
  tftsr ai config set TFTSR_AI_API_KEY        read from stdin (kept out of shell history)"
        }
        "ai config unset" => {
            "\
Examples:
  tftsr ai config unset TFTSR_AI_API_KEY"
        }
        "baseline" => {
            "\
Examples:
  tftsr baseline create . -o .tftsr-baseline.json
  tftsr scan --baseline .tftsr-baseline.json .     only new findings fail"
        }
        "config" => {
            "\
Examples:
  tftsr config show                           what a scan from here would use, and where from
  tftsr config show /var/log/myapp --json
  tftsr config check                          the nearest .tftsr.toml: exit 0 valid, 1 invalid"
        }
        "lsp" => {
            "\
Examples:
  tftsr lsp                                   the editor starts it; it speaks LSP on stdio
  tftsr lsp --log-level warn
  tftsr --data-dir ~/work-tftsr lsp           another store for the editor

Editors: docs/editors.md (VS Code, Neovim, Emacs, Helix …)."
        }
        _ => return None,
    })
}
