"""HTML of the identity platform: the sign-in + consent page, error pages, form_post."""

from __future__ import annotations

from html import escape

_STYLE = """
body{font-family:Segoe UI,Helvetica,Arial,sans-serif;background:#f2f2f2;margin:0}
main{max-width:440px;margin:48px auto;background:#fff;padding:44px;box-shadow:0 2px 6px #0003}
h1{font-size:1.5rem;font-weight:600;margin:0 0 16px}label{display:block;margin:12px 0 4px}
input[type=text],input[type=email],input[type=password]{width:100%;padding:6px;box-sizing:border-box}
.error{color:#a80000;margin:12px 0}.scopes{margin:12px 0;padding-left:20px}
.buttons{margin-top:24px;display:flex;gap:8px;justify-content:flex-end}
button{padding:6px 20px}.code{font-family:monospace;color:#555}
"""


def _page(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f'<title>{escape(title)}</title><link rel="icon" href="data:,"><style>{_STYLE}</style>'
        "</head>"
        f"<body><main>{body}</main></body></html>"
    )


def sign_in_page(
    *,
    action: str,
    app_name: str,
    scopes: list[str],
    login_hint: str = "",
    error: str = "",
) -> str:
    """The combined sign-in and consent form (fields ``login``, ``password``, ``consent``)."""
    scope_items = "".join(f"<li>{escape(scope)}</li>" for scope in scopes)
    error_html = f'<p class="error" role="alert">{escape(error)}</p>' if error else ""
    body = f"""
<h1>Sign in</h1>
<p><strong>{escape(app_name)}</strong> wants to access your account.</p>
{error_html}
<form method="post" action="{escape(action)}">
  <label for="login">Email, phone, or Skype</label>
  <input id="login" name="login" type="email" autocomplete="username"
         value="{escape(login_hint)}" required>
  <label for="password">Password</label>
  <input id="password" name="password" type="password" autocomplete="current-password" required>
  <h2>Permissions requested</h2>
  <p>This app would like to:</p>
  <ul class="scopes">{scope_items}</ul>
  <div class="buttons">
    <button type="submit" name="consent" value="deny" formnovalidate>Cancel</button>
    <button type="submit" name="consent" value="accept">Accept</button>
  </div>
</form>"""
    return _page("Sign in to your account", body)


def error_page(code: int, message: str, correlation_id: str) -> str:
    """Entra's "Sorry, but we're having trouble signing you in" page (no redirect)."""
    body = f"""
<h1>Sorry, but we're having trouble signing you in.</h1>
<p class="error" id="error">AADSTS{code}: {escape(message)}</p>
<p class="code">Correlation ID: {escape(correlation_id)}</p>"""
    return _page("Sign in to your account", body)


def form_post_page(redirect_uri: str, fields: dict[str, str]) -> str:
    """``response_mode=form_post``: an auto-submitting form to the redirect URI."""
    inputs = "".join(
        f'<input type="hidden" name="{escape(name)}" value="{escape(value)}">'
        for name, value in fields.items()
    )
    return (
        "<!DOCTYPE html><html><head><title>Working...</title></head>"
        '<body onload="document.forms[0].submit()">'
        f'<form method="POST" name="hiddenform" action="{escape(redirect_uri)}">{inputs}'
        "<noscript><p>Script is disabled. Click Submit to continue.</p>"
        '<input type="submit" value="Submit"></noscript></form></body></html>'
    )
