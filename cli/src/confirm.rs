//! Destructive commands ask first, with the manual's wording: on a terminal the installer
//! answers y or n; a script must say `--yes` (it is never left waiting on a prompt it
//! cannot see).

use std::io::{BufRead, IsTerminal, Write};

use crate::error::CliError;

/// The manual's warning before anything is deleted.
pub const DELETE: &str = "Are you sure you want to delete this item?";
/// The manual's warning before an apartment is reset.
pub const RESET_APARTMENT: &str = "Are you sure you want to reset the apartment? If you reset it, all the information will be cleared, including email, mobile number, landlines and so on. And all the family members will be deleted too.";

/// Goes on when `yes` was given or the user agrees to `question` (with `what` said first);
/// otherwise nothing is changed and the command fails saying so.
pub fn confirm(yes: bool, what: &str, question: &str) -> Result<(), CliError> {
    if yes {
        return Ok(());
    }
    if !std::io::stdin().is_terminal() {
        crate::bail!("{what}. {question} Nothing was changed; add --yes to confirm.");
    }
    let mut err = std::io::stderr();
    let _ = write!(err, "{what}.\n{question} [y/N] ");
    let _ = err.flush();
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|e| CliError::io("reading the answer", e))?;
    if matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes") {
        Ok(())
    } else {
        crate::bail!("nothing was changed")
    }
}
