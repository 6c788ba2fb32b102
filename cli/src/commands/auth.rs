//! `porter admin login|logout|whoami|password`: the session and the account's password.

use porter_proto::admin::v1 as pb;

use crate::context::Ctx;
use crate::error::CliError;
use crate::session;

pub async fn login(
    ctx: &Ctx,
    username: String,
    password: Option<String>,
    code: Option<String>,
    print_token: bool,
) -> Result<(), CliError> {
    let password = match password {
        Some(p) => p,
        None => read_password()?,
    };
    let resp = ctx
        .auth()
        .login(pb::LoginRequest {
            username,
            password,
            code: code.unwrap_or_default(),
        })
        .await?
        .into_inner();
    if resp.code_required {
        crate::bail!(
            "this account has two-factor login: give its authentication code (or a recovery code) with --code"
        );
    }
    // The token is a password for the session: it goes to the token file (mode 0600), never
    // to the screen or a script's log.
    let saved = session::save_token(&resp.token)?;
    if saved.is_none() && !print_token {
        crate::bail!(
            "logged in, but there is nowhere to save the token: set PORTER_TOKEN_FILE or HOME, or use --print-token"
        );
    }
    if resp
        .account
        .as_ref()
        .is_some_and(|a| a.password_reminder_due)
    {
        // Beside the answer, not in it: a script reading the JSON keeps working.
        eprintln!(
            "note: your password has not changed for a month; change it with `porter admin password`"
        );
    }
    let mut answer = serde_json::json!({
        "account": resp.account.as_ref().and_then(crate::output::message_json),
        "expires_at_ms": resp.expires_at_ms,
        "token_saved_to": saved.map(|p| p.display().to_string()),
    });
    if print_token {
        answer["token"] = serde_json::Value::String(resp.token);
    }
    ctx.emit(answer).await
}

pub async fn logout(ctx: &Ctx) -> Result<(), CliError> {
    ctx.auth().logout(pb::LogoutRequest {}).await?;
    session::forget_token();
    ctx.show(&pb::Empty {}).await
}

pub async fn whoami(ctx: &Ctx) -> Result<(), CliError> {
    ctx.print(ctx.auth().who_am_i(pb::Empty {})).await
}

pub async fn password(ctx: &Ctx, old: String, new: String) -> Result<(), CliError> {
    ctx.done(ctx.auth().change_password(pb::ChangePasswordRequest {
        old_password: old,
        new_password: new,
    }))
    .await
}

/// Reads a password from `PORTER_PASSWORD` or the first line of standard input.
fn read_password() -> Result<String, CliError> {
    if let Ok(p) = std::env::var("PORTER_PASSWORD") {
        return Ok(p);
    }
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .map_err(|e| CliError::io("reading the password from standard input", e))?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}
