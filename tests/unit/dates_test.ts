/** Unit tests of src/dates.ts: strict ISO parsing, weeks, ERP display dates and minute rounding. */
import assert from "node:assert/strict";
import {
  datesBetween,
  daysInclusive,
  hoursToMinutes,
  isValidTimeZone,
  isWeekend,
  minutesToHhMm,
  mondayOf,
  mondaysBetween,
  parseErpDate,
  parseErpDateNear,
  parseIsoDate,
  roundDecimal,
  splitMinutes,
  sundayOf,
} from "../../src/dates.ts";

const d = (iso: string) => Temporal.PlainDate.from(iso);
const isoOf = (date: Temporal.PlainDate | undefined) => date?.toString();

for (
  const c of [
    { text: "2026-01-05", want: "2026-01-05" },
    { text: " 2026-01-05 ", want: "2026-01-05" },
    { text: "2028-02-29", want: "2028-02-29" }, // leap day
    { text: "2026-02-28", want: "2026-02-28" },
    { text: "2026-02-29", want: undefined }, // 2026 is not a leap year
    { text: "2026-02-30", want: undefined },
    { text: "2026-13-01", want: undefined },
    { text: "2026-00-10", want: undefined },
    { text: "2026-04-31", want: undefined },
    { text: "2026-1-5", want: undefined },
    { text: "2026-01-5", want: undefined },
    { text: "26-01-05", want: undefined },
    { text: "2026/01/05", want: undefined },
    { text: "2026-01-05T10:00", want: undefined },
    { text: "", want: undefined },
    { text: "tomorrow", want: undefined },
  ]
) {
  Deno.test(`parseIsoDate(${JSON.stringify(c.text)}) is ${c.want ?? "undefined"}`, () => {
    assert.equal(isoOf(parseIsoDate(c.text)), c.want);
  });
}

for (
  const c of [
    { date: "2026-01-01", monday: "2025-12-29", sunday: "2026-01-04" }, // Thursday across New Year
    { date: "2026-01-04", monday: "2025-12-29", sunday: "2026-01-04" }, // Sunday ends that week
    { date: "2026-01-05", monday: "2026-01-05", sunday: "2026-01-11" }, // a Monday is its own
    { date: "2026-01-11", monday: "2026-01-05", sunday: "2026-01-11" },
    { date: "2028-03-01", monday: "2028-02-28", sunday: "2028-03-05" }, // across a leap day
    { date: "2024-12-31", monday: "2024-12-30", sunday: "2025-01-05" },
  ]
) {
  Deno.test(`mondayOf/sundayOf: ${c.date} is in the week ${c.monday}..${c.sunday}`, () => {
    const monday = mondayOf(d(c.date));
    assert.equal(monday.toString(), c.monday);
    assert.equal(monday.dayOfWeek, 1);
    assert.equal(sundayOf(monday).toString(), c.sunday);
    assert.equal(sundayOf(monday).dayOfWeek, 7);
  });
}

for (
  const c of [
    {
      name: "a range across New Year",
      start: "2025-12-31",
      end: "2026-01-12",
      want: ["2025-12-29", "2026-01-05", "2026-01-12"],
    },
    { name: "one day", start: "2026-01-07", end: "2026-01-07", want: ["2026-01-05"] },
    { name: "Monday to Sunday", start: "2026-01-05", end: "2026-01-11", want: ["2026-01-05"] },
    {
      name: "Sunday to Monday",
      start: "2026-01-11",
      end: "2026-01-12",
      want: ["2026-01-05", "2026-01-12"],
    },
    { name: "end before start", start: "2026-01-20", end: "2026-01-05", want: [] },
  ]
) {
  Deno.test(`mondaysBetween: ${c.name}`, () => {
    assert.deepEqual(mondaysBetween(d(c.start), d(c.end)).map(String), c.want);
  });
}

Deno.test("datesBetween and daysInclusive count both ends", () => {
  const dates = datesBetween(d("2025-12-30"), d("2026-01-02")).map(String);
  assert.deepEqual(dates, ["2025-12-30", "2025-12-31", "2026-01-01", "2026-01-02"]);
  assert.equal(daysInclusive(d("2025-12-30"), d("2026-01-02")), 4);
  assert.equal(daysInclusive(d("2026-01-05"), d("2026-01-05")), 1);
  assert.deepEqual(datesBetween(d("2026-01-05"), d("2026-01-04")), []);
});

Deno.test("isWeekend is true on Saturday and Sunday only", () => {
  const week = datesBetween(d("2026-01-05"), d("2026-01-11")).map(isWeekend);
  assert.deepEqual(week, [false, false, false, false, false, true, true]);
});

Deno.test("isValidTimeZone knows IANA names and refuses nonsense", () => {
  assert.equal(isValidTimeZone("Europe/Paris"), true);
  assert.equal(isValidTimeZone("UTC"), true);
  assert.equal(isValidTimeZone("Mars/Olympus_Mons"), false);
  assert.equal(isValidTimeZone(""), false);
});

for (
  const c of [
    { name: "ISO", text: "2026-01-05", hint: 1999, want: "2026-01-05" },
    { name: "ISO datetime", text: "2026-01-05T09:12:44.120Z", hint: 2026, want: "2026-01-05" },
    { name: "display, hint 2025", text: "Mon, Dec 29", hint: 2025, want: "2025-12-29" },
    // 2026-12-29 is a Tuesday: the weekday picks the year before the hint.
    { name: "display, hint 2026", text: "Mon, Dec 29", hint: 2026, want: "2025-12-29" },
    // 2025-01-04 is a Saturday: the weekday picks the year after the hint.
    {
      name: "Sunday after New Year, hint 2025",
      text: "Sun, Jan 04",
      hint: 2025,
      want: "2026-01-04",
    },
    {
      name: "Sunday after New Year, hint 2026",
      text: "Sun, Jan 04",
      hint: 2026,
      want: "2026-01-04",
    },
    { name: "display without weekday", text: "Dec 29", hint: 2025, want: "2025-12-29" },
    { name: "display without weekday, one digit", text: "Jan 5", hint: 2026, want: "2026-01-05" },
    { name: "long names", text: "Monday, January 05", hint: 2026, want: "2026-01-05" },
    { name: "lower case", text: "mon, jan 05", hint: 2026, want: "2026-01-05" },
    { name: "explicit year wins", text: "Dec 29, 2025", hint: 2030, want: "2025-12-29" },
    { name: "leap day by weekday", text: "Tue, Feb 29", hint: 2028, want: "2028-02-29" },
    { name: "garbage", text: "garbage", hint: 2026, want: undefined },
    { name: "empty", text: "", hint: 2026, want: undefined },
    { name: "unknown month", text: "Mon, Foo 29", hint: 2026, want: undefined },
    { name: "day 32", text: "Mon, Dec 32", hint: 2026, want: undefined },
    { name: "Feb 30", text: "Mon, Feb 30", hint: 2026, want: undefined },
    { name: "bad ISO", text: "2026-02-30", hint: 2026, want: undefined },
    { name: "number", text: 20260105, hint: 2026, want: undefined },
    { name: "null", text: null, hint: 2026, want: undefined },
    { name: "undefined", text: undefined, hint: 2026, want: undefined },
  ]
) {
  Deno.test(`parseErpDate: ${c.name} (${JSON.stringify(c.text)}) → ${c.want}`, () => {
    assert.equal(isoOf(parseErpDate(c.text, c.hint)), c.want);
  });
}

for (
  const c of [
    { total: 0, want: { hours: 0, minutes: 0, decimal_hours: 0 } },
    { total: 492, want: { hours: 8, minutes: 12, decimal_hours: 8.2 } },
    { total: 480, want: { hours: 8, minutes: 0, decimal_hours: 8 } },
    { total: 59, want: { hours: 0, minutes: 59, decimal_hours: 0.98 } },
    { total: 61, want: { hours: 1, minutes: 1, decimal_hours: 1.02 } },
    { total: 1440, want: { hours: 24, minutes: 0, decimal_hours: 24 } },
    { total: 2535, want: { hours: 42, minutes: 15, decimal_hours: 42.25 } },
  ]
) {
  Deno.test(`splitMinutes(${c.total})`, () => {
    assert.deepEqual(splitMinutes(c.total), c.want);
  });
}

for (
  const c of [
    { hours: 8.2, want: 492 }, // 8.2 * 60 = 491.99999999999994: rounded, never truncated
    { hours: 0.1, want: 6 },
    { hours: 7.99, want: 479 }, // 479.4
    { hours: 7.999, want: 480 }, // 479.94
    { hours: 1.15, want: 69 },
    { hours: 0.25, want: 15 },
    { hours: 8, want: 480 },
    { hours: 24, want: 1440 },
    { hours: 0, want: 0 },
    // Ties (x.5 minutes) go to the later minute, judged on the decimal as written: in binary
    // 1.025 * 60 is 61.49999999999999 and 0.025 * 60 is 1.5, so Math.round split them.
    { hours: 0.025, want: 2 },
    { hours: 1.025, want: 62 },
    { hours: 2.675, want: 161 },
    { hours: 4.125, want: 248 }, // 247.5
    { hours: 10.075, want: 605 }, // 604.5
    { hours: 0.275, want: 17 }, // 16.5
    { hours: 0.0083, want: 0 }, // 0.498: under half a minute
    { hours: 0.0084, want: 1 }, // 0.504
    { hours: 0.008333, want: 0 }, // 0.49998
    { hours: 0.0083333333333333, want: 0 }, // just under 1/120 h: under half a minute
    // 1/120 h as JSON carries it, 0.008333333333333333: 0.49999999999999998 min, no tie.
    { hours: 1 / 120, want: 0 },
    // The 24:00 boundary: 24 h is 1440 min; what rounds down to it stays at it.
    { hours: 23.99, want: 1439 }, // 1439.4
    { hours: 23.9916, want: 1439 }, // 1439.496
    { hours: 23.9917, want: 1440 }, // 1439.502
    { hours: 24.0083, want: 1440 }, // 1440.498
    { hours: 24.00834, want: 1441 }, // 1440.5004
    // Negative and zero as before: a tie still goes to the later (greater) minute, -0 is 0.
    { hours: -0.025, want: -1 }, // -1.5
    { hours: -1, want: -60 },
    { hours: -0, want: 0 },
    { hours: -0.0083, want: 0 },
    // Written as strings, and in exponent form as String() writes tiny numbers.
    { hours: "1.025", want: 62 },
    { hours: " 2.675 ", want: 161 },
    { hours: "8.20", want: 492 },
    { hours: ".5", want: 30 },
    { hours: "1e-7", want: 0 },
    { hours: 2.5e-2, want: 2 },
    { hours: "2.5e-2", want: 2 },
  ]
) {
  Deno.test(`hoursToMinutes(${JSON.stringify(c.hours)}) === ${c.want}`, () => {
    assert.ok(Object.is(hoursToMinutes(c.hours), c.want), String(hoursToMinutes(c.hours)));
  });
}

for (const text of ["", "abc", "1,5", "1.2.3", "--1", "e5"]) {
  Deno.test(`hoursToMinutes(${JSON.stringify(text)}) is NaN`, () => {
    assert.ok(Number.isNaN(hoursToMinutes(text)));
  });
}

Deno.test("hoursToMinutes: NaN and infinities pass through as Math.round gives them", () => {
  assert.ok(Number.isNaN(hoursToMinutes(NaN)));
  assert.equal(hoursToMinutes(Infinity), Infinity);
  assert.equal(hoursToMinutes(-Infinity), -Infinity);
});

Deno.test("hoursToMinutes agrees with exact decimal arithmetic on every 3-place hour to 24", () => {
  // Independent oracle: thousandths of an hour × 60 = 60 × k / 1000 min; half up on integers.
  for (let k = 0; k <= 24_000; k++) {
    const hours = Number(`${Math.floor(k / 1000)}.${String(k % 1000).padStart(3, "0")}`);
    const twice = 2 * 60 * k; // 2 × minutes × 1000
    const want = Math.floor((twice + 1000) / 2000);
    if (hoursToMinutes(hours) !== want) {
      assert.fail(`${hours} h: ${hoursToMinutes(hours)} ≠ ${want}`);
    }
  }
});

Deno.test("roundDecimal rounds minutes written as decimals too (factor 1)", () => {
  assert.equal(roundDecimal("12", 1), 12);
  assert.equal(roundDecimal(12.5, 1), 13);
  assert.equal(roundDecimal("-12.5", 1), -12);
});

for (
  const c of [
    { text: "Mon, Dec 25", anchor: "2023-12-25", want: "2023-12-25" },
    { text: "Mon, Dec 25", anchor: "2028-12-25", want: "2028-12-25" },
    { text: "Mon, Dec 25", anchor: "2029-12-31", want: undefined }, // 2029-12-25 is a Tuesday
    { text: "Sun, Jan 06", anchor: "2030-01-06", want: "2030-01-06" },
    { text: "Sun, Jan 06", anchor: "2029-12-31", want: "2030-01-06" },
    { text: "Jan 06", anchor: "2029-12-31", want: "2030-01-06" },
    { text: "Dec 31", anchor: "2030-01-06", want: "2029-12-31" },
    { text: "Tue, Feb 29", anchor: "2028-02-28", want: "2028-02-29" },
    { text: "Feb 29", anchor: "2027-02-28", want: "2028-02-29" }, // the only Feb 29 near it
    { text: "Dec 25, 2028", anchor: "2023-12-25", want: "2028-12-25" }, // a written year wins
    { text: "Mon, Dec 25, 2029", anchor: "2029-12-31", want: undefined }, // wrong weekday
    { text: "2016-11-21", anchor: "2036-11-24", want: "2016-11-21" }, // ISO as is
    { text: "Fri, Dec 27", anchor: "2023-12-25", want: undefined },
    { text: "Xyz, Dec 27", anchor: "2023-12-25", want: undefined },
    { text: "garbage", anchor: "2023-12-25", want: undefined },
    { text: 20231225, anchor: "2023-12-25", want: undefined },
  ]
) {
  Deno.test(`parseErpDateNear(${JSON.stringify(c.text)}, ${c.anchor}) → ${c.want}`, () => {
    assert.equal(isoOf(parseErpDateNear(c.text, d(c.anchor))), c.want);
  });
}

for (
  const c of [
    { total: 0, want: "00:00" },
    { total: 5, want: "00:05" },
    { total: 492, want: "08:12" },
    { total: 600, want: "10:00" },
    { total: 1440, want: "24:00" },
  ]
) {
  Deno.test(`minutesToHhMm(${c.total}) is "${c.want}"`, () => {
    assert.equal(minutesToHhMm(c.total), c.want);
  });
}
