//! The words sent around the user's own: the system prompt with the issue's context, and the
//! prompts of the use-cases. Everything built here still goes through the guard.

use crate::store::{IssueDetail, ResolutionStep};

/// What a request is for.
#[derive(Copy, Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum UseCase {
    /// A free question (with a log excerpt if one is given: "Analyze this log").
    Ask,
    /// Suggest the next why of the 5-Whys.
    NextWhy,
    /// Draft the RCA document from the issue.
    DraftRca,
}

impl std::str::FromStr for UseCase {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "ask" | "analyze" => Ok(UseCase::Ask),
            "next-why" | "nextWhy" | "suggest-why" => Ok(UseCase::NextWhy),
            "draft-rca" | "draftRca" => Ok(UseCase::DraftRca),
            _ => Err("expected ask, next-why or draft-rca".into()),
        }
    }
}

const SYSTEM: &str = "You help an engineer troubleshoot an incident and find its root cause. \
Sensitive values in what you are given (e-mail addresses, IP addresses, hostnames, tokens, \
passwords, keys …) have been replaced before it reached you by tokens such as [Email-3f9a1c2b7d4e5f6071] or \
[IPv4]: the same token always stands for the same value, so you can tell that two lines concern \
the same user or host. Refer to them by their tokens; never ask for the original values. Be \
concrete and brief; say what to check next.";

fn whys_text(steps: &[ResolutionStep]) -> String {
    let mut s = String::new();
    for st in steps {
        s.push_str(&format!("{}. Why: {}\n", st.step_order, st.why_question));
        if let Some(a) = &st.answer {
            s.push_str(&format!("   Answer: {a}\n"));
        }
    }
    s
}

/// The system prompt: the fixed instructions and the issue's context (title, severity, status,
/// description, the whys so far, the attached logs with their finding counts).
pub fn system(d: &IssueDetail) -> String {
    let i = &d.issue;
    let mut s = format!(
        "{SYSTEM}\n\nThe incident: {}\nSeverity: {}. Status: {}.\n",
        i.title, i.severity, i.status
    );
    if let Some(desc) = i.description.as_deref().filter(|x| !x.trim().is_empty()) {
        s.push_str(&format!("Description: {desc}\n"));
    }
    if !d.resolution_steps.is_empty() {
        s.push_str("5-Whys so far:\n");
        s.push_str(&whys_text(&d.resolution_steps));
    }
    if !d.log_files.is_empty() {
        s.push_str("Attached logs:\n");
        for l in &d.log_files {
            match l.file_size {
                Some(n) => s.push_str(&format!("- {} ({n} bytes)\n", l.file_name)),
                None => s.push_str(&format!("- {}\n", l.file_name)),
            }
        }
    }
    s
}

/// The user's turn: the use-case's prompt, the question, the excerpt.
pub fn user_turn(
    use_case: UseCase,
    question: Option<&str>,
    excerpt: Option<(&str, &super::excerpt::Excerpt)>,
    d: &IssueDetail,
) -> String {
    let q = question.map(str::trim).filter(|q| !q.is_empty());
    let mut s = String::new();
    match use_case {
        UseCase::Ask => {
            if excerpt.is_some() {
                s.push_str(
                    q.unwrap_or("Analyze this log: what went wrong, and what should I check next?"),
                );
            } else {
                s.push_str(q.unwrap_or(""));
            }
        }
        UseCase::NextWhy => {
            let n = d.resolution_steps.len() + 1;
            s.push_str(&format!(
                "Suggest why number {n} of the 5-Whys for this incident: the next question that \
                 goes one level deeper than the last answer, and its most likely answer. Reply in \
                 exactly this form, three lines:\nWhy: <the question>\nAnswer: <the likely \
                 answer>\nEvidence: <what supports it, or what to check>"
            ));
            if d.resolution_steps.is_empty() {
                s.push_str("\nThere are no whys yet: start from the incident's symptom.");
            }
            if let Some(q) = q {
                s.push_str(&format!("\n\n{q}"));
            }
        }
        UseCase::DraftRca => {
            s.push_str(
                "Draft the root-cause analysis of this incident in Markdown, with the sections \
                 Summary, Impact, Timeline, Root cause, 5-Whys, Contributing factors and Action \
                 items (each with an owner placeholder). Use only what you were given; mark what \
                 is missing as TODO.",
            );
            if let Some(q) = q {
                s.push_str(&format!("\n\n{q}"));
            }
        }
    }
    if let Some((name, e)) = excerpt {
        let what = if e.tail {
            "its last lines (no line had a finding or an error)".to_owned()
        } else {
            format!(
                "the lines with findings or errors, with context; {} of {} lines",
                e.lines_kept, e.total_lines
            )
        };
        s.push_str(&format!(
            "\n\nLog excerpt from {name}, {what}:\n```\n{}```\n",
            e.text
        ));
        if e.omitted > 0 {
            s.push_str(&format!(
                "({} more interesting lines were left out for size.)\n",
                e.omitted
            ));
        }
    }
    s
}

/// A "Why:/Answer:/Evidence:" reply taken apart (each line optional; `**Why:**` accepted).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct WhyProposal {
    pub question: Option<String>,
    pub answer: Option<String>,
    pub evidence: Option<String>,
}

pub fn parse_why(reply: &str) -> WhyProposal {
    let mut p = WhyProposal::default();
    for line in reply.lines() {
        let l = line.trim().trim_start_matches(['-', '*', ' ']).trim();
        let l = l.replace("**", "");
        let Some((head, rest)) = l.split_once(':') else {
            continue;
        };
        let rest = rest.trim();
        if rest.is_empty() {
            continue;
        }
        let slot = match head.trim().to_ascii_lowercase().as_str() {
            "why" | "question" => &mut p.question,
            "answer" => &mut p.answer,
            "evidence" => &mut p.evidence,
            _ => continue,
        };
        if slot.is_none() {
            *slot = Some(rest.to_owned());
        }
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn why_replies_are_taken_apart_leniently() {
        let p = parse_why(
            "Sure.\n**Why:** Why did the pool run dry?\n- Answer: connections leaked\nEvidence: line 12",
        );
        assert_eq!(p.question.as_deref(), Some("Why did the pool run dry?"));
        assert_eq!(p.answer.as_deref(), Some("connections leaked"));
        assert_eq!(p.evidence.as_deref(), Some("line 12"));
        assert_eq!(parse_why("no structure"), WhyProposal::default());
    }
}
