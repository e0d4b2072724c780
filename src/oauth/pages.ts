/**
 * The authorization server's HTML pages: sign-in, consent, errors. No script at all; every value
 * escaped; framing denied; never cached; forms carry a CSRF token bound to a cookie.
 */

/** Escapes text for HTML element content and quoted attribute values. */
export function esc(s: string): string {
  return s.replace(/[&<>"'`=]/g, (c) => `&#${c.charCodeAt(0)};`);
}

const STYLE =
  `body{font:16px/1.5 system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem;color:#222}
h1{font-size:1.4rem}label{display:block;margin:.8rem 0 .3rem}input[type=password]{width:100%;padding:.4rem;font:inherit}
button{font:inherit;padding:.4rem 1rem;margin:.8rem .5rem 0 0}.error{color:#a00}.muted{color:#666;font-size:.9rem}
fieldset{border:1px solid #ccc;padding:.5rem 1rem}`;

/**
 * A page with the pages' headers: CSP (no script, forms only to `formTargets`, no framing),
 * X-Frame-Options DENY, no-store, no referrer. `formTargets` are CSP sources besides 'self'
 * (a consent form is answered by a redirect to the client, which form-action governs).
 */
export function page(
  status: number,
  title: string,
  body: string,
  opts: {
    formTargets?: string[];
    headers?: Record<string, string>;
    /** One inline script, allowed by a fresh nonce (the Google callback page only). */
    script?: string;
  } = {},
): Response {
  const nonce = opts.script
    ? btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(18))))
    : undefined;
  const script = nonce ? `<script nonce="${nonce}">${opts.script}</script>` : "";
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><meta name="referrer" content="same-origin">
<title>${esc(title)}</title><style>${STYLE}</style></head><body><h1>${
    esc(title)
  }</h1>${body}${script}</body></html>`;
  const scriptSrc = nonce ? `'nonce-${nonce}'` : "'none'";
  return new Response(html, {
    status,
    headers: {
      "Content-Type": "text/html; charset=utf-8",
      "Cache-Control": "no-store",
      Pragma: "no-cache",
      "X-Frame-Options": "DENY",
      "Referrer-Policy": "same-origin", // no-referrer would make the forms' Origin "null"
      "Content-Security-Policy":
        `default-src 'none'; script-src ${scriptSrc}; style-src 'unsafe-inline'; form-action 'self'${
          (opts.formTargets ?? []).map((t) => ` ${t}`).join("")
        }; frame-ancestors 'none'; base-uri 'none'`,
      ...opts.headers,
    },
  });
}

/** An error page: what went wrong, and what to do. */
export function errorPage(status: number, what: string, todo: string): Response {
  return page(status, "Sign-in stopped", `<p class="error">${esc(what)}</p><p>${esc(todo)}</p>`);
}

/** The CSRF cookie's name: `__Host-` (Secure, host-only, path /) on https. */
export function csrfCookieName(secure: boolean): string {
  return secure ? "__Host-oauth-csrf" : "oauth-csrf";
}

/** The CSRF cookie of a request, if any. */
export function cookieOf(req: Request, name: string): string | undefined {
  for (const part of (req.headers.get("cookie") ?? "").split(";")) {
    const [k, ...v] = part.trim().split("=");
    if (k === name) return v.join("=") || undefined;
  }
  return undefined;
}

/** A Set-Cookie value for the CSRF cookie (HttpOnly, SameSite=Strict, 30 minutes). */
export function csrfCookie(name: string, value: string, secure: boolean): string {
  return `${name}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=1800${
    secure ? "; Secure" : ""
  }`;
}

/** The hidden fields every form carries. */
export function hidden(fields: Record<string, string>): string {
  return Object.entries(fields)
    .map(([k, v]) => `<input type="hidden" name="${esc(k)}" value="${esc(v)}">`)
    .join("");
}

/** The sign-in page: Google, the ERP's web login (each when offered), or paste an ERP token. */
export function signInPage(p: {
  clientName: string;
  redirectHost: string;
  fields: Record<string, string>;
  error?: string;
  status?: number;
  headers?: Record<string, string>;
  /** Offer "Sign in with Google": a form to /authorize/google, answered by a redirect there. */
  google?: boolean;
  /** Offer "Sign in with the ERP's web login": a form to /authorize/erp (the streamed browser). */
  erpLogin?: boolean;
  formTargets?: string[];
}): Response {
  const google = p.google
    ? `<form method="post" action="/authorize/google">${hidden(p.fields)}
<button type="submit" id="google">Sign in with Google</button></form>`
    : "";
  const erp = p.erpLogin
    ? `<form method="post" action="/authorize/erp">${hidden(p.fields)}
<button type="submit" id="erp-login">Sign in with the ERP's web login</button></form>`
    : "";
  const others = google || erp
    ? `${google}${erp}<p class="muted">or paste your ERP token:</p>`
    : "";
  return page(
    p.status ?? 200,
    "Sign in to the ERP",
    `<p><strong>${esc(p.clientName)}</strong> (returning to ${
      esc(p.redirectHost)
    }) asks to use your project time logs.</p>
${p.error ? `<p class="error" role="alert">${esc(p.error)}</p>` : ""}${others}
<form method="post" action="/authorize/login">${hidden(p.fields)}
<label for="token">Your ERP token</label>
<input id="token" name="token" type="password" autocomplete="off" required maxlength="600">
<p class="muted">Copy it from the ERP web app: DevTools → Network → the Authorization header of any API request.</p>
<button type="submit" name="method" value="token">Sign in</button></form>`,
    { headers: p.headers, formTargets: p.formTargets },
  );
}

/** The consent page: names the client and what it may do, with a read-only choice. */
export function consentPage(p: {
  clientName: string;
  redirectHost: string;
  email: string;
  writeOffered: boolean;
  fields: Record<string, string>;
  formTargets: string[];
}): Response {
  const choice = p.writeOffered
    ? `<fieldset><legend>Access</legend>
<label><input type="radio" name="access" value="write" checked> Read and write your time logs</label>
<label><input type="radio" name="access" value="read"> Read only: it cannot change anything</label></fieldset>`
    : `<input type="hidden" name="access" value="read"><p>It asks to <strong>read</strong> your time logs only.</p>`;
  return page(
    200,
    "Allow access?",
    `<p>Signed in as <strong>${esc(p.email)}</strong>.</p>
<p><strong>${esc(p.clientName)}</strong> (returning to ${esc(p.redirectHost)}) wants to ${
      p.writeOffered ? "read and write" : "read"
    } your time logs in the ERP.</p>
<form method="post" action="/authorize/consent">${hidden(p.fields)}${choice}
<button type="submit" name="decision" value="allow">Allow</button>
<button type="submit" name="decision" value="deny">Deny</button></form>`,
    { formTargets: p.formTargets },
  );
}
