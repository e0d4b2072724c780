/** The HTML of the sandbox's web pages: the ERP sign-in page and the fake Google. */

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]);
}

const ENTITIES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

function page(title: string, body: string, script = ""): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 28rem; margin: 3rem auto; padding: 0 1rem; }
label, input, button { display: block; width: 100%; box-sizing: border-box; margin: 0.4rem 0; }
input, button { padding: 0.5rem; font-size: 1rem; }
a.account { display: block; padding: 0.8rem; margin: 0.5rem 0; border: 1px solid #ccc;
  border-radius: 6px; text-decoration: none; color: inherit; }
#status { min-height: 1.5rem; font-weight: bold; }
</style>
</head>
<body>
${body}${script ? `\n<script>\n${script}\n</script>` : ""}
</body>
</html>
`;
}

const SIGN_IN_SCRIPT = `const status = document.getElementById("status");
function showSignedIn() {
  const who = localStorage.getItem("username");
  if (localStorage.getItem("token") && who) status.textContent = "Signed in as " + who;
}
showSignedIn();
document.getElementById("sign-in-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  status.textContent = "Signing in…";
  try {
    const response = await fetch("/sandbox/login", {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({
        email: document.getElementById("email").value,
        password: document.getElementById("password").value,
      }),
    });
    const body = await response.json().catch(() => ({}));
    if (!response.ok || typeof body.token !== "string") {
      status.textContent = "Sign-in failed: " + (body.detail || "ERP answered " + response.status);
      return;
    }
    localStorage.token = body.token;
    localStorage.username = body.email;
    showSignedIn();
  } catch (error) {
    status.textContent = "Sign-in failed: " + error;
  }
});`;

/** The ERP web page: a sign-in form that stores the token in `localStorage`, as the real app does. */
export function signInPage(): string {
  return page(
    "Sandbox ERP: sign in",
    `<h1>Sandbox ERP</h1>
<p>Sign in to log your project time.</p>
<form id="sign-in-form">
<label for="email">Email</label>
<input id="email" name="email" type="email" autocomplete="username" required>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button id="sign-in" type="submit">Sign in</button>
</form>
<p id="status" role="status"></p>`,
    SIGN_IN_SCRIPT,
  );
}

/** An account the fake Google offers, with the link that picks it. */
export interface ChooserAccount {
  key: string;
  name: string;
  email: string;
  href: string;
}

/** The fake Google's account chooser. */
export function googleChooserPage(clientId: string, accounts: ChooserAccount[]): string {
  const links = accounts.map((a) =>
    `<a class="account" id="account-${escapeHtml(a.key)}" href="${escapeHtml(a.href)}">` +
    `<strong>${escapeHtml(a.name)}</strong><br>${escapeHtml(a.email)}</a>`
  ).join("\n");
  return page(
    "Sign in - Google Accounts (sandbox)",
    `<h1>Choose an account</h1>
<p>to continue to <code>${escapeHtml(clientId)}</code> (sandbox Google)</p>
${links}`,
  );
}

/** The fake Google's error page for a malformed authorization request. */
export function googleErrorPage(message: string): string {
  return page(
    "Error - Google Accounts (sandbox)",
    `<h1>Access blocked: authorization error</h1>
<p id="error">${escapeHtml(message)}</p>`,
  );
}
