/** The sandbox ERP's seed data: a pure, deterministic function of `today`. */
import { instantString, mondayOf } from "./dates.ts";
import type {
  ProjectRecord,
  SandboxFixtures,
  SandboxLabel,
  SandboxTeam,
  SandboxUser,
  WeekLogRecord,
} from "./types.ts";

/** An ERP user with the teams they are active on. */
export interface SeedUser extends SandboxUser {
  teamIds: number[];
}

/** A Google account of the fake Google; `userId` is absent for a non-ERP account. */
export interface GoogleAccount {
  key: string;
  email: string;
  name: string;
  accessToken: string;
  userId?: number;
}

/** The next free ids, shared by all users so every id is unique. */
export interface IdCounters {
  weekLog: number;
  project: number;
  task: number;
  day: number;
}

/** Everything the sandbox starts with. */
export interface Seed {
  users: SeedUser[];
  googleAccounts: GoogleAccount[];
  teams: SandboxTeam[];
  labels: SandboxLabel[];
  weekLogs: WeekLogRecord[];
  ids: IdCounters;
  fixtures: SandboxFixtures;
}

/** The five teams; 41 and 43 share the substring "Backend". */
export const TEAMS: readonly SandboxTeam[] = [
  { id: 41, team: "Client X / Backend", subteam: "Backend" },
  { id: 42, team: "Client X / Frontend", subteam: "Frontend" },
  { id: 43, team: "Client Y / Backend", subteam: "Backend" },
  { id: 44, team: "Internal / Research", subteam: "Research" },
  { id: 45, team: "Mobile App", subteam: "Mobile" },
];

/** The nine labels of the real ERP, with their real ids. */
export const LABELS: readonly SandboxLabel[] = [
  { id: 66, name: "General" },
  { id: 34, name: "Coding" },
  { id: 35, name: "Code Review" },
  { id: 37, name: "Meeting" },
  { id: 39, name: "Testing" },
  { id: 40, name: "Debugging" },
  { id: 42, name: "Documentation" },
  { id: 44, name: "R&D" },
  { id: 60, name: "Deployment" },
];

const YEAR_BOUNDARY = Temporal.PlainDate.from("2025-12-29");
const AFTER_BOUNDARY = Temporal.PlainDate.from("2026-01-05");
const MISSING_PROJECT_TEAM = 45;
const EPOCH_MONDAY = Temporal.PlainDate.from("2000-01-03");

/** One planned entry: time on a team's project, under a task description. */
export interface Entry {
  date: Temporal.PlainDate;
  teamId: number;
  description: string;
  hours: number;
  minutes: number;
  label: number;
}

/** Builds the seed for a given today. */
export function buildSeed(today: Temporal.PlainDate): Seed {
  const alice: SeedUser = {
    id: 17,
    name: "Alice Example",
    email: "alice@example.com",
    token: "sandbox-token-alice",
    password: "alice-password",
    googleAccessToken: "google-access-alice",
    teamIds: [41, 42, 43, 44, 45],
  };
  const bob: SeedUser = {
    id: 18,
    name: "Bob Other",
    email: "bob@other.test",
    token: "sandbox-token-bob",
    password: "bob-password",
    googleAccessToken: "google-access-bob",
    teamIds: [42, 45],
  };
  const stranger = { email: "stranger@example.com", googleAccessToken: "google-access-stranger" };
  const googleAccounts: GoogleAccount[] = [alice, bob].map((u) => ({
    key: u.email.split("@")[0],
    email: u.email,
    name: u.name,
    accessToken: u.googleAccessToken,
    userId: u.id,
  }));
  googleAccounts.push({
    key: "stranger",
    email: stranger.email,
    name: "Sam Stranger",
    accessToken: stranger.googleAccessToken,
  });

  const current = mondayOf(today);
  const fixed = [YEAR_BOUNDARY, AFTER_BOUNDARY];
  const isFixed = (d: Temporal.PlainDate) => fixed.some((f) => f.equals(d));

  // The special weeks walk back from last week, skipping the two fixed weeks so that both stay
  // seeded with their own content whatever today is.
  const roles: Temporal.PlainDate[] = [];
  for (
    let back = current.subtract({ days: 7 });
    roles.length < 4;
    back = back.subtract({ days: 7 })
  ) {
    if (!isFixed(back)) roles.push(back);
  }
  const [missingProject, withoutLog, completed, draft] = roles;

  const firstOfPrevious = today.with({ day: 1 }).subtract({ months: 1 });
  let start = mondayOf(firstOfPrevious);
  if (Temporal.PlainDate.compare(draft, start) < 0) start = draft;

  const mondays: Temporal.PlainDate[] = [];
  for (let m = start; Temporal.PlainDate.compare(m, current) <= 0; m = m.add({ days: 7 })) {
    if (!m.equals(withoutLog)) mondays.push(m);
  }
  for (const f of fixed) {
    if (!mondays.some((m) => m.equals(f))) mondays.push(f);
  }
  mondays.sort(Temporal.PlainDate.compare);

  const ids: IdCounters = { weekLog: 380000, project: 5500, task: 9000, day: 70000 };
  const weekLogs: WeekLogRecord[] = [];

  for (const monday of mondays) {
    let entries: Entry[];
    let teamIds = alice.teamIds;
    let isCompleted = false;
    if (monday.equals(YEAR_BOUNDARY)) {
      entries = [0, 1, 4].map((i) => entry(monday, i, 41, "Feature work", 8, 0, 34));
    } else if (monday.equals(AFTER_BOUNDARY)) {
      entries = [entry(monday, 0, 42, "UI work", 8, 0, 34)];
    } else if (monday.equals(current)) {
      entries = weekdays(monday)
        .filter((d) => Temporal.PlainDate.compare(d, today) < 0)
        .map((d) => entry(d, 0, 41, "Feature work", 8, 0, 34));
    } else if (monday.equals(completed)) {
      entries = [0, 1, 2, 3, 4].map((i) => entry(monday, i, 41, "Feature work", 8, 0, 34));
      isCompleted = true;
    } else if (monday.equals(draft)) {
      entries = [0, 1, 2, 3].map((i) => entry(monday, i, 41, "Feature work", 8, 0, 34));
    } else {
      entries = mixedWeek(monday);
      if (monday.equals(missingProject)) {
        teamIds = teamIds.filter((t) => t !== MISSING_PROJECT_TEAM);
      }
    }
    weekLogs.push(buildWeekLog(ids, alice.id, monday, teamIds, entries, isCompleted));
  }

  const bobPrevious = current.subtract({ days: 7 });
  weekLogs.push(
    buildWeekLog(ids, bob.id, bobPrevious, bob.teamIds, [
      entry(bobPrevious, 0, 42, "Landing page", 8, 0, 34),
      entry(bobPrevious, 1, 42, "Landing page", 6, 0, 34),
      entry(bobPrevious, 1, 45, "App release", 2, 0, 60),
      entry(bobPrevious, 2, 45, "App release", 7, 45, 39),
    ], false),
  );
  const bobCurrent = Temporal.PlainDate.compare(current, today) < 0
    ? [entry(current, 0, 45, "Bug fixes", 8, 0, 40)]
    : [];
  weekLogs.push(buildWeekLog(ids, bob.id, current, bob.teamIds, bobCurrent, false));

  const publicUser = ({ teamIds: _, ...user }: SeedUser): SandboxUser => user;
  const fixtures: SandboxFixtures = {
    today: today.toString(),
    users: { alice: publicUser(alice), bob: publicUser(bob), stranger },
    teams: TEAMS.map((t) => ({ ...t })),
    labels: LABELS.map((l) => ({ ...l })),
    weeks: {
      current: current.toString(),
      draft: draft.toString(),
      completed: completed.toString(),
      withoutLog: withoutLog.toString(),
      missingProject: missingProject.toString(),
      missingProjectTeamId: MISSING_PROJECT_TEAM,
      yearBoundary: YEAR_BOUNDARY.toString(),
      afterBoundary: AFTER_BOUNDARY.toString(),
    },
  };

  return {
    users: [alice, bob],
    googleAccounts,
    teams: TEAMS.map((t) => ({ ...t })),
    labels: LABELS.map((l) => ({ ...l })),
    weekLogs,
    ids,
    fixtures,
  };
}

function entry(
  monday: Temporal.PlainDate,
  dayIndex: number,
  teamId: number,
  description: string,
  hours: number,
  minutes: number,
  label: number,
): Entry {
  return { date: monday.add({ days: dayIndex }), teamId, description, hours, minutes, label };
}

function weekdays(monday: Temporal.PlainDate): Temporal.PlainDate[] {
  return [0, 1, 2, 3, 4].map((i) => monday.add({ days: i }));
}

/** A plausible past week: full days, split days and empty days, rotating by week. */
function mixedWeek(monday: Temporal.PlainDate): Entry[] {
  const week = monday.since(EPOCH_MONDAY).days / 7;
  const out: Entry[] = [];
  for (let i = 0; i < 5; i++) {
    switch ((week + i) % 4) {
      case 0:
        out.push(entry(monday, i, 41, "Feature work", 8, 0, 34));
        break;
      case 1:
        out.push(entry(monday, i, 41, "Feature work", 6, 0, 34));
        out.push(entry(monday, i, 42, "Code review", 2, 0, 35));
        break;
      case 2:
        break; // an empty day
      default:
        out.push(entry(monday, i, 43, "API integration", 4, 0, 34));
        out.push(entry(monday, i, 44, "Research spike", 3, 30, 44));
        out.push(entry(monday, i, 42, "Standup", 0, 30, 37));
    }
  }
  return out;
}

/** A week log of `personId` for `monday` with a project per team and `entries` filled in. */
export function buildWeekLog(
  ids: IdCounters,
  personId: number,
  monday: Temporal.PlainDate,
  teamIds: number[],
  entries: Entry[],
  isCompleted: boolean,
): WeekLogRecord {
  const projects: ProjectRecord[] = teamIds.map((teamId) => {
    const team = TEAMS.find((t) => t.id === teamId)!;
    return { id: ids.project++, team: team.team, subteam: team.subteam, tasks: [] };
  });
  const sorted = [...entries].sort((a, b) => Temporal.PlainDate.compare(a.date, b.date));
  for (const e of sorted) {
    const team = TEAMS.find((t) => t.id === e.teamId)!;
    const project = projects.find((p) => p.team === team.team);
    if (!project) throw new Error(`Seed bug: no project for team ${e.teamId}`);
    let task = project.tasks.find((t) => t.description === e.description);
    if (!task) {
      task = { id: ids.task++, description: e.description, days: [] };
      project.tasks.push(task);
    }
    task.days.push({
      id: ids.day++,
      date: e.date.toString(),
      hours: e.hours,
      minutes: e.minutes,
      label: e.label,
    });
  }
  const last = sorted.at(-1);
  const modified = last
    ? last.date.toZonedDateTime({ timeZone: "UTC", plainTime: "17:00" })
    : monday.toZonedDateTime({ timeZone: "UTC", plainTime: "08:00" });
  return {
    id: ids.weekLog++,
    personId,
    monday: monday.toString(),
    sunday: monday.add({ days: 6 }).toString(),
    isCompleted,
    modifiedAt: instantString(modified.epochMilliseconds),
    projects,
  };
}
