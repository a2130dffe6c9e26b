"""HTML of the identity platform: the sign-in + consent page, error pages, form_post."""

from __future__ import annotations

from html import escape

_STYLE = """
*{box-sizing:border-box}
html,body{height:100%}
body{margin:0;font:15px/1.4 "Segoe UI","Segoe UI Web (West European)",-apple-system,
BlinkMacSystemFont,Roboto,"Helvetica Neue",sans-serif;color:#1b1b1b;
background:#f2f2f2 linear-gradient(160deg,#e6eef6 0%,#f5f5f5 45%,#efe9f3 100%);
display:flex;flex-direction:column}
.outer{flex:1;display:flex;align-items:flex-start;justify-content:center;padding:8vh 12px 24px}
.card{width:440px;max-width:100%;min-height:338px;background:#fff;padding:44px;
box-shadow:0 2px 6px rgba(0,0,0,.2)}
.banner{font-size:.8125rem;font-weight:600;color:#5e5e5e;letter-spacing:.02em;margin:0 0 16px}
.identity{display:inline-block;font-size:.9375rem;margin:0 0 12px;padding:2px 10px 2px 0;
color:#1b1b1b}
h1{font-size:1.5rem;font-weight:600;line-height:1.75rem;margin:0 0 16px}
h2{font-size:1.0625rem;font-weight:600;margin:24px 0 8px}
label{display:block;font-size:.8125rem;color:#5e5e5e;margin:16px 0 2px}
input[type=text],input[type=email],input[type=password]{width:100%;font:inherit;padding:6px 0;
border:0;border-bottom:1px solid #666;background:transparent;outline:none;border-radius:0}
input:focus{border-bottom:2px solid #0067b8;padding-bottom:5px}
.error{color:#e81123;font-size:.9375rem;margin:8px 0}
.app{display:flex;gap:12px;align-items:center;margin:8px 0 4px}
.app-mark{width:44px;height:44px;border-radius:4px;background:#0067b8;color:#fff;display:grid;
place-items:center;font-weight:600;font-size:1.25rem;flex:none}
.app-name{font-weight:600}.app-publisher{font-size:.8125rem;color:#5e5e5e}
.scopes{list-style:none;margin:8px 0;padding:0}
.scopes li{display:flex;gap:10px;padding:6px 0;font-size:.875rem}
.scopes li::before{content:"\\2713";color:#0067b8;font-weight:700}
.scope-name{font-family:Consolas,monospace;color:#5e5e5e;font-size:.8125rem;display:block}
.fine{font-size:.8125rem;color:#5e5e5e;margin:16px 0 0}
.buttons{margin-top:28px;display:flex;gap:4px;justify-content:flex-end}
button{min-width:108px;min-height:32px;padding:4px 12px;font:inherit;border:0;cursor:pointer}
button.primary{background:#0067b8;color:#fff}button.primary:hover{background:#005da6}
button.secondary{background:#ccc;color:#1b1b1b}button.secondary:hover{background:#b7b7b7}
button:focus-visible{outline:2px solid #000;outline-offset:2px}
.code{font-family:Consolas,monospace;color:#5e5e5e;font-size:.8125rem}
footer{display:flex;justify-content:flex-end;gap:16px;padding:10px 16px;font-size:.75rem;
color:#5e5e5e;
background:rgba(255,255,255,.6)}
@media (max-width:600px){.outer{padding:0}.card{box-shadow:none;min-height:100vh;padding:24px}}
"""

_SCOPE_TEXT = {
    "Calendars.ReadWrite": "Have full access to your calendars",
    "Calendars.Read": "Read your calendars",
    "User.Read": "Sign you in and read your profile",
    "offline_access": "Maintain access to data you have given it access to",
    "openid": "Sign you in",
    "profile": "View your basic profile",
    "email": "View your email address",
}
"""What Microsoft's consent page says for each permission."""


def _page(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<title>{escape(title)}</title><link rel="icon" href="data:,"><style>{_STYLE}</style>'
        "</head><body>"
        f'<div class="outer"><main class="card">'
        '<p class="banner">Microsoft cloud emulator</p>'
        f"{body}</main></div>"
        "<footer><span>Terms of use</span><span>Privacy &amp; cookies</span><span>...</span>"
        "</footer></body></html>"
    )


def _scope_item(scope: str) -> str:
    name = scope.rsplit("/", 1)[-1]
    text = _SCOPE_TEXT.get(name, name)
    return f'<li><span>{escape(text)}<span class="scope-name">{escape(scope)}</span></span></li>'


def sign_in_page(
    *,
    action: str,
    app_name: str,
    scopes: list[str],
    login_hint: str = "",
    error: str = "",
) -> str:
    """The combined sign-in and consent form (fields ``login``, ``password``, ``consent``),
    laid out as Microsoft's: a white card on a soft background, the sign-in fields, then
    "Permissions requested" with the app and what it may do, Cancel and Accept."""
    scope_items = "".join(_scope_item(scope) for scope in scopes)
    error_html = f'<p class="error" role="alert">{escape(error)}</p>' if error else ""
    initial = escape((app_name or "?")[:1].upper())
    body = f"""
<h1>Sign in</h1>
{error_html}
<form method="post" action="{escape(action)}">
  <label for="login">Email, phone, or Skype</label>
  <input id="login" name="login" type="email" autocomplete="username"
         value="{escape(login_hint)}" placeholder="someone@example.com" required>
  <label for="password">Password</label>
  <input id="password" name="password" type="password" autocomplete="current-password"
         placeholder="Password" required>
  <h2>Permissions requested</h2>
  <div class="app"><span class="app-mark" aria-hidden="true">{initial}</span>
    <span><span class="app-name">{escape(app_name)}</span><br>
    <span class="app-publisher">unverified</span></span></div>
  <p>This app would like to:</p>
  <ul class="scopes">{scope_items}</ul>
  <p class="fine">Accepting these permissions means that you allow this app to use your data as
  specified in their terms of service and privacy statement. You can change these permissions
  at any time.</p>
  <div class="buttons">
    <button type="submit" class="secondary" name="consent" value="deny"
            formnovalidate>Cancel</button>
    <button type="submit" class="primary" name="consent" value="accept">Accept</button>
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
