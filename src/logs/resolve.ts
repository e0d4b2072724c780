/**
 * Names to ids: exact (case-insensitive) first, then a unique part from the start of a word;
 * never a silent guess.
 */
import type { Label, Team } from "../erp/types.ts";
import { UserError } from "../errors.ts";
import { cleanText, textKey } from "../text.ts";
import { partOf, spacingKey } from "./match.ts";

/** The label used when none is named. */
export const DEFAULT_LABEL = "General";

/**
 * Names compare by textKey — case, invisible characters and look-alike letters aside — with runs
 * of spaces made one and no spaces around separators (spacingKey).
 */
function norm(s: string): string {
  return spacingKey(textKey(s));
}

function pickByName<T>(
  items: readonly T[],
  query: string,
  names: (item: T) => string[],
): { exact: T[]; partial: T[] } {
  const q = norm(query);
  const exact = items.filter((i) => names(i).some((n) => norm(n) === q));
  const partial = items.filter((i) => names(i).some((n) => partOf(norm(n), q)));
  return { exact, partial };
}

function listTeams(teams: readonly Team[]): string {
  return teams.map((t) => `"${t.team}" (id ${t.id})`).join(", ");
}

/** The team given by `project_id` (a team id) or `project_name`. */
export function resolveTeam(
  teams: readonly Team[],
  args: { project_id?: number; project_name?: string },
): Team {
  if (args.project_id !== undefined) {
    const team = teams.find((t) => t.id === args.project_id);
    if (!team) {
      throw new UserError(
        `Unknown project id ${args.project_id}: not one of your active projects`,
        `Your projects: ${listTeams(teams)}. Use one of these ids, or project_name.`,
      );
    }
    if (
      args.project_name && cleanText(args.project_name) &&
      !resolveTeamMatches(team, args.project_name)
    ) {
      throw new UserError(
        `Project id ${args.project_id} is "${team.team}", which does not match project_name "${args.project_name}"`,
        "Give only one of project_id and project_name.",
      );
    }
    return team;
  }
  const name = cleanText(args.project_name ?? "");
  if (!name) {
    throw new UserError(
      "No project given: pass project_id or project_name",
      `Your projects: ${listTeams(teams)}.`,
    );
  }
  const { exact, partial } = pickByName(teams, name, (t) => [t.team, t.subteam]);
  const exactByFull = exact.filter((t) => norm(t.team) === norm(name));
  const found = exactByFull.length === 1
    ? exactByFull
    : exact.length === 1
    ? exact
    : exact.length > 1
    ? exact
    : partial;
  if (found.length === 1) return found[0];
  if (found.length === 0) {
    throw new UserError(
      `Unknown project "${name}": none of your active projects matches`,
      `Your projects: ${listTeams(teams)}.`,
    );
  }
  throw new UserError(
    `Ambiguous project "${name}": it matches ${listTeams(found)}`,
    "Use the full name or the project_id.",
  );
}

function resolveTeamMatches(team: Team, name: string): boolean {
  const q = norm(name);
  return [team.team, team.subteam].some((n) => partOf(norm(n), q));
}

/** The label given by `label_id` or `label_name`; neither means "General". */
export function resolveLabel(
  labels: readonly Label[],
  args: { label_id?: number; label_name?: string },
): Label {
  const all = labels.map((l) => `"${l.name}" (id ${l.id})`).join(", ");
  if (args.label_id !== undefined) {
    const label = labels.find((l) => l.id === args.label_id);
    if (!label) {
      throw new UserError(`Unknown label id ${args.label_id}`, `Labels: ${all}.`);
    }
    const named = args.label_name?.trim();
    if (named && !partOf(norm(label.name), norm(named))) {
      throw new UserError(
        `Label id ${args.label_id} is "${label.name}", which does not match label_name "${named}"`,
        "Give only one of label_id and label_name.",
      );
    }
    return label;
  }
  const name = cleanText(args.label_name ?? "") || DEFAULT_LABEL;
  const { exact, partial } = pickByName(labels, name, (l) => [l.name]);
  const found = exact.length ? exact : partial;
  if (found.length === 1) return found[0];
  if (found.length === 0) {
    throw new UserError(`Unknown label "${name}"`, `Labels: ${all}.`);
  }
  throw new UserError(
    `Ambiguous label "${name}": it matches ${found.map((l) => `"${l.name}"`).join(", ")}`,
    "Use the full label name or label_id.",
  );
}
