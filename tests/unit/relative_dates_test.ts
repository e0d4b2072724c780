/** Relative dates resolved in the configured zone, around midnight in zones far from UTC. */
import assert from "node:assert/strict";
import { type Clock, relativeSpan, today } from "../../src/dates.ts";
import { UserError } from "../../src/errors.ts";
import { boundArg, dateArg, rangeArgs, weekArg } from "../../src/tools/args.ts";

/** A clock in `zone` stopped at the UTC instant `utc`. */
const at = (zone: string, utc: string): Clock => ({
  timeZone: zone,
  now: () => Temporal.Instant.from(utc),
});

const KIRITIMATI = "Pacific/Kiritimati"; // UTC+14
const PAGO_PAGO = "Pacific/Pago_Pago"; // UTC-11

/** Each row: a clock, a word, and the first and last day it must name. */
const CASES: { clock: Clock; word: string; start: string; end: string; why: string }[] = [
  // Kiritimati: 09:59:59Z is 23:59:59 on Monday the 23rd; 10:00Z is already Tuesday.
  {
    clock: at(KIRITIMATI, "2026-11-23T09:59:59Z"),
    word: "today",
    start: "2026-11-23",
    end: "2026-11-23",
    why: "one second before local midnight",
  },
  {
    clock: at(KIRITIMATI, "2026-11-23T10:00:00Z"),
    word: "today",
    start: "2026-11-24",
    end: "2026-11-24",
    why: "local midnight, while UTC is still the 23rd",
  },
  {
    clock: at(KIRITIMATI, "2026-11-23T10:00:00Z"),
    word: "yesterday",
    start: "2026-11-23",
    end: "2026-11-23",
    why: "yesterday is the UTC date there",
  },
  {
    clock: at(KIRITIMATI, "2026-11-22T09:59:59Z"),
    word: "tomorrow",
    start: "2026-11-23",
    end: "2026-11-23",
    why: "late Sunday: tomorrow is Monday",
  },
  // Pago Pago: 10:59:59Z on Monday the 23rd is still Sunday 23:59:59 there.
  {
    clock: at(PAGO_PAGO, "2026-11-23T10:59:59Z"),
    word: "this week",
    start: "2026-11-16",
    end: "2026-11-22",
    why: "UTC Monday, local Sunday: still last UTC week",
  },
  {
    clock: at(PAGO_PAGO, "2026-11-23T11:00:00Z"),
    word: "this week",
    start: "2026-11-23",
    end: "2026-11-29",
    why: "local Monday midnight",
  },
  {
    clock: at(PAGO_PAGO, "2026-11-23T11:00:00Z"),
    word: "last week",
    start: "2026-11-16",
    end: "2026-11-22",
    why: "the week before local Monday",
  },
  {
    clock: at(PAGO_PAGO, "2026-11-23T10:59:59Z"),
    word: "next week",
    start: "2026-11-23",
    end: "2026-11-29",
    why: "from local Sunday, next week starts the UTC Monday",
  },
  // Month boundaries: Kiritimati reaches November while UTC is in October, Pago Pago lags.
  {
    clock: at(KIRITIMATI, "2026-10-31T10:00:00Z"),
    word: "this month",
    start: "2026-11-01",
    end: "2026-11-30",
    why: "local November 1st",
  },
  {
    clock: at(KIRITIMATI, "2026-10-31T10:00:00Z"),
    word: "last month",
    start: "2026-10-01",
    end: "2026-10-31",
    why: "October, 31 days",
  },
  {
    clock: at(PAGO_PAGO, "2026-03-01T10:59:59Z"),
    word: "this month",
    start: "2026-02-01",
    end: "2026-02-28",
    why: "UTC March 1st is still February 28th there",
  },
  {
    clock: at(PAGO_PAGO, "2027-01-01T10:59:59Z"),
    word: "next month",
    start: "2027-01-01",
    end: "2027-01-31",
    why: "New Year's Eve locally: next month is January",
  },
  {
    clock: at(PAGO_PAGO, "2027-01-01T10:59:59Z"),
    word: "this week",
    start: "2026-12-28",
    end: "2027-01-03",
    why: "a week across the year boundary",
  },
  {
    clock: at(KIRITIMATI, "2026-12-31T10:00:00Z"),
    word: "last month",
    start: "2026-12-01",
    end: "2026-12-31",
    why: "local January 1st 2027: last month is December 2026",
  },
];

for (const c of CASES) {
  Deno.test(`relative dates: "${c.word}" in ${c.clock.timeZone} at ${c.clock.now!()} (${c.why})`, () => {
    const span = relativeSpan(c.word, c.clock);
    assert.ok(span, c.word);
    assert.equal(span.start.toString(), c.start);
    assert.equal(span.end.toString(), c.end);
  });
}

Deno.test("relative dates: today follows the clock's zone, not UTC", () => {
  assert.equal(today(at(KIRITIMATI, "2026-11-23T10:00:00Z")).toString(), "2026-11-24");
  assert.equal(today(at(PAGO_PAGO, "2026-11-23T10:00:00Z")).toString(), "2026-11-22");
  assert.equal(today(at("UTC", "2026-11-23T10:00:00Z")).toString(), "2026-11-23");
});

Deno.test("relative dates: spelling is forgiving, anything else is not a relative word", () => {
  const clock = at("UTC", "2026-11-25T12:00:00Z");
  assert.equal(relativeSpan("  Last_Week ", clock)?.start.toString(), "2026-11-16");
  assert.equal(relativeSpan("THIS  MONTH", clock)?.end.toString(), "2026-11-30");
  assert.equal(relativeSpan("this-week", clock)?.kind, "week");
  for (const text of ["2026-11-25", "last year", "fortnight", "", "todays"]) {
    assert.equal(relativeSpan(text, clock), undefined, text);
  }
});

Deno.test("date arguments: one day, a week, or a range end, each as the parameter means it", () => {
  const clock = at(KIRITIMATI, "2026-11-23T10:00:00Z"); // Tuesday 2026-11-24 there
  assert.equal(dateArg("today", "date", clock).toString(), "2026-11-24");
  assert.equal(dateArg("2026-01-05", "date", clock).toString(), "2026-01-05");
  assert.equal(weekArg("today", "week_starting", clock).toString(), "2026-11-23");
  assert.equal(weekArg("next week", "week_starting", clock).toString(), "2026-11-30");
  assert.equal(boundArg("this month", "start_date", clock, "start").toString(), "2026-11-01");
  assert.equal(boundArg("this month", "end_date", clock, "end").toString(), "2026-11-30");
  const last = rangeArgs("last month", "last month", clock, 366);
  assert.deepEqual([last.start.toString(), last.end.toString()], ["2026-10-01", "2026-10-31"]);
  const soFar = rangeArgs("last week", "today", clock, 366);
  assert.deepEqual([soFar.start.toString(), soFar.end.toString()], ["2026-11-16", "2026-11-24"]);
});

for (
  const c of [
    {
      fn: () => dateArg("this week", "date", "UTC"),
      re: /date "this week": it names a whole week/,
    },
    { fn: () => weekArg("last month", "week_starting", "UTC"), re: /a month .* not a week/ },
    { fn: () => dateArg("someday", "date", "UTC"), re: /date "someday": not a date/ },
    {
      fn: () => rangeArgs("next month", "this month", "UTC", 366),
      re: /end_date is before start_date/,
    },
    {
      fn: () => rangeArgs("last month", "this week", at("UTC", "2026-11-25T00:00:00Z"), 31),
      re: /more than the 31 allowed/,
    },
  ]
) {
  Deno.test(`date arguments refuse: ${c.re.source}`, () => {
    assert.throws(c.fn, (e: unknown) => e instanceof UserError && c.re.test(e.message));
  });
}
