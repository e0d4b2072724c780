# project-logs-mcp, hosted mode: Streamable HTTP on /mcp, legacy SSE on /sse, /healthz.
# Official Deno image (Debian), Debian's Chromium for the streamed ERP sign-in, a non-root user,
# and the narrow permission flags computed by src/start.ts from the configuration.
#
# Chromium runs with its sandbox on (it is dropped only when the server runs as root, with a
# logged reason). Debian's Chromium sandboxes with unprivileged user namespaces, which Docker's
# default seccomp profile forbids: run the container with a profile that allows them, e.g.
#   docker run --security-opt seccomp=chromium-seccomp.json …   (Docker's default profile plus
#   clone/unshare with CLONE_NEWUSER), on a kernel with user namespaces enabled
#   (sysctl kernel.unprivileged_userns_clone=1 on Debian; on Ubuntu 24.04 hosts also
#   kernel.apparmor_restrict_unprivileged_userns=0). Without that, the streamed sign-in says
#   the sandbox could not start, and the other sign-ins still work.
FROM denoland/deno:debian-2.9.6

RUN apt-get update \
 && apt-get install -y --no-install-recommends chromium fonts-liberation ca-certificates \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY deno.json deno.lock ./
RUN deno install --frozen
COPY main.ts authorized_users.json ./
COPY src ./src
RUN deno cache --frozen main.ts src/start.ts && chown -R deno:deno /app

USER deno
ENV MCP_SSE_HOST=0.0.0.0 \
    PORT=8000 \
    MCP_BROWSER_PATH=/usr/bin/chromium \
    DENO_NO_UPDATE_CHECK=1
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s CMD deno eval --allow-net=127.0.0.1 \
  "const r = await fetch('http://127.0.0.1:' + (Deno.env.get('PORT') ?? '8000') + '/healthz'); Deno.exit(r.ok ? 0 : 1)" \
  || exit 1
CMD ["deno", "task", "serve"]
