/** Unit tests of src/erp/gate.ts: the bound holds, order is kept, an abort while waiting leaves. */
import assert from "node:assert/strict";
import { RequestGate } from "../../src/erp/gate.ts";

Deno.test("RequestGate: never more than its limit in flight; waiting ones run in order", async () => {
  const gate = new RequestGate(2);
  let inFlight = 0;
  let most = 0;
  const order: number[] = [];
  const releases: (() => void)[] = [];
  const jobs = [0, 1, 2, 3, 4].map((i) =>
    gate.run(async () => {
      inFlight++;
      most = Math.max(most, inFlight);
      order.push(i);
      await new Promise<void>((r) => releases.push(r));
      inFlight--;
      return i;
    })
  );
  // Release one at a time, each only once it has started.
  for (let done = 0; done < 5; done++) {
    while (releases.length === 0) await new Promise((r) => setTimeout(r, 0));
    releases.shift()!();
  }
  assert.deepEqual(await Promise.all(jobs), [0, 1, 2, 3, 4]);
  assert.equal(most, 2);
  assert.deepEqual(order, [0, 1, 2, 3, 4]);
  assert.equal(gate.active, 0);
});

Deno.test("RequestGate: an abort while waiting rejects with its reason and gives the place up", async () => {
  const gate = new RequestGate(1);
  let release!: () => void;
  const first = gate.run(() => new Promise<string>((r) => (release = () => r("first"))));
  const controller = new AbortController();
  const waiting = gate.run(() => Promise.resolve("never"), controller.signal);
  const third = gate.run(() => Promise.resolve("third"));
  controller.abort(new Error("cancelled by the client"));
  await assert.rejects(waiting, /cancelled by the client/);
  release();
  assert.equal(await first, "first");
  assert.equal(await third, "third");
  assert.equal(gate.active, 0);
  assert.throws(() => new RequestGate(0), RangeError);
});
