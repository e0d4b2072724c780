/** The write tools, in the order clients list them. */
import { completeWeekLog } from "./complete.ts";
import { createOrUpdateLog, deleteLog, updateLog } from "./entry.ts";
import { fillLogsForDays } from "./fill.ts";

/** Every write tool. */
export const writeTools = [
  createOrUpdateLog,
  updateLog,
  deleteLog,
  completeWeekLog,
  fillLogsForDays,
];
