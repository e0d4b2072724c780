/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The week grid view (MCP Apps, ext-apps 2.x `App`): draws the grid that `week_grid_load` answers,
 * collects edits, saves them with one `week_grid_save`, submits through `complete_week_log`, and
 * tells the model what changed (`ui/update-model-context`). Bundled for the browser by
 * `deno task apps`; no framework — the DOM is small and every update redraws the table.
 */
import {
  App,
  applyDocumentTheme,
  applyHostFonts,
  applyHostStyleVariables,
  type McpUiHostContext,
} from "@modelcontextprotocol/ext-apps";
import type { Grid, GridRow } from "../grid.ts";
import type { Month } from "../month.ts";
import { hm, parseCell } from "./cells.ts";
import { partOf, spacingKey } from "../../logs/match.ts";
import { withoutInvisible } from "../../clean_text.ts";

/** A row the person added in the grid, not yet saved. */
interface NewRow {
  project: string;
  description: string;
  labelId: number | null;
  label: string | null;
}

/** Everything the view holds: the grid as stored, and the edits not saved yet. */
interface State {
  mode: "week" | "month";
  grid?: Grid;
  month?: Month;
  /** Minutes typed per cell, keyed by `cellKey`. */
  edits: Map<string, { row: GridRow | NewRow; date: string; minutes: number }>;
  deletes: Map<number, string>;
  added: NewRow[];
  busy: boolean;
  message: { text: string; error: boolean } | undefined;
}

const state: State = {
  mode: "week",
  edits: new Map(),
  deletes: new Map(),
  added: [],
  busy: false,
  message: undefined,
};

const app = new App({ name: "project-logs week grid", version: "1" }, {}, { autoResize: true });

function $(id: string): HTMLElement {
  return document.getElementById(id)!;
}

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Record<string, unknown> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined || v === false) continue;
    if (k.startsWith("on")) node.addEventListener(k.slice(2), v as EventListener);
    else if (k === "className") node.className = String(v);
    else node.setAttribute(k, v === true ? "" : String(v));
  }
  node.append(...children);
  return node;
}

function rowName(row: GridRow | NewRow): string {
  return [row.project, row.description, row.label ?? "no label"].map(withoutInvisible).join(" · ");
}

/**
 * A project or task name as the server matches it, roughly: letters in one case, invisible
 * characters gone, spacing as the server's (spacingKey); look-alike letters are folded only on
 * the server (the ERP keeps one entry per task a day, whatever its case or label).
 */
function nameKey(text: string): string {
  return spacingKey(
    withoutInvisible(text.normalize("NFKC")).toLowerCase(),
  );
}

/**
 * Why a typed project name matches none or several of the person's active projects, or one this
 * week's log does not hold, in the write tools' words; undefined when it names one (exactly, or
 * by a unique part of a word) that the week holds.
 */
function projectProblem(grid: Grid, typed: string): string | undefined {
  const projects = grid.projects;
  const q = nameKey(typed);
  const exact = projects.filter((p) => nameKey(p.team) === q);
  const hits = exact.length ? exact : projects.filter((p) => partOf(nameKey(p.team), q));
  if (hits.length === 1) {
    const inWeek = grid.week_projects.some((w) =>
      w.team_id === hits[0].id || nameKey(w.project) === nameKey(hits[0].team)
    );
    return inWeek
      ? undefined
      : `Cannot log on "${
        hits[0].team
      }" in the week of ${grid.week_starting}: that week's log has no project for this team (the ERP adds a week's projects from team membership)`;
  }
  const all = projects.map((p) => `"${p.team}"`).join(", ");
  return hits.length === 0
    ? `Unknown project "${typed}": none of your active projects matches (your projects: ${all})`
    : `Ambiguous project "${typed}": it matches ${
      hits.map((p) => `"${p.team}"`).join(", ")
    }; use the full name`;
}

/** The row already shown for this project's task (any label), if there is one. */
function sameTask(rows: readonly (GridRow | NewRow)[], project: string, description: string) {
  const p = nameKey(project);
  const d = nameKey(description);
  return rows.find((r) => nameKey(r.project) === p && nameKey(r.description) === d);
}

function cellKey(row: GridRow | NewRow, date: string): string {
  return JSON.stringify([row.project, row.description, row.label, date]);
}

function say(text: string, error = false): void {
  state.message = { text, error };
  const box = $("status");
  box.textContent = text;
  box.className = error ? "status error" : "status";
}

function editable(): boolean {
  return state.grid?.state === "draft" && state.grid.writable && !state.busy;
}

function pendingCount(): number {
  return state.edits.size + state.deletes.size;
}

/** Minutes a cell shows: the edit if any, a pending delete as 0, else what is stored. */
function shown(row: GridRow | NewRow, date: string): number {
  const edit = state.edits.get(cellKey(row, date));
  if (edit) return edit.minutes;
  if (!("cells" in row)) return 0;
  const cell = row.cells.find((c) => c.date === date)!;
  return cell.entry_id !== null && state.deletes.has(cell.entry_id) ? 0 : cell.minutes;
}

function render(): void {
  $("month").hidden = state.mode !== "month";
  $("week").hidden = state.mode !== "week";
  $("to-month").hidden = state.mode !== "week";
  if (state.mode === "month") return renderMonth();
  const grid = state.grid;
  const root = $("grid");
  root.replaceChildren();
  // Nothing loaded yet (or the tool's answer was an error): no grid, no buttons to press.
  $("week").hidden = !grid;
  if (!grid) return;
  ($("prev") as HTMLButtonElement).setAttribute("aria-label", "Previous week");
  ($("next") as HTMLButtonElement).setAttribute("aria-label", "Next week");
  $("title").textContent = `Week of ${grid.week_starting} to ${grid.week_ending}`;
  const badge = $("state");
  badge.textContent = grid.state === "no_week_log" ? "no week log" : grid.state;
  badge.className = `badge ${grid.state}`;
  const rows: (GridRow | NewRow)[] = [...grid.rows, ...state.added];
  const dayTotals = grid.days.map((d) => rows.reduce((s, r) => s + shown(r, d.date), 0));
  const weekTotal = dayTotals.reduce((a, b) => a + b, 0);
  $("total").textContent = `Total ${hm(weekTotal)}`;
  $("readonly").hidden = grid.state === "draft" && grid.writable;
  $("readonly").textContent = grid.state === "completed"
    ? "This week is completed (submitted): it is read-only here."
    : grid.state === "no_week_log"
    ? "This week has no week log yet: the ERP creates it (open the week once in the ERP web app)."
    : "This connection may only read the time logs (read-only): editing and submitting are off.";

  const head = el(
    "tr",
    {},
    el("th", { scope: "col", className: "task" }, "Task"),
    ...grid.days.map((d) =>
      el(
        "th",
        {
          scope: "col",
          className: [
            "day",
            d.workday ? "" : "off",
            d.holiday ? "holiday" : "",
          ].join(" ").trim(),
        },
        el("span", { className: "wd" }, d.weekday),
        el("span", { className: "date" }, d.date.slice(5)),
        d.holiday ? el("span", { className: "tag" }, "holiday") : "",
      )
    ),
    el("th", { scope: "col" }, "Total"),
  );
  const body = rows.map((row) => {
    const name = rowName(row);
    const total = grid.days.reduce((s, d) => s + shown(row, d.date), 0);
    return el(
      "tr",
      {},
      el(
        "th",
        { scope: "row", className: "task" },
        el("span", { className: "project" }, withoutInvisible(row.project)),
        el("span", { className: "desc" }, withoutInvisible(row.description)),
        el("span", { className: "label" }, row.label ?? "no label"),
      ),
      ...grid.days.map((d) => cellOf(row, d.date, `${name}, ${d.weekday} ${d.date}`)),
      el("td", { className: "num rowtotal" }, hm(total)),
    );
  });
  const totals = el(
    "tr",
    { className: "totals" },
    el("th", { scope: "row" }, "Day total"),
    ...grid.days.map((d, i) => {
      const short = d.workday && !d.future && dayTotals[i] < d.expected_minutes;
      return el(
        "td",
        {
          className: `num ${short ? "short" : ""}`.trim(),
          "data-date": d.date,
          title: short ? `short of ${hm(d.expected_minutes)}` : undefined,
        },
        hm(dayTotals[i]),
        short ? el("span", { className: "tag" }, "short") : "",
      );
    }),
    el("td", { className: "num", id: "week-total" }, hm(weekTotal)),
  );
  const expected = el(
    "tr",
    { className: "expected" },
    el("th", { scope: "row" }, "Expected"),
    ...grid.days.map((d) =>
      el("td", { className: "num" }, d.holiday ? "holiday" : hm(d.expected_minutes))
    ),
    el("td", { className: "num" }, hm(grid.days.reduce((s, d) => s + d.expected_minutes, 0))),
  );
  root.append(
    el(
      "table",
      { "aria-label": `Time logged in the week of ${grid.week_starting}` },
      el("thead", {}, head),
      el("tbody", {}, ...body),
      el("tfoot", {}, totals, expected),
    ),
  );
  if (!rows.length) root.append(el("p", { className: "empty" }, "Nothing logged this week."));
  renderControls();
}

const STATUS_WORDS: Record<Month["days"][number]["status"], string> = {
  full: "full",
  short: "short",
  empty: "nothing logged",
  holiday: "holiday",
  weekend: "weekend",
  future: "future",
  unknown: "not read (the ERP failed)",
};

function renderMonth(): void {
  const month = state.month;
  const root = $("month");
  root.replaceChildren();
  if (!month) return;
  const name = new Date(Date.UTC(month.year, month.month - 1, 1))
    .toLocaleString("en-US", { month: "long", year: "numeric", timeZone: "UTC" });
  $("title").textContent = name;
  $("state").textContent = "month";
  $("state").className = "badge";
  $("total").textContent = `Total ${hm(month.total_minutes)}`;
  $("readonly").hidden = true;
  ($("prev") as HTMLButtonElement).setAttribute("aria-label", "Previous month");
  ($("next") as HTMLButtonElement).setAttribute("aria-label", "Next month");
  ($("prev") as HTMLButtonElement).disabled = state.busy;
  ($("next") as HTMLButtonElement).disabled = state.busy;
  const weeks = month.weeks.map((w, i) => {
    const days = month.days.slice(i * 7, i * 7 + 7);
    const state = w.state === "no_week_log" ? "no week log" : w.state;
    return el(
      "tr",
      {},
      ...days.map((d) =>
        el(
          "td",
          {},
          el(
            "button",
            {
              type: "button",
              className: `day status-${d.status}${d.in_month ? "" : " out"}`,
              "data-date": d.date,
              "data-status": d.status,
              "aria-label": `${d.date}: ${hm(d.total_minutes)} logged${
                d.expected_minutes ? ` of ${hm(d.expected_minutes)}` : ""
              }, ${STATUS_WORDS[d.status]}; open its week`,
              onclick: () => void openWeek(d.date),
            },
            el("span", { className: "n" }, String(Number(d.date.slice(8)))),
            el("span", { className: "t" }, d.total_minutes ? hm(d.total_minutes) : "–"),
          ),
        )
      ),
      el(
        "td",
        { className: "num", "data-week": w.week_starting },
        el("span", { className: `badge ${w.state}` }, state),
        el("span", { className: "tag" }, hm(w.total_minutes)),
      ),
    );
  });
  const head = el(
    "tr",
    {},
    ...["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun", "Week"].map((d) =>
      el("th", { scope: "col" }, d)
    ),
  );
  const most = Math.max(1, ...month.projects.map((p) => p.total_minutes));
  root.append(
    el(
      "div",
      { className: "scroll" },
      el(
        "table",
        { className: "calendar", "aria-label": `Hours logged in ${name}` },
        el("thead", {}, head),
        el("tbody", {}, ...weeks),
      ),
    ),
    el(
      "ul",
      { className: "legend", "aria-label": "Colours" },
      ...(["full", "short", "empty", "holiday", "weekend", "future"] as const).map((s) =>
        el("li", {}, el("span", { className: `status-${s}` }), STATUS_WORDS[s])
      ),
    ),
    el("h2", {}, "By project"),
    month.projects.length
      ? el(
        "ul",
        { className: "bars", "aria-label": `Hours by project in ${name}` },
        ...month.projects.map((p) =>
          el(
            "li",
            { "data-project": p.project },
            el("span", { className: "name", title: p.project }, p.project),
            el("span", {
              className: "bar",
              style: `width: ${Math.max(2, Math.round((p.total_minutes / most) * 100))}%`,
              role: "img",
              "aria-label": `${p.project}: ${hm(p.total_minutes)}`,
            }),
            el("span", { className: "num" }, hm(p.total_minutes)),
          )
        ),
      )
      : el("p", { className: "empty" }, "Nothing logged this month."),
  );
}

async function loadMonth(year: number, month: number): Promise<void> {
  await busy(async () => {
    const r = await call("month_grid_load", { year, month });
    if (r.isError) return say(textOf(r), true);
    state.month = r.structuredContent as Month;
    state.mode = "month";
    say(textOf(r));
  });
}

async function openWeek(date: string): Promise<void> {
  state.mode = "week";
  await load(date);
}

function cellOf(row: GridRow | NewRow, date: string, label: string): HTMLElement {
  const cell = "cells" in row ? row.cells.find((c) => c.date === date)! : undefined;
  const minutes = shown(row, date);
  const key = cellKey(row, date);
  const input = el("input", {
    type: "text",
    inputmode: "decimal",
    "aria-label": label,
    "data-cell": key,
    value: minutes ? hm(minutes) : "",
    readonly: !editable(),
    className: state.edits.has(key) || (cell?.entry_id && state.deletes.has(cell.entry_id))
      ? "changed"
      : "",
    onchange: (e: Event) => onCellChange(row, date, cell, e.target as HTMLInputElement),
    onkeydown: onCellKey,
  });
  const remove = cell?.entry_id && editable() && !state.deletes.has(cell.entry_id)
    ? el("button", {
      type: "button",
      className: "remove",
      "aria-label": `Delete entry: ${label}`,
      title: "Delete this entry",
      onclick: () => askDelete(cell.entry_id!, label),
    }, "×")
    : "";
  return el("td", { className: "cell" }, input, remove);
}

async function onCellChange(
  row: GridRow | NewRow,
  date: string,
  cell: GridRow["cells"][number] | undefined,
  input: HTMLInputElement,
): Promise<void> {
  const parsed = parseCell(input.value);
  if ("error" in parsed) {
    say(`Cannot log ${input.getAttribute("aria-label")}: ${parsed.error}`, true);
    input.setAttribute("aria-invalid", "true");
    input.focus();
    return;
  }
  input.removeAttribute("aria-invalid");
  const key = cellKey(row, date);
  if (parsed.minutes === 0) {
    state.edits.delete(key);
    if (cell?.entry_id) {
      await askDelete(cell.entry_id, input.getAttribute("aria-label") ?? date);
      return;
    }
  } else if (cell && cell.entry_id && parsed.minutes === cell.minutes) {
    state.edits.delete(key);
    state.deletes.delete(cell.entry_id);
  } else {
    state.edits.set(key, { row, date, minutes: parsed.minutes });
  }
  say(pendingCount() ? `${pendingCount()} unsaved change(s).` : "");
  render();
  focusCell(key);
}

/** Arrow keys move between cells (up and down rows; left and right at the text's ends). */
function onCellKey(event: Event): void {
  const e = event as KeyboardEvent;
  const input = e.target as HTMLInputElement;
  const cells = [...document.querySelectorAll<HTMLInputElement>("input[data-cell]")];
  const td = input.closest("td")!;
  const tr = td.parentElement as HTMLTableRowElement;
  const column = [...tr.children].indexOf(td);
  let target: HTMLInputElement | undefined;
  if (e.key === "ArrowDown" || e.key === "ArrowUp") {
    const rows = [...tr.parentElement!.children] as HTMLTableRowElement[];
    const next = rows[rows.indexOf(tr) + (e.key === "ArrowDown" ? 1 : -1)];
    target = next?.children[column]?.querySelector("input") ?? undefined;
  } else if (e.key === "ArrowLeft" && input.selectionStart === 0) {
    target = cells[cells.indexOf(input) - 1];
  } else if (e.key === "ArrowRight" && input.selectionEnd === input.value.length) {
    target = cells[cells.indexOf(input) + 1];
  }
  if (!target) return;
  e.preventDefault();
  target.focus();
  target.select();
}

function focusCell(key: string): void {
  const next = document.querySelector<HTMLInputElement>(`input[data-cell='${CSS.escape(key)}']`);
  next?.focus();
}

/** Asks in a modal dialog; resolves true on the confirming button. */
function ask(text: string, yes: string): Promise<boolean> {
  const dialog = $("confirm") as HTMLDialogElement;
  $("confirm-text").textContent = text;
  $("confirm-yes").textContent = yes;
  return new Promise((resolve) => {
    dialog.returnValue = "";
    dialog.onclose = () => resolve(dialog.returnValue === "yes");
    dialog.showModal();
    ($("confirm-no") as HTMLButtonElement).focus();
  });
}

async function askDelete(entryId: number, label: string): Promise<void> {
  // The grid is drawn anew after the question: focus goes back to the control that asked.
  const opener = (document.activeElement as HTMLElement | null)?.getAttribute("aria-label");
  if (await ask(`Delete this entry? It cannot be undone once saved.\n${label}`, "Delete")) {
    state.deletes.set(entryId, label);
    say(`${pendingCount()} unsaved change(s): the deletion happens on Save.`);
  }
  render();
  if (opener) {
    (document.querySelector(`[aria-label="${CSS.escape(opener)}"]`) as HTMLElement | null)
      ?.focus();
  }
}

function renderControls(): void {
  const grid = state.grid!;
  const draft = grid.state === "draft" && grid.writable;
  for (const id of ["save", "discard", "submit", "add"]) {
    ($(id) as HTMLButtonElement).disabled = !draft || state.busy;
  }
  ($("save") as HTMLButtonElement).disabled = !draft || state.busy || pendingCount() === 0;
  ($("discard") as HTMLButtonElement).disabled = state.busy || pendingCount() === 0;
  ($("submit") as HTMLButtonElement).disabled = !draft || state.busy || pendingCount() > 0;
  ($("prev") as HTMLButtonElement).disabled = state.busy;
  ($("next") as HTMLButtonElement).disabled = state.busy;
  $("add-form").hidden = !draft;
  // The person's active projects; the server matches the name as the write tools do.
  $("projects").replaceChildren(...grid.projects.map((p) => el("option", { value: p.team })));
  const labels = $("add-label") as HTMLSelectElement;
  const keep = labels.value;
  labels.replaceChildren(
    ...grid.labels.map((l) => el("option", { value: String(l.id) }, l.name)),
  );
  if (keep) labels.value = keep;
  else {
    const general = grid.labels.find((l) => l.name === "General");
    if (general) labels.value = String(general.id);
  }
}

interface ToolAnswer {
  isError?: boolean;
  content?: { type: string; text?: string }[];
  // deno-lint-ignore no-explicit-any
  structuredContent?: any;
}

function textOf(r: ToolAnswer): string {
  return r.content?.find((c) => c.type === "text")?.text ?? "";
}

async function call(name: string, args: Record<string, unknown>): Promise<ToolAnswer> {
  return await app.callServerTool({ name, arguments: args }) as ToolAnswer;
}

async function busy<T>(fn: () => Promise<T>): Promise<T | undefined> {
  state.busy = true;
  render();
  try {
    return await fn();
  } catch (error) {
    say(`Could not reach the server: ${error instanceof Error ? error.message : error}`, true);
    return undefined;
  } finally {
    state.busy = false;
    render();
  }
}

async function load(week: string): Promise<void> {
  await busy(async () => {
    const r = await call("week_grid_load", { week_starting: week });
    if (r.isError) return say(textOf(r), true);
    show(r.structuredContent as Grid);
    state.mode = "week";
    say(textOf(r));
  });
}

function show(grid: Grid): void {
  state.grid = grid;
  state.edits.clear();
  state.deletes.clear();
  state.added = [];
}

/** Tells the model what the person changed, so the conversation stays true. */
async function tellModel(text: string): Promise<void> {
  if (!app.getHostCapabilities()?.updateModelContext) return;
  await app.updateModelContext({ content: [{ type: "text", text }] }).catch(() => {});
}

async function save(): Promise<void> {
  const grid = state.grid;
  if (!grid || pendingCount() === 0) return;
  const set = [...state.edits.values()].map(({ row, date, minutes }) => ({
    date,
    ...("team_id" in row && row.team_id !== null
      ? { project_id: row.team_id }
      : { project_name: row.project }),
    description: row.description,
    hours: minutes / 60,
    ...("label_id" in row
      ? (row.label_id !== null ? { label_id: row.label_id } : {})
      : (row.labelId !== null ? { label_id: row.labelId } : {})),
  }));
  const args: Record<string, unknown> = {
    week_starting: grid.week_starting,
    set,
    delete_entry_ids: [...state.deletes.keys()],
  };
  await busy(async () => {
    let r = await call("week_grid_save", args);
    // The person confirmed each deletion in this view: the server's token carries that answer.
    if (!r.isError && r.structuredContent?.status === "needs_confirmation") {
      r = await call("week_grid_save", {
        ...args,
        confirmation_token: r.structuredContent.confirmation_token,
      });
    }
    if (r.isError) return say(textOf(r), true);
    const data = r.structuredContent;
    if (data.status === "declined") return say(textOf(r), true);
    show(data.grid as Grid);
    say(textOf(r));
    await tellModel(`The person edited the week in the grid app. ${textOf(r)}`);
  });
}

async function submit(): Promise<void> {
  const grid = state.grid;
  if (!grid) return;
  const short = grid.days.filter((d) => d.short).map((d) => `${d.date} (${hm(d.total_minutes)})`);
  const yes = await ask(
    `Submit the week of ${grid.week_starting}? After that it can no longer be changed.\nIt holds ${
      hm(grid.total_minutes)
    }${short.length ? `; short: ${short.join(", ")}` : "; no workday is short"}.`,
    "Submit week",
  );
  if (!yes) return say("Not submitted.");
  await busy(async () => {
    const args = { week_starting: grid.week_starting };
    let r = await call("complete_week_log", args);
    if (!r.isError && r.structuredContent?.status === "needs_confirmation") {
      r = await call("complete_week_log", {
        ...args,
        confirmation_token: r.structuredContent.confirmation_token,
      });
    }
    if (r.isError) return say(textOf(r), true);
    const done = textOf(r);
    const again = await call("week_grid_load", args);
    if (!again.isError) show(again.structuredContent as Grid);
    say(done);
    await tellModel(`The person submitted the week in the grid app. ${done}`);
  });
}

async function move(weeks: number): Promise<void> {
  if (state.mode === "month" && state.month) {
    const m = state.month.month - 1 + weeks;
    await loadMonth(state.month.year + Math.floor(m / 12), ((m % 12) + 12) % 12 + 1);
    return;
  }
  const grid = state.grid;
  if (!grid) return;
  if (pendingCount() && !(await ask("Discard the unsaved changes?", "Discard"))) return;
  const d = new Date(`${grid.week_starting}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 7 * weeks);
  void load(d.toISOString().slice(0, 10));
}

function addRow(event: Event): void {
  event.preventDefault();
  const grid = state.grid;
  if (!grid) return;
  const project = ($("add-project") as HTMLInputElement).value.trim();
  const description = ($("add-description") as HTMLInputElement).value.trim();
  const labelId = Number(($("add-label") as HTMLSelectElement).value) || null;
  if (!project) return say("Cannot add a row: choose a project", true);
  if (!nameKey(description)) return say("Cannot add a row: give a task description", true);
  if (description.length > 255) {
    return say(
      `Cannot add a row: description must be at most 255 characters; you sent ${description.length} characters`,
      true,
    );
  }
  const unknown = projectProblem(grid, project);
  if (unknown) return say(`Cannot add a row: ${unknown}`, true);
  const label = grid.labels.find((l) => l.id === labelId)?.name ?? null;
  const twin = sameTask([...grid.rows, ...state.added], project, description);
  if (twin) {
    // A second row for one task would write over the first one's entry on the same day.
    return say(
      `Cannot add a row: "${twin.project} · ${twin.description}" already has one; type its hours there (a task holds one entry a day)`,
      true,
    );
  }
  const row: NewRow = { project, description, labelId, label };
  state.added.push(row);
  ($("add-description") as HTMLInputElement).value = "";
  say(`Added a row for "${project}": type its hours in the cells, then Save.`);
  render();
  focusCell(cellKey(row, grid.days[0].date));
}

function applyContext(ctx: McpUiHostContext | undefined): void {
  if (!ctx) return;
  if (ctx.theme) applyDocumentTheme(ctx.theme);
  if (ctx.styles?.variables) applyHostStyleVariables(ctx.styles.variables);
  if (ctx.styles?.css?.fonts) applyHostFonts(ctx.styles.css.fonts);
}

function weekOfResult(
  r: ToolAnswer,
  input: Record<string, unknown> | undefined,
): string | undefined {
  const data = r.structuredContent;
  const candidates = [
    data?.week_starting, // get_week_logs
    data?.grid?.week_starting,
    data?.to_week, // copy_week: the target week
    input?.week_starting,
  ];
  for (const v of candidates) {
    if (typeof v === "string" && /^\d{4}-\d{2}-\d{2}$/.test(v)) return v;
  }
  return undefined;
}

let toolInput: Record<string, unknown> | undefined;
app.ontoolinput = (params) => {
  toolInput = params.arguments;
};
app.ontoolresult = (result) => {
  const data = (result as ToolAnswer).structuredContent;
  if (pendingCount()) {
    // A new answer from the conversation must not drop what the person typed and did not save.
    say(
      `${pendingCount()} unsaved change(s) kept: save or discard them to see the assistant's newer answer.`,
    );
    return;
  }
  const week = weekOfResult(result as ToolAnswer, toolInput);
  const range = typeof data?.start_date === "string" && typeof data?.end_date === "string"
    ? [data.start_date as string, data.end_date as string]
    : undefined;
  if (typeof data?.year === "number" && typeof data?.month === "number" && !week) {
    void loadMonth(data.year, data.month); // get_month_logs
  } else if (week) void load(week);
  else if (range) {
    // get_missing_days: a range within one week shows that week, a longer one its first month.
    const days = (Date.parse(range[1]) - Date.parse(range[0])) / 86_400_000;
    if (days < 7) void load(range[0]);
    else void loadMonth(Number(range[0].slice(0, 4)), Number(range[0].slice(5, 7)));
  } else if (result.isError) {
    render();
    say(textOf(result as ToolAnswer), true);
  }
};
app.onhostcontextchanged = (ctx) => applyContext(ctx);

$("prev").addEventListener("click", () => void move(-1));
$("next").addEventListener("click", () => void move(1));
$("save").addEventListener("click", () => void save());
$("to-month").addEventListener("click", async () => {
  const monday = state.grid?.week_starting;
  if (!monday) return;
  // Leaving the week drops its unsaved edits: ask first, as the week arrows do.
  if (pendingCount() && !(await ask("Discard the unsaved changes?", "Discard"))) return;
  void loadMonth(Number(monday.slice(0, 4)), Number(monday.slice(5, 7)));
});
$("submit").addEventListener("click", () => void submit());
$("discard").addEventListener("click", () => {
  state.edits.clear();
  state.deletes.clear();
  state.added = [];
  say("Changes discarded.");
  render();
});
// Buttons and keys, not form submission: a host's sandbox may withhold allow-forms.
$("add").addEventListener("click", addRow);
for (const id of ["add-project", "add-description"]) {
  $(id).addEventListener("keydown", (e) => {
    if ((e as KeyboardEvent).key === "Enter") addRow(e);
  });
}
$("confirm-yes").addEventListener("click", () => ($("confirm") as HTMLDialogElement).close("yes"));
$("confirm-no").addEventListener("click", () => ($("confirm") as HTMLDialogElement).close("no"));

await app.connect();
applyContext(app.getHostContext());
document.body.dataset.connected = "true";
